package io.ucryptfs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LastError;
import jnr.ffi.Runtime;

/**
 * A stand-in for the kernel at the far end of a {@code SOCK_SEQPACKET} socket pair, whose near end is
 * served through the very class that serves {@code /dev/fuse} ({@link FuseDevice#of}): one message a
 * request and one a reply, as on the device. Why, for the JIT warm-up: a stand-in device of another
 * class makes the compiled request loop expect that class, and the mount's first real requests then
 * throw the compiled code away and compile it again (seen in the compile log: the request loop's
 * methods recompiled in the first second of use). Requests up to the socket's buffer (about 200 KiB)
 * only.
 */
final class SocketPairKernel extends ScriptedKernel implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    /** The largest message: a 128 KiB write request or read reply and its headers. */
    static final int MAX_MESSAGE = 128 * 1024 + 4096;

    private final SocketLibc libc = SocketLibc.LIBC;
    private final int near;
    private final int far;
    private final FuseDevice device;
    private final ByteBuffer request = ByteBuffer.allocateDirect(MAX_MESSAGE).order(ByteOrder.nativeOrder());
    private final ByteBuffer reply = ByteBuffer.allocateDirect(MAX_MESSAGE).order(ByteOrder.nativeOrder());
    private long unique = 1;

    /** libc's read and write, and what makes and closes a socket pair. */
    public interface SocketLibc extends FuseDevice.Libc {
        SocketLibc LIBC = jnr.ffi.LibraryLoader.create(SocketLibc.class).failImmediately().load("c");

        @jnr.ffi.annotations.SaveError
        int socketpair(int domain, int type, int protocol, @jnr.ffi.annotations.Out int[] sv);

        int close(int fd);
    }

    private SocketPairKernel(int near, int far) {
        this.near = near;
        this.far = far;
        this.device = FuseDevice.of(near);
    }

    static SocketPairKernel open() throws IOException {
        int[] sv = new int[2];
        SocketLibc libc = SocketLibc.LIBC;
        if (libc.socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) {
            throw new IOException("socketpair: errno " + LastError.getLastError(Runtime.getRuntime(libc)));
        }
        return new SocketPairKernel(sv[0], sv[1]);
    }

    @Override
    FuseDevice device() {
        return device;
    }

    /**
     * Writes the request into the socket, has it read from the near end and served as a worker thread
     * does ({@link FuseSession}), and reads the reply (notifications before it are skipped).
     */
    @Override
    int send(KernelRequests requests, KernelRequests.Scratch s, int opcode, long node, Object... body) {
        long id = ++unique;
        int len = encode(request, id, opcode, node, body);
        if (libc.write(far, request, len) != len) {
            throw new IllegalStateException("socket pair: request not written, errno "
                    + LastError.getLastError(Runtime.getRuntime(libc)));
        }
        int n = device.read(s.in);
        if (n <= 0) {
            throw new IllegalStateException("socket pair: request not read, errno " + -n);
        }
        requests.handle(s, n);
        if (opcode == FuseProtocol.FORGET || opcode == FuseProtocol.BATCH_FORGET) {
            return len; // no reply
        }
        while (true) {
            long m = libc.read(far, reply, reply.capacity());
            if (m < 16) {
                throw new IllegalStateException("socket pair: no reply, errno "
                        + LastError.getLastError(Runtime.getRuntime(libc)));
            }
            if (reply.getLong(8) == id) {
                keep(copyOf(reply, (int) m));
                return len;
            }
        }
    }

    @Override
    public void close() {
        libc.close(near);
        libc.close(far);
    }
}
