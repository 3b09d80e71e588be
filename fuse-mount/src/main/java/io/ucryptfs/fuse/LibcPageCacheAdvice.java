package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.PageCacheAdvice;
import java.nio.file.Path;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * {@link PageCacheAdvice} through libc: {@code open}, {@code posix_fadvise(POSIX_FADV_WILLNEED)},
 * {@code close}. The kernel queues the reads and returns; they are counted as the calling thread's disk
 * reads ({@link ThreadDiskReads}), which is how {@link FileReadAhead} sees that they were needed. The
 * JDK has no fadvise, and a Java read of the first byte would wait for the disk on the calling thread.
 * Neither the open nor the advice changes the lower file's access time.
 */
public final class LibcPageCacheAdvice implements PageCacheAdvice {
    /** O_RDONLY | O_NONBLOCK | O_CLOEXEC, the same on x86-64 and arm64 (asm-generic). */
    private static final int FLAGS = 0 | 04000 | 02000000;
    private static final int POSIX_FADV_WILLNEED = 3;

    /** The libc calls. */
    public interface Libc {
        int open(String path, int flags);

        int posix_fadvise(int fd, long offset, long length, int advice);

        int close(int fd);
    }

    private final Libc libc;

    LibcPageCacheAdvice(Libc libc) {
        this.libc = libc;
    }

    /** Advice through libc, or {@link PageCacheAdvice#NONE} where there is none (not Linux, no libc). */
    public static PageCacheAdvice create() {
        if (!System.getProperty("os.name", "").equals("Linux")) {
            return NONE;
        }
        try {
            return new LibcPageCacheAdvice(LibraryLoader.create(Libc.class).load("c"));
        } catch (LinkageError | RuntimeException e) {
            return NONE;
        }
    }

    @Override
    public void willNeed(Path lowerFile, long length) throws FsException {
        int fd = libc.open(lowerFile.toString(), FLAGS);
        if (fd < 0) {
            int errno = LastError.getLastError(Runtime.getRuntime(libc));
            throw new FsException(errno, "open: " + Errno.name(errno)); // no path: the caller has it
        }
        try {
            libc.posix_fadvise(fd, 0, length, POSIX_FADV_WILLNEED); // a hint: its error changes nothing
        } finally {
            libc.close(fd);
        }
    }
}
