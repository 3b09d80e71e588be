package io.ucryptfs.core.fs;

import java.time.Instant;

/**
 * The plaintext view of one entry, as getattr returns it.
 *
 * @param size plaintext size for regular files (from the header), the plaintext target length for
 *     symlinks, the lower size otherwise
 * @param mode permission bits and set-id/sticky bits (07777), without the file type
 * @param inode the lower file's inode number (stable; hard links share it)
 * @param rdev the device number of a device node (0 otherwise)
 */
public record FileAttributes(
        FileType type,
        long size,
        int mode,
        int uid,
        int gid,
        int nlink,
        long inode,
        Instant atime,
        Instant mtime,
        Instant ctime,
        long rdev) {

    public FileAttributes(FileType type, long size, int mode, int uid, int gid, int nlink, long inode,
            Instant atime, Instant mtime, Instant ctime) {
        this(type, size, mode, uid, gid, nlink, inode, atime, mtime, ctime, 0);
    }

    public boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    public boolean isRegularFile() {
        return type == FileType.REGULAR;
    }

    public boolean isSymlink() {
        return type == FileType.SYMLINK;
    }

    /** Number of 512-byte blocks, as stat reports them: the lower file's whole extents. */
    public long blocks() {
        return (size + 511) / 512;
    }
}
