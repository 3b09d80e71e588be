package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.LowerHandles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * Lower directory handles on Linux: {@code open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)} through libc,
 * reached as {@code /proc/self/fd/N}, which the kernel resolves to the open directory (wherever it has
 * been renamed to) and from which a path walk goes on with the rest of the path.
 */
public final class ProcFdLowerHandles implements LowerHandles {
    /** O_PATH: the same value on x86-64, arm64 and the other architectures we build for (asm-generic). */
    private static final int O_PATH = 010000000;
    /** Linux's O_DIRECTORY: 0200000 on x86-64, 040000 on arm64 (asm-generic vs. arm64's own fcntl.h). */
    private static final int O_DIRECTORY = "aarch64".equals(System.getProperty("os.arch")) ? 040000 : 0200000;
    private static final int O_CLOEXEC = 02000000;
    private static final int FLAGS = O_PATH | O_DIRECTORY | O_CLOEXEC;
    private static final Path FD_DIR = Path.of("/proc/self/fd");

    /** The libc calls. */
    public interface Libc {
        int open(String path, int flags);

        int close(int fd);
    }

    private final Libc libc;

    private ProcFdLowerHandles(Libc libc) {
        this.libc = libc;
    }

    /** Handles through libc and /proc, or null where there are none (not Linux, no /proc, no libc). */
    public static LowerHandles create() {
        if (!System.getProperty("os.name", "").equals("Linux") || !Files.isDirectory(FD_DIR)) {
            return null;
        }
        try {
            return new ProcFdLowerHandles(LibraryLoader.create(Libc.class).load("c"));
        } catch (LinkageError | RuntimeException e) {
            return null;
        }
    }

    @Override
    public Handle open(Path path) throws IOException {
        int fd = libc.open(path.toString(), FLAGS);
        if (fd < 0) {
            int errno = LastError.getLastError(Runtime.getRuntime(libc));
            throw new FsException(errno, path + ": open: " + Errno.name(errno));
        }
        return new Fd(fd);
    }

    private final class Fd implements Handle {
        private final int fd;
        private final Path path;
        private final AtomicBoolean closed = new AtomicBoolean();

        Fd(int fd) {
            this.fd = fd;
            this.path = FD_DIR.resolve(Integer.toString(fd));
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                libc.close(fd);
            }
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }
}
