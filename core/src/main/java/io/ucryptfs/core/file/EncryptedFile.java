package io.ucryptfs.core.file;

import io.ucryptfs.core.format.UnlockedHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open encrypted file: plaintext reads and writes at any offset, in extents through the page cache.
 *
 * <p>The write path: {@link #write} pins the extents it touches in {@link DecryptedExtents} (loading
 * and decrypting a partial one first: read-modify-write), copies the plaintext in and marks them dirty;
 * dirty extents reach the lower file ({@link LowerFile}: encrypt, positional write) when the mount's
 * {@link ExtentCache} evicts them, on {@link #flush}, {@link #fsync} and {@link #close}. Runs of whole
 * extents that nobody holds decrypted skip the cache ({@link StreamingIo}); every 32 MiB of them, the
 * lower file is synced in the background ({@link EarlyWriteback}) so that the disk works while we encrypt.
 * The size field of the header is written after the data, as the kernel does.
 *
 * <p>Locking: one read-write lock per file, none global. Reads share it, so several readers run at
 * once; writes, truncate and flush take it exclusively.
 */
public final class EncryptedFile implements FileContent {
    private static final Logger log = LoggerFactory.getLogger(EncryptedFile.class);

    private final LowerFile lower;
    private final int extentSize;
    private final String name;
    private final boolean writable;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final DecryptedExtents extents;

    private volatile long size;
    private boolean sizeDirty;
    /** When the header's size field was last brought up to date (or the file opened); under the write lock. */
    private long sizeWrittenAt = System.nanoTime();
    /** See {@link #modified}: set by every write, truncate and flushAndSetTimes. */
    private volatile boolean modified;
    private final StreamingIo streaming;
    private final EarlyWriteback earlyWriteback;
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
        this.extentSize = lower.extentSize;
        if (cache.extentSize() != extentSize) {
            throw new IllegalArgumentException("cache extents of " + cache.extentSize() + " bytes, file extents of " + extentSize);
        }
        this.name = name;
        this.writable = writable;
        this.size = lower.headerSize();
        this.streaming = new StreamingIo(lower, cache);
        this.earlyWriteback = new EarlyWriteback(name, () -> lower.force(false));
        this.extents = new DecryptedExtents(lower, cache);
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
        if (size == 0) {
            return; // an empty file needs no extent (and one left by a build that wrote headers up to their pages in use, stopped before the close, is one page long)
        }
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
                if (!extents.holds(idx)) {
                    // extents nobody holds decrypted: straight from the lower file, in one read
                    long runEnd = Math.min(end, (idx + countUncached(idx, end)) * extentSize);
                    streaming.read(idx, dst, pos, runEnd, lower.extentCount(size));
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

    /** How many extents from {@code idx} on, up to the one holding byte {@code end - 1}, are not cached. */
    private int countUncached(long idx, long end) {
        long last = (end - 1) / extentSize;
        int n = 0;
        while (idx + n <= last && n < StreamingIo.MAX_RUN && !extents.holds(idx + n)) {
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
            modified = true;
            if (offset > size) {
                growTo(offset);
            }
            long pos = offset;
            long end = offset + total;
            while (pos < end) {
                long idx = pos / extentSize;
                int within = (int) (pos % extentSize);
                int n = (int) Math.min(extentSize - within, end - pos);
                if (within == 0 && n == extentSize && !extents.holds(idx)) {
                    // whole extents that nobody holds decrypted: encrypt them straight from the caller's
                    // bytes, one lower write, no read-modify-write. A short new last extent goes to the
                    // cache instead: the next write of a program writing in pieces (tar: 10 KiB) goes on
                    // from it, which would otherwise read and decrypt it back
                    long runEnd = pos;
                    int count = 0;
                    while (end - runEnd >= extentSize && count < StreamingIo.MAX_RUN && !extents.holds(runEnd / extentSize)) {
                        runEnd += extentSize;
                        count++;
                    }
                    streaming.write(idx, src, pos, runEnd);
                    earlyWriteback.wrote(runEnd - pos);
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
                keepSizeCurrent();
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
            modified = true;
            if (newSize > size) {
                growTo(newSize);
                writeSize();
                return;
            }
            if (newSize == size) {
                return;
            }
            long keep = lower.extentCount(newSize);
            extents.discardFrom(keep);
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

    @Override
    public boolean modified() {
        return modified;
    }

    @Override
    public boolean flushAndSetTimes(java.nio.file.attribute.FileTime atime, java.nio.file.attribute.FileTime mtime)
            throws IOException {
        lock.writeLock().lock();
        try {
            ensureOpen();
            flushLocked(); // written back later, the data would set the mtime to the time of the write-back
            modified = true;
            return lower.setTimes(atime, mtime);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The data first, then the size that covers it, as the kernel does. */
    private void flushLocked() throws IOException {
        extents.writeBackAll();
        if (sizeDirty) {
            writeSize();
        }
        extents.throwDeferredError();
        earlyWriteback.throwError();
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
        extents.dropAll();
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
        sizeWrittenAt = System.nanoTime();
    }

    /** How often a file that keeps growing gets its size field written without a flush. */
    static final long SIZE_EVERY_NANOS = 1_000_000_000L;

    /**
     * A file that keeps growing without a flush (a log, a download, {@code dd}) has its data and then its
     * size field written at most every {@link #SIZE_EVERY_NANOS}, as the kernel's eCryptfs writes the
     * size at every write that grows a file. Why: the eCryptfs size lives in the header, so a daemon
     * killed before the file's close lost every byte appended since the open, although the lower file
     * held them (measured with the crash probe: 178 KB of appends gone, the files back to 0 bytes);
     * now at most the last second of them. A failure here is left for the next flush to retry and report.
     */
    private void keepSizeCurrent() {
        if (System.nanoTime() - sizeWrittenAt < SIZE_EVERY_NANOS) {
            return;
        }
        try {
            extents.writeBackAll();
            writeSize();
        } catch (IOException e) {
            sizeWrittenAt = System.nanoTime(); // not again at every write: the next flush retries and reports
            log.debug("{}: size not brought up to date before the flush: {}", name, e.toString());
        }
    }

    /** Pins extent {@code idx} through {@link DecryptedExtents#pin}; unpin it when done. */
    private Extent pin(long idx, boolean load) throws IOException {
        return extents.pin(idx, load, size);
    }

    private void unpin(Extent e) {
        extents.unpin(e);
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (revoked) {
            throw cutOff(name);
        }
    }

    @Override
    public String toString() {
        return "EncryptedFile[" + name + ", " + size + " bytes]";
    }
}
