package io.ucryptfs.fuse;

import java.nio.ByteBuffer;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;
import jnr.ffi.annotations.SaveError;

/**
 * The open {@code /dev/fuse} of one mount: requests are read from it and replies written to it, one
 * system call each (the kernel takes a reply whole or not at all). Reads block until a request comes.
 * An interface so that tests can stand in for the kernel.
 */
interface FuseDevice {
    int EINTR = 4;
    int EAGAIN = 11;
    int ENOENT = 2;
    int ENODEV = 19;

    /**
     * Reads one request into {@code buf} (from 0). Returns its length, or the negative errno: EINTR,
     * EAGAIN and ENOENT (a request interrupted before we took it) mean read again, ENODEV that the
     * filesystem was unmounted.
     */
    int read(ByteBuffer buf);

    /**
     * Writes {@code len} bytes of {@code buf} (from 0): a reply or a notification. Returns 0, or the
     * negative errno: ENOENT when the request was interrupted and the kernel no longer waits for it.
     */
    int write(ByteBuffer buf, int len);

    /** The device behind file descriptor {@code fd}, through libc. */
    static FuseDevice of(int fd) {
        Libc libc = Libc.LIBC;
        Runtime runtime = Runtime.getRuntime(libc);
        return new FuseDevice() {
            @Override
            public int read(ByteBuffer buf) {
                long n = libc.read(fd, buf, buf.capacity());
                return n >= 0 ? (int) n : -LastError.getLastError(runtime);
            }

            @Override
            public int write(ByteBuffer buf, int len) {
                long n = buf.hasArray() && buf.arrayOffset() == 0 ? libc.write(fd, buf.array(), len) : libc.write(fd, buf, len);
                return n >= 0 ? 0 : -LastError.getLastError(runtime);
            }
        };
    }

    /**
     * The libc calls we need, through jnr-ffi. Direct buffers are passed by address; a Java array is
     * pinned for the call (JNI's critical access), not copied: replies are written from one, as a read's
     * data is decrypted into it (the JDK's AES works on arrays). Never a pinned array for read(2) on
     * the device: it blocks until a request comes, and a pinned array holds off the collector.
     */
    interface Libc {
        Libc LIBC = LibraryLoader.create(Libc.class).failImmediately().load("c");

        @SaveError
        long read(int fd, @Out ByteBuffer buf, long count);

        @SaveError
        long write(int fd, @In ByteBuffer buf, long count);

        @SaveError
        long write(int fd, @In @Pinned byte[] buf, long count);
    }
}
