package io.ucryptfs.core.file;

import io.ucryptfs.core.util.UnixExceptions;
import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.FileChannel;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;

/**
 * Sets the access and modification times of an open lower file through the descriptor of its
 * {@link FileChannel} (futimens), with the JDK's own internals read through method handles.
 *
 * <p>Why: tar, cp -a and rsync set the times of every file they write while it is still open, and the
 * JDK can set times only by path: an lstat, an open, an fstat, the futimens and a close, two walks of a
 * long encrypted lower path among them. Through the open file's own descriptor it is the futimens
 * alone, and it reaches the file after a rename too. Measured: utime of a file being written took 53 µs
 * against gocryptfs's 32 µs before this.
 *
 * <p>It needs {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (the descriptor of a FileChannel)
 * beside the {@code sun.nio.fs} one {@code UnixStat} needs; the daemon, the launcher and the tests run
 * with both. Without them, or on another JDK layout, {@link #available} is false and callers set times
 * by path as before.
 */
final class DescriptorTimes {
    /** {@code FileChannelImpl.fd}, as (FileChannel) → FileDescriptor; null when not open to us. */
    private static final MethodHandle CHANNEL_FD;
    private static final Class<?> CHANNEL_CLASS;
    /** {@code IOUtil.fdVal(FileDescriptor)} → int. */
    private static final MethodHandle FD_VAL;
    /** {@code UnixNativeDispatcher.futimens(int, long ns, long ns)}. */
    private static final MethodHandle FUTIMENS;

    static {
        MethodHandle channelFd = null;
        Class<?> channelClass = null;
        MethodHandle fdVal = null;
        MethodHandle futimens = null;
        try {
            channelClass = Class.forName("sun.nio.ch.FileChannelImpl");
            channelFd = MethodHandles.privateLookupIn(channelClass, MethodHandles.lookup())
                    .findGetter(channelClass, "fd", FileDescriptor.class)
                    .asType(MethodType.methodType(FileDescriptor.class, FileChannel.class));
            Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil");
            fdVal = MethodHandles.privateLookupIn(ioUtil, MethodHandles.lookup())
                    .findStatic(ioUtil, "fdVal", MethodType.methodType(int.class, FileDescriptor.class));
            Class<?> dispatcher = Class.forName("sun.nio.fs.UnixNativeDispatcher");
            futimens = MethodHandles.privateLookupIn(dispatcher, MethodHandles.lookup())
                    .findStatic(dispatcher, "futimens", MethodType.methodType(void.class, int.class, long.class, long.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not opened to us (IllegalAccessException), or another JDK's internals: by path, as before
            channelFd = null;
        }
        CHANNEL_FD = channelFd;
        CHANNEL_CLASS = channelFd == null ? null : channelClass;
        FD_VAL = fdVal;
        FUTIMENS = futimens;
    }

    private DescriptorTimes() {}

    /** Whether {@link #set} can reach {@code channel}'s descriptor: a JDK file channel, internals open to us. */
    static boolean available(FileChannel channel) {
        return CHANNEL_FD != null && channel.getClass() == CHANNEL_CLASS;
    }

    /**
     * futimens(2) on {@code channel}'s descriptor, both times given (the JDK's call has no UTIME_OMIT).
     * Only for a channel {@link #available} accepts. Returns false, having done nothing, for a time
     * before 1970: the JDK's call cannot pass one (its path-based setTimes handles them its own way).
     *
     * @param name the file's name, for the message of an error
     */
    static boolean set(FileChannel channel, FileTime atime, FileTime mtime, String name) throws IOException {
        long a = atime.to(TimeUnit.NANOSECONDS);
        long m = mtime.to(TimeUnit.NANOSECONDS);
        if (a < 0 || m < 0) {
            return false;
        }
        try {
            int fd = (int) FD_VAL.invokeExact((FileDescriptor) CHANNEL_FD.invokeExact(channel));
            FUTIMENS.invokeExact(fd, a, m);
            return true;
        } catch (Throwable t) {
            throw UnixExceptions.toIOException(t, name, "setting its times");
        }
    }
}
