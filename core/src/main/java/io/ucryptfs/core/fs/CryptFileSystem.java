package io.ucryptfs.core.fs;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * The plaintext tree over one lower directory: the operations a FUSE adapter forwards, one method
 * each. Paths are plaintext, absolute from the mount root, '/'-separated ("/", "/a/b.txt").
 * Every failure is an {@link FsException} carrying the errno to return. Thread-safe.
 *
 * <p>Open files are addressed by handles ({@code long}, as FUSE's {@code fh}); several handles on one
 * file share one state, so a write through one is seen by a read through another at once.
 */
public interface CryptFileSystem extends AutoCloseable {

    FileAttributes getattr(String path) throws FsException;

    /** Attributes through an open handle (fgetattr): works after the file was unlinked or renamed. */
    FileAttributes fgetattr(long handle) throws FsException;

    /**
     * access(2) with the daemon's own credentials: whether it may read ({@code 4}), write ({@code 2})
     * or search/execute ({@code 1}) the node, or ({@code 0}) whether it exists; EACCES or ENOENT if not.
     * What a mount without {@code allow_other} answers: there the kernel leaves permission checks to
     * the filesystem, and the daemon's user is the only one who can reach the mount.
     */
    void access(String path, int mask) throws FsException;

    /** The plaintext names in a directory, without "." and "..". Undecryptable lower names are skipped. */
    List<String> readdir(String path) throws FsException;

    /**
     * A hint that directory {@code path} is likely to be listed soon: its lower entries and their
     * inodes are read (the first thousand or so), so that the lower filesystem has them cached, and
     * nothing is decrypted or returned. Failures are
     * ignored (the directory went, the mount is locked): the listing itself will say.
     */
    void readAhead(String path);

    /**
     * A hint that regular file {@code path} is likely to be opened and read soon: the lower filesystem
     * is asked to start reading its first bytes (header and first extents) into its page cache, and
     * this returns without waiting for them. Nothing is decrypted. Failures are ignored (the file went,
     * the mount is locked, it is not a regular file); without {@link MountOptions#pageCacheAdvice} it
     * does nothing.
     */
    void prefetch(String path);

    /** Creates a new empty regular file (fails with EEXIST) and opens it read-write. */
    default long create(String path, int mode) throws FsException {
        return create(path, mode, Owner.DAEMON);
    }

    /** {@link #create(String, int)}, the new file owned by {@code owner}. */
    long create(String path, int mode, Owner owner) throws FsException;

    /** A file just made by {@link #createAndGetattr}: its handle and its attributes. */
    record NewFile(long handle, FileAttributes attributes) {}

    /**
     * {@link #create(String, int, Owner)}, and the new file's attributes as {@link #fgetattr} would give
     * them right after: what a FUSE CREATE answers. Implementations may know them without asking the
     * lower filesystem again.
     */
    default NewFile createAndGetattr(String path, int mode, Owner owner) throws FsException {
        long h = create(path, mode, owner);
        try {
            return new NewFile(h, fgetattr(h));
        } catch (FsException | RuntimeException e) {
            release(h);
            throw e;
        }
    }

    long open(String path, OpenMode mode) throws FsException;

    /** Reads up to {@code dst.remaining()} bytes at {@code offset}; returns the count, 0 at or past EOF. */
    int read(long handle, ByteBuffer dst, long offset) throws FsException;

    /** Writes all of {@code src} at {@code offset}, growing the file (with zeros in any gap); returns the count. */
    int write(long handle, ByteBuffer src, long offset) throws FsException;

    /**
     * Writes all of {@code src} at the end of the file, atomically with respect to other appends and
     * writes (O_APPEND); returns the offset it was written at.
     */
    long append(long handle, ByteBuffer src) throws FsException;

    void truncate(String path, long size) throws FsException;

    void ftruncate(long handle, long size) throws FsException;

    /** Writes dirty extents and the size back to the lower file (close(2) of one descriptor). */
    void flush(long handle) throws FsException;

    /** flush, then forces the lower file to stable storage. */
    void fsync(long handle, boolean dataOnly) throws FsException;

    /** The last close of a handle: flushes and frees it. */
    void release(long handle) throws FsException;

    void unlink(String path) throws FsException;

    default void mkdir(String path, int mode) throws FsException {
        mkdir(path, mode, Owner.DAEMON);
    }

    /** mkdir(2); under a set-group-ID directory the new one is set-group-ID too. */
    void mkdir(String path, int mode, Owner owner) throws FsException;

    void rmdir(String path) throws FsException;

    /** rename(2): replaces an existing target (a file, or an empty directory by a directory). */
    void rename(String from, String to) throws FsException;

    /** Creates {@code linkPath} pointing at {@code target} (plaintext, stored encrypted when names are). */
    default void symlink(String target, String linkPath) throws FsException {
        symlink(target, linkPath, Owner.DAEMON);
    }

    void symlink(String target, String linkPath, Owner owner) throws FsException;

    String readlink(String path) throws FsException;

    /**
     * mknod(2) for a FIFO, socket or device node ({@code type}), owned by {@code owner}: a plain node in
     * the lower directory under the encrypted name, as eCryptfs makes it. A REGULAR type creates an
     * empty file.
     */
    void mknod(String path, FileType type, int mode, long rdev, Owner owner) throws FsException;

    /** A hard link: both names share one lower file, so one header and one key. */
    void link(String existing, String newPath) throws FsException;

    void chmod(String path, int mode) throws FsException;

    /** -1 leaves uid or gid unchanged. */
    void chown(String path, int uid, int gid) throws FsException;

    /** null leaves a time unchanged. */
    void utimens(String path, Instant atime, Instant mtime) throws FsException;

    FsStats statfs() throws FsException;

    /** User extended attributes ("user." names) pass through; the header xattr "user.ecryptfs" is hidden. */
    byte[] getxattr(String path, String name) throws FsException;

    default void setxattr(String path, String name, byte[] value) throws FsException {
        setxattr(path, name, value, 0);
    }

    /** setxattr(2)'s XATTR_CREATE: fail with EEXIST if the attribute exists. */
    int XATTR_CREATE = 1;
    /** setxattr(2)'s XATTR_REPLACE: fail with ENODATA if it does not. */
    int XATTR_REPLACE = 2;

    /** setxattr with setxattr(2)'s flags ({@link #XATTR_CREATE}, {@link #XATTR_REPLACE}, or 0). */
    void setxattr(String path, String name, byte[] value, int flags) throws FsException;

    List<String> listxattr(String path) throws FsException;

    void removexattr(String path, String name) throws FsException;

    /** Flushes every open file; open handles become invalid. */
    @Override
    void close() throws FsException;
}
