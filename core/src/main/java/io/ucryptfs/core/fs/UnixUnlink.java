package io.ucryptfs.core.fs;

import io.ucryptfs.core.util.UnixExceptions;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * unlink(2) of a lower file through the JDK's own {@code sun.nio.fs.UnixNativeDispatcher}.
 *
 * <p>Why: {@link Files#delete} first lstats the path to choose between unlink and rmdir; the caller
 * has just read the file's attributes (it needs its inode), so that was a second walk of a long
 * encrypted path for every file an {@code rm -r} removes. Without {@code --add-opens
 * java.base/sun.nio.fs=ALL-UNNAMED} (which the daemon, the launchers and the tests have), or for a path
 * of another filesystem (jimfs in tests), it is {@link Files#delete}.
 */
final class UnixUnlink {
    private static final Class<?> UNIX_PATH;
    /** {@code UnixNativeDispatcher.unlink(UnixPath)}, as (Path) → void. */
    private static final MethodHandle UNLINK;

    static {
        Class<?> unixPath = null;
        MethodHandle unlink = null;
        try {
            unixPath = Class.forName("sun.nio.fs.UnixPath");
            Class<?> dispatcher = Class.forName("sun.nio.fs.UnixNativeDispatcher");
            unlink = MethodHandles.privateLookupIn(dispatcher, MethodHandles.lookup())
                    .findStatic(dispatcher, "unlink", MethodType.methodType(void.class, unixPath))
                    .asType(MethodType.methodType(void.class, Path.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not opened to us (IllegalAccessException), or another JDK's internals: Files.delete
            unlink = null;
        }
        UNLINK = unlink;
        UNIX_PATH = unlink == null ? null : unixPath;
    }

    private UnixUnlink() {}

    /** Removes the non-directory {@code p}; the errors are {@link Files#delete}'s. */
    static void unlink(Path p) throws IOException {
        if (UNLINK == null || p.getClass() != UNIX_PATH) {
            Files.delete(p);
            return;
        }
        try {
            UNLINK.invokeExact(p);
        } catch (Throwable t) {
            throw UnixExceptions.toIOException(t, p.toString(), "unlink");
        }
    }
}
