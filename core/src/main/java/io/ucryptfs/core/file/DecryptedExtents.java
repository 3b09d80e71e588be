package io.ucryptfs.core.file;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The extents of one open {@link EncryptedFile} held decrypted, wherever they are: pinned by a read or
 * a write (never evicted), idle in the mount's {@link ExtentCache} (evictable), or kept after their
 * write-back on eviction failed (until a flush writes them). An extent held here is the newest copy of
 * its bytes, so the lower file must not be read or written around it.
 *
 * <p>The file calls everything but {@link #writeBackEvicted} under its own lock; pinning is atomic per
 * extent through the active map, so two readers that miss on the same extent decrypt it once.
 */
final class DecryptedExtents {
    private static final Logger log = LoggerFactory.getLogger(DecryptedExtents.class);

    private final LowerFile lower;
    private final ExtentCache cache;
    private final int extentSize;

    /** Extents in use, never evicted. */
    private final ConcurrentHashMap<Long, Extent> active = new ConcurrentHashMap<>();
    /** Indices of this file's extents in the idle cache, so flush and close need not scan it. */
    private final Set<Long> resident = ConcurrentHashMap.newKeySet();
    /** Evicted dirty extents whose write-back failed: kept until a flush succeeds, so nothing is lost. */
    private final Map<Long, Extent> unwritten = new ConcurrentHashMap<>();
    private volatile IOException deferredError;
    /** Set by {@link #dropAll}: the file is closed or cut off, and what it releases is not cached again. */
    private volatile boolean dropped;

    DecryptedExtents(LowerFile lower, ExtentCache cache) {
        this.lower = lower;
        this.cache = cache;
        this.extentSize = lower.extentSize;
    }

    /**
     * Whether extent {@code idx} has a decrypted copy here (in use, idle in the cache, being evicted,
     * or kept after a failed write-back): then it must be read and written through that copy.
     */
    boolean holds(long idx) {
        return resident.contains(idx) || active.containsKey(idx) || unwritten.containsKey(idx);
    }

    /**
     * Pins extent {@code idx}: from the active map, the idle cache, or the lower file (decrypted), or a
     * zero extent when {@code load} is false (the caller overwrites it or it lies past the end).
     *
     * @param size the file's plaintext size: nothing past it is read from the lower file
     */
    Extent pin(long idx, boolean load, long size) throws IOException {
        try {
            return active.compute(idx, (k, e) -> {
                if (e == null) {
                    e = unwritten.remove(idx);
                }
                if (e == null) {
                    e = cache.takeIdle(this, idx);
                    if (e != null) {
                        resident.remove(idx);
                    } else {
                        // an eviction of this extent may have failed while takeIdle waited for it
                        e = unwritten.remove(idx);
                    }
                }
                if (e == null) {
                    boolean fromDisk = load && idx * extentSize < size;
                    e = new Extent(idx, fromDisk ? cache.scratchBuffer() : cache.newBuffer());
                    if (fromDisk) {
                        try {
                            lower.readExtent(idx, e.data, size);
                        } catch (IOException ex) {
                            cache.recycle(e.data);
                            throw new UncheckedIOException(ex);
                        }
                    }
                }
                e.pins++;
                return e;
            });
        } catch (UncheckedIOException ex) {
            throw ex.getCause();
        }
    }

    void unpin(Extent extent) {
        active.compute(extent.index, (k, e) -> {
            if (--e.pins > 0) {
                return e;
            }
            if (dropped) {
                cache.recycle(e.data);
            } else {
                resident.add(e.index);
                cache.putIdle(this, e);
            }
            return null;
        });
    }

    /** Writes back every dirty extent held here, those in the idle cache included. */
    void writeBackAll() throws IOException {
        for (Extent e : active.values()) {
            writeBack(e);
        }
        for (Long idx : resident) {
            Extent e = cache.peekIdle(this, idx);
            if (e != null) {
                writeBack(e);
            } else {
                // being evicted by another thread right now: wait until its write-back has landed,
                // so fsync never forces the channel before it
                cache.awaitEviction(this, idx);
            }
        }
        // evicted extents whose write-back failed (including one that just failed above)
        for (Extent e : unwritten.values()) {
            writeBack(e);
            unwritten.remove(e.index);
            cache.recycle(e.data);
        }
    }

    /**
     * Throws, once, the error of a write-back on eviction that failed since the last call: the writer
     * was long gone when it happened, so the next flush is the first call that can report it.
     */
    void throwDeferredError() throws IOException {
        IOException err = deferredError;
        if (err != null) {
            deferredError = null;
            throw new IOException(lower.name + ": an earlier write-back failed: " + err.getMessage(), err);
        }
    }

    /** Forgets extents from {@code first} on without writing them back: a truncate cut them off. */
    void discardFrom(long first) {
        for (Long idx : resident.toArray(new Long[0])) {
            if (idx >= first) {
                resident.remove(idx);
                cache.discard(this, idx);
            }
        }
        unwritten.keySet().removeIf(idx -> idx >= first);
    }

    /**
     * Every extent back to the pool (plaintext no longer reachable) and none cached from now on: the
     * file is being closed or cut off. Under the file's write lock.
     */
    void dropAll() {
        dropped = true;
        for (Long idx : resident) {
            cache.discard(this, idx); // waits for an eviction in flight
        }
        resident.clear();
        for (Extent e : active.values()) {
            cache.recycle(e.data);
        }
        active.clear();
        for (Extent e : unwritten.values()) {
            cache.recycle(e.data);
        }
        unwritten.clear();
    }

    /** Encrypts and writes one extent if it is dirty. */
    private void writeBack(Extent e) throws IOException {
        synchronized (e) {
            if (!e.isDirty()) {
                return;
            }
            lower.writeExtent(e.index, e.data);
            e.markClean();
        }
    }

    /**
     * Called by the cache when it evicts an idle extent of this file. Returns whether the extent's buffer
     * may be recycled: false when its write-back failed and it is kept for the next flush.
     *
     * <p>A dirty extent past the file's size is written too: a write publishes its new size only after
     * its loop, and the cache may evict the write's own extents before that.
     */
    boolean writeBackEvicted(Extent e) {
        // The index leaves {@code resident} only after the write: close and truncate call
        // cache.discard for every resident index before they close or cut the channel (and wipe the
        // key), and discard waits for this eviction (the cache runs it atomically with the removal),
        // so an in-flight write-back from another thread lands first instead of being lost.
        try {
            if (dropped) {
                return true;
            }
            writeBack(e);
            return true;
        } catch (IOException | RuntimeException ex) {
            log.warn("{}: write-back of extent {} failed, kept for the next flush: {}", lower.name, e.index, ex.getMessage());
            deferredError = ex instanceof IOException io ? io : new IOException(ex.toString(), ex);
            unwritten.put(e.index, e);
            return false;
        } finally {
            resident.remove(e.index);
        }
    }

    private static final class UncheckedIOException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UncheckedIOException(IOException cause) {
            super(cause);
        }

        @Override
        public synchronized IOException getCause() {
            return (IOException) super.getCause();
        }
    }
}
