package io.ucryptfs.core.file;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The plaintext content of one open lower file, shared by every handle on it. Implementations:
 * {@link EncryptedFile} (the data path) and {@link PassthroughFile} (non-eCryptfs lower files, when the
 * mount passes them through). Thread-safe.
 */
public interface FileContent {

    long size();

    /** Whether the lower file is open for writing (a read-only lower file is not). */
    boolean writable();

    /** Reads into {@code dst} from {@code offset}; returns the bytes read, 0 at or past the end. */
    int read(ByteBuffer dst, long offset) throws IOException;

    /** Writes all of {@code src} at {@code offset}; a gap after the end reads as zeros. */
    int write(ByteBuffer src, long offset) throws IOException;

    /** Writes all of {@code src} at the current end, as one step; returns the offset written at. */
    long append(ByteBuffer src) throws IOException;

    void truncate(long newSize) throws IOException;

    /** Writes dirty data and the size to the lower file. */
    void flush() throws IOException;

    /**
     * {@link #flush()}, then sets the lower file's access and modification times through its open
     * descriptor (both given). Returns false, having only flushed, when that is not possible here (JDK
     * internals closed to us, a time before 1970): the caller then sets them by path.
     */
    boolean flushAndSetTimes(java.nio.file.attribute.FileTime atime, java.nio.file.attribute.FileTime mtime) throws IOException;

    /**
     * Whether anything changed the file since it was opened: a write, a truncate, times set. A file
     * only read keeps its lower size and mtime, so what was known about it before still holds.
     */
    boolean modified();

    /** {@link #flush()}, then forces the lower file to disk. */
    void fsync(boolean metadata) throws IOException;

    /** Flushes and closes: after the last handle is released. Wipes key material. */
    void close() throws IOException;

    /**
     * Cuts the file off (the mount was locked with its open files): writes back dirty data and the size
     * first, then wipes the key and drops cached plaintext; from then on every call but {@link #size},
     * {@link #close} and {@link #moved} fails with {@link java.nio.file.AccessDeniedException} (EACCES).
     * If the write-back fails, the file is not cut off (it keeps its key and its unwritten data) and the
     * error is thrown: data is never dropped to honour a lock.
     */
    void revoke() throws IOException;

    /** Whether {@link #revoke} cut the file off. */
    boolean revoked();

    /** The lower file moved (rename): where its header xattr now is; null when a rename replaced it. */
    void moved(java.nio.file.Path newLowerPath);
}
