package io.ucryptfs.core.file;

import io.ucryptfs.core.format.UnlockedHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open encrypted file: plaintext reads and writes at any offset, in extents through the page cache.
 *
 * <p>The write path: {@link #write} pins the extents it touches (loading and decrypting a partial one
 * first: read-modify-write), copies the plaintext in and marks them dirty; dirty extents reach the lower
 * file ({@link #writeBack}, then {@link LowerFile}: encrypt, positional write) when the cache evicts
 * them, on {@link #flush}, {@link #fsync} and {@link #close}. The size field of the header is written
 * after the data, as the kernel does.
 *
 * <p>Locking: one read-write lock per file, none global. Reads share it, so several readers run at
 * once; writes, truncate and flush take it exclusively. Pinning is atomic per extent through the active
 * map, so two readers that miss on the same extent decrypt it once.
 */
public final class EncryptedFile implements FileContent {
    private static final Logger log = LoggerFactory.getLogger(EncryptedFile.class);

    private final LowerFile lower;
    private final ExtentCache cache;
    private final int extentSize;
    private final String name;
    private final boolean writable;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Extents in use, never evicted. */
    private final ConcurrentHashMap<Long, Extent> active = new ConcurrentHashMap<>();
    /** Indices of this file's extents in the idle cache, so flush and close need not scan it. */
    private final Set<Long> resident = ConcurrentHashMap.newKeySet();
    /** Evicted dirty extents whose write-back failed: kept until a flush succeeds, so nothing is lost. */
    private final Map<Long, Extent> unwritten = new ConcurrentHashMap<>();
    private volatile IOException deferredError;

    private volatile long size;
    private boolean sizeDirty;
    private final StreamingIo streaming;
    private boolean closed;
    /** Cut off by a lock of open files: key wiped, cache dropped, every call but close fails with EACCES. */
    private volatile boolean revoked;

    /**
     * @param name the plaintext name, for messages
     * @param lowerPath the lower file (for a header kept in an xattr)
     */
    public EncryptedFile(FileChannel channel, UnlockedHeader header, ExtentCache cache, Path lowerPath, String name,
            boolean writable) {
        this.lower = new LowerFile(channel, header, lowerPath, name);
        this.cache = cache;
        this.extentSize = lower.extentSize;
        if (cache.extentSize() != extentSize) {
            throw new IllegalArgumentException("cache extents of " + cache.extentSize() + " bytes, file extents of " + extentSize);
        }
        this.name = name;
        this.writable = writable;
        this.size = lower.headerSize();
        this.streaming = new StreamingIo(lower, cache);
    }

    @Override
    public boolean writable() {
        return writable;
    }

    private void ensureWritable() throws IOException {
        if (!writable) {
            throw new java.nio.file.AccessDeniedException(name, null, "the lower file is read-only");
        }
    }

    /** Checks that the lower file holds every extent its header promises; a clear error if not. */
    public void checkComplete() throws IOException {
        long need = lower.sizeFor(size);
        long have = lower.length();
        if (have < need) {
            throw new TruncatedFileException(name + ": lower file is " + have + " bytes but its header says "
                    + size + " plaintext bytes, which need " + need);
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws IOException {
        lock.readLock().lock();
        try {
            ensureOpen();
            long end = Math.min(size, offset + dst.remaining());
            int done = 0;
            long pos = offset;
            while (pos < end) {
                long idx = pos / extentSize;
                if (!cached(idx)) {
                    // extents nobody holds decrypted: straight from the lower file, in one read
                    long runEnd = Math.min(end, (idx + countUncached(idx, end)) * extentSize);
                    streaming.read(idx, dst, pos, runEnd);
                    done += (int) (runEnd - pos);
                    pos = runEnd;
                    continue;
                }
                int within = (int) (pos % extentSize);
                int n = (int) Math.min(extentSize - within, end - pos);
                Extent e = pin(idx, true);
                try {
                    dst.put(e.data, within, n);
                } finally {
                    unpin(e);
                }
                pos += n;
                done += n;
            }
            return done;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Whether extent {@code idx} has a decrypted copy here (in use, idle in the cache, being evicted,
     * or kept after a failed write-back): then it must be read and written through that copy.
     */
    private boolean cached(long idx) {
        return resident.contains(idx) || active.containsKey(idx) || unwritten.containsKey(idx);
    }

    /** How many extents from {@code idx} on, up to the one holding byte {@code end - 1}, are not cached. */
    private int countUncached(long idx, long end) {
        long last = (end - 1) / extentSize;
        int n = 0;
        while (idx + n <= last && n < StreamingIo.MAX_RUN && !cached(idx + n)) {
            n++;
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws IOException {
        lock.writeLock().lock();
        try {
            ensureOpen();
            ensureWritable();
            int total = src.remaining();
            if (total == 0) {
                return 0;
            }
            if (offset > size) {
                growTo(offset);
            }
            long pos = offset;
            long end = offset + total;
            while (pos < end) {
                long idx = pos / extentSize;
                int within = (int) (pos % extentSize);
                int n = (int) Math.min(extentSize - within, end - pos);
                if (within == 0 && (n == extentSize || pos + n >= size) && !cached(idx)) {
                    // whole extents (or the new last one) that nobody holds decrypted: encrypt them
                    // straight from the caller's bytes, one lower write, no read-modify-write
                    long runEnd = pos;
                    int count = 0;
                    while (runEnd < end && count < StreamingIo.MAX_RUN) {
                        long rn = Math.min(extentSize, end - runEnd);
                        if (!(rn == extentSize || runEnd + rn >= size) || cached(runEnd / extentSize)) {
                            break;
                        }
                        runEnd += rn;
                        count++;
                    }
                    streaming.write(idx, src, pos, runEnd);
                    pos = runEnd;
                    continue;
                }
                // no need to decrypt what is about to be overwritten whole, or what lies past the end
                boolean whole = within == 0 && (n == extentSize || pos + n >= size);
                boolean beyondEnd = idx * extentSize >= size;
                Extent e = pin(idx, !(whole || beyondEnd));
                try {
                    src.get(e.data, within, n);
                    e.markDirty();
                } finally {
                    unpin(e);
                }
                pos += n;
            }
            if (end > size) {
                size = end;
                sizeDirty = true;
            }
            return total;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long append(ByteBuffer src) throws IOException {
        lock.writeLock().lock();
        try {
            long at = size;
            write(src, at); // reentrant: the write lock is held throughout
            return at;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Grows the file to {@code newSize} with zeros, as the kernel does: every extent up to the new end is
     * written, so the lower file never has holes.
     */
    private void growTo(long newSize) throws IOException {
        long oldSize = size;
        lower.checkRoom(oldSize, newSize);
        if (oldSize % extentSize != 0) {
            // the last partial extent: its tail must be zero on disk too
            Extent e = pin(oldSize / extentSize, true);
            try {
                e.markDirty();
            } finally {
                unpin(e);
            }
        }
        lower.writeZeroExtents(lower.extentCount(oldSize), lower.extentCount(newSize));
        size = newSize;
        sizeDirty = true;
    }

    @Override
    public void truncate(long newSize) throws IOException {
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size");
        }
        lock.writeLock().lock();
        try {
            ensureOpen();
            ensureWritable();
            if (newSize > size) {
                growTo(newSize);
                writeSize();
                return;
            }
            if (newSize == size) {
                return;
            }
            long keep = lower.extentCount(newSize);
            for (Long idx : resident.toArray(new Long[0])) {
                if (idx >= keep) {
                    resident.remove(idx);
                    cache.discard(this, idx);
                }
            }
            unwritten.keySet().removeIf(idx -> idx >= keep);
            if (newSize % extentSize != 0) {
                // zero the tail of the new last extent, in memory and (at the next flush) on disk
                Extent e = pin(newSize / extentSize, true);
                try {
                    java.util.Arrays.fill(e.data, (int) (newSize % extentSize), extentSize, (byte) 0);
                    e.markDirty();
                } finally {
                    unpin(e);
                }
            }
            size = newSize;
            lower.truncate(newSize);
            sizeDirty = true;
            flushLocked();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        lock.writeLock().lock();
        try {
            ensureOpen();
            flushLocked();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void flushLocked() throws IOException {
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
        if (sizeDirty) {
            writeSize();
        }
        IOException err = deferredError;
        if (err != null) {
            deferredError = null;
            throw new IOException(name + ": an earlier write-back failed: " + err.getMessage(), err);
        }
    }

    @Override
    public void fsync(boolean metadata) throws IOException {
        lock.writeLock().lock();
        try {
            ensureOpen();
            flushLocked();
            lower.force(metadata);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            try {
                if (!revoked) {
                    flushLocked(); // a revoked file was written back when it was cut off
                }
            } finally {
                closed = true;
                // if the flush failed, what it could not write is lost with the error it threw
                dropExtentsAndKey();
                lower.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Every cached extent back to the pool (plaintext no longer reachable), then the FEK wiped. Under the write lock. */
    private void dropExtentsAndKey() {
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
        try {
            lower.destroyKey();
        } catch (javax.security.auth.DestroyFailedException e) {
            log.debug("{}: file key not wiped: {}", name, e.getMessage());
        }
    }

    @Override
    public void revoke() throws IOException {
        lock.writeLock().lock();
        try {
            if (closed || revoked) {
                return;
            }
            // dirty data first: if it cannot be written, the file keeps its key (the caller reports it)
            flushLocked();
            lower.force(false);
            revoked = true;
            dropExtentsAndKey();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public boolean revoked() {
        return revoked;
    }

    /** The error of a call on a file cut off by a lock: EACCES. */
    static java.nio.file.AccessDeniedException cutOff(String name) {
        return new java.nio.file.AccessDeniedException(name, null, "the mount was locked with its open files (ucryptfs unlock, then open again)");
    }

    @Override
    public void moved(Path newLowerPath) {
        lower.moved(newLowerPath);
    }

    private void writeSize() throws IOException {
        lower.writeSize(size);
        sizeDirty = false;
    }

    // ---- the page cache protocol ----

    /**
     * Pins extent {@code idx}: from the active map, the idle cache, or the lower file (decrypted), or a
     * zero extent when {@code load} is false (the caller overwrites it or it lies past the end).
     */
    private Extent pin(long idx, boolean load) throws IOException {
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

    private void unpin(Extent extent) {
        active.compute(extent.index, (k, e) -> {
            if (--e.pins > 0) {
                return e;
            }
            if (closed || revoked) {
                cache.recycle(e.data);
            } else {
                resident.add(e.index);
                cache.putIdle(this, e);
            }
            return null;
        });
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
     * <p>A dirty extent past {@link #size} is written too: a write publishes its new size only after
     * its loop, and the cache may evict the write's own extents before that.
     */
    boolean writeBackEvicted(Extent e) {
        // The index leaves {@code resident} only after the write: close and truncate call
        // cache.discard for every resident index before they close or cut the channel (and wipe the
        // key), and discard waits for this eviction (the cache runs it atomically with the removal),
        // so an in-flight write-back from another thread lands first instead of being lost.
        try {
            if (closed || revoked) {
                return true;
            }
            writeBack(e);
            return true;
        } catch (IOException | RuntimeException ex) {
            log.warn("{}: write-back of extent {} failed, kept for the next flush: {}", name, e.index, ex.getMessage());
            deferredError = ex instanceof IOException io ? io : new IOException(ex.toString(), ex);
            unwritten.put(e.index, e);
            return false;
        } finally {
            resident.remove(e.index);
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (revoked) {
            throw cutOff(name);
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

    @Override
    public String toString() {
        return "EncryptedFile[" + name + ", " + size + " bytes]";
    }
}
