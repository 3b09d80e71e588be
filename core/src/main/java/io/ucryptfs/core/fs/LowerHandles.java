package io.ucryptfs.core.fs;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens lower directories as handles a short path can start from, so that a lower path longer than the
 * kernel accepts (PATH_MAX, 4,096 bytes) can still be reached: {@link LowerPaths#reach} opens an
 * ancestor directory of the far end of such a path and goes on from the handle's path (on Linux
 * {@code /proc/self/fd/N}, which the kernel resolves to the open directory) with the rest. The FUSE
 * module supplies one through libc ({@code O_PATH} descriptors); without one, a path that is too long
 * fails with ENAMETOOLONG, as it always did.
 */
public interface LowerHandles {
    /**
     * Opens the directory {@code path} (short enough for the kernel), following a symbolic link as a path
     * walk does.
     *
     * @throws IOException ({@link FsException} with the errno) when it cannot be opened; ENOTDIR when it is
     *     not a directory
     */
    Handle open(Path path) throws IOException;

    /**
     * One open directory. Its path stays valid, and keeps naming the same directory across renames, until
     * {@link #close}; after that the descriptor number may name another file, so nothing may use the path
     * or any path built on it any more.
     */
    interface Handle extends AutoCloseable {
        /** A short path that names the open directory, e.g. {@code /proc/self/fd/17}. */
        Path path();

        /** Closes the handle; a second call does nothing. */
        @Override
        void close();
    }
}
