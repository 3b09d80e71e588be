package io.ucryptfs.core.file;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

/**
 * The mount's page cache of decrypted extents, bounded in bytes across all open files.
 *
 * <p>Only idle extents live here: an extent being read or written is pinned in its file's active map
 * ({@link DecryptedExtents}) and cannot be evicted. When Caffeine evicts an idle dirty extent, the eviction
 * listener writes it back to its file before the entry is gone (Caffeine runs it atomically with the
 * removal, so a concurrent lookup of the same extent waits and then reads the written bytes).
 * Idea from Cryptomator's {@code ChunkCache}.
 */
public final class ExtentCache {

    /** Default bound: 64 MiB of plaintext extents. */
    public static final long DEFAULT_BYTES = 64L << 20;

    record Key(DecryptedExtents file, long index) {}

    private final Cache<Key, Extent> idle;
    private final BufferPool buffers;
    private final int extentSize;

    public ExtentCache(long maxBytes, int extentSize) {
        if (maxBytes < extentSize) {
            throw new IllegalArgumentException("cache of " + maxBytes + " bytes cannot hold one extent");
        }
        this.extentSize = extentSize;
        this.buffers = new BufferPool(extentSize, 256);
        this.idle = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .<Key, Extent>weigher((k, v) -> extentSize)
                .executor(Runnable::run)
                .evictionListener(this::onEvict)
                .build();
    }

    public int extentSize() {
        return extentSize;
    }

    private void onEvict(Key key, Extent extent, RemovalCause cause) {
        if (key == null || extent == null) {
            return;
        }
        if (key.file().writeBackEvicted(extent)) {
            buffers.give(extent.data);
        }
    }

    /** Takes an idle extent out of the cache (to pin it), or null. */
    Extent takeIdle(DecryptedExtents file, long index) {
        return idle.asMap().remove(new Key(file, index));
    }

    /** Looks at an idle extent without taking it (for flush). */
    Extent peekIdle(DecryptedExtents file, long index) {
        return idle.getIfPresent(new Key(file, index));
    }

    /**
     * Returns once no eviction of this extent is in progress: Caffeine runs the eviction listener
     * inside the entry's atomic removal, so taking the same entry's lock waits for it.
     */
    void awaitEviction(DecryptedExtents file, long index) {
        idle.asMap().computeIfPresent(new Key(file, index), (k, v) -> v);
    }

    /** Puts a no longer pinned extent back, where it may be evicted. */
    void putIdle(DecryptedExtents file, Extent extent) {
        idle.put(new Key(file, extent.index), extent);
    }

    /** Drops an idle extent without writing it back (truncate, close after flush); recycles its buffer. */
    void discard(DecryptedExtents file, long index) {
        Extent e = idle.asMap().remove(new Key(file, index));
        if (e != null) {
            buffers.give(e.data);
        }
    }

    /** A zeroed extent buffer. */
    byte[] newBuffer() {
        return buffers.takeZeroed();
    }

    /** An extent buffer to be overwritten whole (a decrypted extent, a ciphertext). */
    byte[] scratchBuffer() {
        return buffers.take();
    }

    void recycle(byte[] buffer) {
        buffers.give(buffer);
    }

    /** Idle extents held now (for tests and statistics). */
    public long idleExtents() {
        idle.cleanUp();
        return idle.estimatedSize();
    }
}
