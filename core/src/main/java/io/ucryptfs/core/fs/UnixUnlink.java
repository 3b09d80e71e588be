package io.ucryptfs.core.fs;

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
    private static final Class<?> UNIX_EXCEPTION;
    /** {@code UnixException.translateToIOException(String file, String other)}. */
    private static final MethodHandle TRANSLATE;

    static {
        Class<?> unixPath = null;
        MethodHandle unlink = null;
        Class<?> unixException = null;
        MethodHandle translate = null;
        try {
            unixPath = Class.forName("sun.nio.fs.UnixPath");
            Class<?> dispatcher = Class.forName("sun.nio.fs.UnixNativeDispatcher");
            unlink = MethodHandles.privateLookupIn(dispatcher, MethodHandles.lookup())
                    .findStatic(dispatcher, "unlink", MethodType.methodType(void.class, unixPath))
                    .asType(MethodType.methodType(void.class, Path.class));
            unixException = Class.forName("sun.nio.fs.UnixException");
            translate = MethodHandles.privateLookupIn(unixException, MethodHandles.lookup())
                    .findVirtual(unixException, "translateToIOException",
                            MethodType.methodType(IOException.class, String.class, String.class))
                    .asType(MethodType.methodType(IOException.class, Throwable.class, String.class, String.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not opened to us (IllegalAccessException), or another JDK's internals: Files.delete
            unlink = null;
        }
        UNLINK = unlink;
        UNIX_PATH = unlink == null ? null : unixPath;
        UNIX_EXCEPTION = unixException;
        TRANSLATE = translate;
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
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            if (t.getClass() == UNIX_EXCEPTION) {
                IOException io;
                try {
                    io = (IOException) TRANSLATE.invokeExact(t, p.toString(), (String) null);
                } catch (Throwable other) {
                    io = new IOException(p + ": unlink failed", t);
                }
                throw io;
            }
            throw new IOException(p + ": unlink failed", t);
        }
    }
}
