package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FileType;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.SpecialNodes;
import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** mknod(2) through libc (glibc 2.33 and later export {@code mknod} itself). */
public final class LibcSpecialNodes implements SpecialNodes {
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFSOCK = 0140000;

    /** The libc call. */
    public interface Libc {
        int mknod(String path, int mode, long dev);

        /** utimensat(2) with a struct timespec[2] (four longs). */
        int utimensat(int dirfd, String path, long[] times, int flags);
    }

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    @Override
    public void setTimes(Path lower, java.time.Instant atime, java.time.Instant mtime) throws IOException {
        long[] t = {0, UTIME_OMIT, 0, UTIME_OMIT};
        if (atime != null) {
            t[0] = atime.getEpochSecond();
            t[1] = atime.getNano();
        }
        if (mtime != null) {
            t[2] = mtime.getEpochSecond();
            t[3] = mtime.getNano();
        }
        Libc libc = Holder.LIBC;
        if (libc.utimensat(AT_FDCWD, lower.toString(), t, AT_SYMLINK_NOFOLLOW) != 0) {
            int errno = LastError.getLastError(Runtime.getRuntime(libc));
            throw new FsException(errno, lower + ": utimensat: " + Errno.name(errno));
        }
    }

    private static final class Holder {
        static final Libc LIBC = LibraryLoader.create(Libc.class).load("c");
    }

    @Override
    public void mknod(Path lower, FileType type, int mode, long rdev) throws IOException {
        int ifmt = switch (type) {
            case FIFO -> S_IFIFO;
            case SOCKET -> S_IFSOCK;
            case CHAR_DEVICE -> S_IFCHR;
            case BLOCK_DEVICE -> S_IFBLK;
            default -> throw new FsException(Errno.EINVAL, lower + ": mknod of a " + type);
        };
        Libc libc;
        try {
            libc = Holder.LIBC;
        } catch (LinkageError e) {
            throw new FsException(Errno.EPERM, lower + ": no mknod in libc: " + e.getMessage());
        }
        if (libc.mknod(lower.toString(), ifmt | (mode & 07777), rdev) != 0) {
            int errno = LastError.getLastError(Runtime.getRuntime(libc));
            throw new FsException(errno, lower + ": mknod: " + Errno.name(errno));
        }
    }
}
