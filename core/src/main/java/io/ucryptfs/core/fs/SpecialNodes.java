package io.ucryptfs.core.fs;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Makes FIFOs, sockets and device nodes in the lower directory (mknod(2), which the JDK lacks).
 * eCryptfs keeps such nodes as they are in the lower directory, only their names encrypted
 * ({@code ecryptfs_mknod} calls {@code vfs_mknod} on the lower directory); so does ucryptfs. The FUSE
 * module supplies one through libc; without one, mknod fails with EPERM.
 */
@FunctionalInterface
public interface SpecialNodes {
    /**
     * @param type FIFO, SOCKET, CHAR_DEVICE or BLOCK_DEVICE
     * @param mode permission bits (the caller sets the final mode afterwards)
     * @param rdev the device number for device nodes
     * @throws FsException with the errno of the failed call
     */
    void mknod(Path lower, FileType type, int mode, long rdev) throws IOException;

    /**
     * Sets the times of a special file without opening it (the JDK opens the file to set its times, and
     * opening a FIFO blocks until it has a writer); null leaves a time unchanged.
     */
    default void setTimes(Path lower, java.time.Instant atime, java.time.Instant mtime) throws IOException {
        throw new FsException(Errno.EOPNOTSUPP, lower + ": cannot set the times of a special file here");
    }
}
