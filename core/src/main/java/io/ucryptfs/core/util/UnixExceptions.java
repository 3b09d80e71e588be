package io.ucryptfs.core.util;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The JDK's internal {@code sun.nio.fs.UnixException} (what its system calls throw) turned into the
 * {@link IOException} its public file API would throw for it ({@code NoSuchFileException},
 * {@code AccessDeniedException}, a {@code FileSystemException} with the system's reason...), for the
 * classes that call those system calls directly through method handles (core's {@code UnixUnlink},
 * {@code DescriptorTimes}). Needs {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED}; without it,
 * a plain IOException.
 */
public final class UnixExceptions {
    private static final Class<?> UNIX_EXCEPTION;
    /** {@code UnixException.translateToIOException(String file, String other)}. */
    private static final MethodHandle TRANSLATE;

    static {
        Class<?> unixException = null;
        MethodHandle translate = null;
        try {
            unixException = Class.forName("sun.nio.fs.UnixException");
            translate = MethodHandles.privateLookupIn(unixException, MethodHandles.lookup())
                    .findVirtual(unixException, "translateToIOException",
                            MethodType.methodType(IOException.class, String.class, String.class))
                    .asType(MethodType.methodType(IOException.class, Throwable.class, String.class, String.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            translate = null; // not opened to us: plain IOExceptions
        }
        UNIX_EXCEPTION = unixException;
        TRANSLATE = translate;
    }

    private UnixExceptions() {}

    /**
     * {@code t}, thrown by a method handle on a JDK system call about {@code file}, as an IOException;
     * runtime exceptions and errors are rethrown as they are.
     *
     * @param what the call, for the message when {@code t} is not the JDK's UnixException
     */
    public static IOException toIOException(Throwable t, String file, String what) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (TRANSLATE != null && t.getClass() == UNIX_EXCEPTION) {
            try {
                return (IOException) TRANSLATE.invokeExact(t, file, (String) null);
            } catch (Throwable other) {
                // fall through
            }
        }
        return new IOException(file + ": " + what + " failed", t);
    }
}
