package io.ucryptfs.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Stands in for the kernel's side of {@code /dev/fuse} when requests come from Java rather than from
 * the kernel: builds each request as the kernel writes it, serves it through {@link KernelRequests},
 * and keeps the reply. Used by the JIT warm-up ({@link JitWarmUp}) and the tests.
 */
class ScriptedKernel implements FuseDevice {
    private long unique = 100;
    private ByteBuffer last = ByteBuffer.allocate(0);

    /** Nothing to read: requests are put in by {@link #send}. */
    @Override
    public int read(ByteBuffer buf) {
        return -ENODEV;
    }

    @Override
    public int write(ByteBuffer buf, int len) {
        ByteBuffer copy = copyOf(buf, len);
        keep(copy);
        return replied(copy);
    }

    /** Told of every reply and notification written; returns what the write returns (0: taken). */
    int replied(ByteBuffer reply) {
        return 0;
    }

    /**
     * Puts a request into {@code s.in} and serves it; returns its length. {@code body} items are
     * ints, longs, Strings (written with their NUL) or byte arrays.
     */
    int send(KernelRequests requests, KernelRequests.Scratch s, int opcode, long node, Object... body) {
        int len = encode(s.in, ++unique, opcode, node, body);
        requests.handle(s, len);
        return len;
    }

    /** The device that {@link KernelRequests} answers on: this one. */
    FuseDevice device() {
        return this;
    }

    /** Writes a request as the kernel does into {@code in} (from 0); returns its length. */
    static int encode(ByteBuffer in, long unique, int opcode, long node, Object... body) {
        int at = FuseProtocol.IN_HEADER;
        for (Object o : body) {
            if (o instanceof Integer i) {
                in.putInt(at, i);
                at += 4;
            } else if (o instanceof Long l) {
                in.putLong(at, l);
                at += 8;
            } else if (o instanceof String str) {
                byte[] b = str.getBytes(StandardCharsets.UTF_8);
                in.put(at, b);
                in.put(at + b.length, (byte) 0);
                at += b.length + 1;
            } else {
                byte[] b = (byte[]) o;
                in.put(at, b);
                at += b.length;
            }
        }
        in.putInt(0, at);
        in.putInt(FuseProtocol.IN_OPCODE, opcode);
        in.putLong(FuseProtocol.IN_UNIQUE, unique);
        in.putLong(FuseProtocol.IN_NODEID, node);
        in.putInt(FuseProtocol.IN_UID, 0);
        in.putInt(FuseProtocol.IN_GID, 0);
        return at;
    }

    /** The first {@code len} bytes of {@code buf}, as a little-endian buffer of their own. */
    static ByteBuffer copyOf(ByteBuffer buf, int len) {
        byte[] b = new byte[len];
        buf.get(0, b, 0, len);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Keeps {@code reply} as the last one written. */
    void keep(ByteBuffer reply) {
        last = reply;
    }

    /** The last reply or notification written. */
    ByteBuffer last() {
        return last;
    }

    /** The last reply's error field as a positive errno (0: success). */
    int lastError() {
        return -last.getInt(4);
    }
}
