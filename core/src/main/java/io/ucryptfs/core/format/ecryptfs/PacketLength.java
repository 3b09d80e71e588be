package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.format.FormatException;

/**
 * The OpenPGP-style body length that follows each packet tag: one byte below 192, two bytes up to
 * 8383. Mirrors the kernel's {@code ecryptfs_parse_packet_length} and
 * {@code ecryptfs_write_packet_length} (fs/ecryptfs/keystore.c).
 */
final class PacketLength {
    private PacketLength() {}

    static final int MAX = 8383;

    /** The length read at {@code buf[off]}: {@code [0]} = body size, {@code [1]} = bytes the length took. */
    static int[] parse(byte[] buf, int off, int end) throws FormatException {
        if (off >= end) {
            throw new FormatException("key packet length runs past the header");
        }
        int b0 = buf[off] & 0xff;
        if (b0 < 192) {
            return new int[] {b0, 1};
        }
        if (b0 < 224) {
            if (off + 1 >= end) {
                throw new FormatException("key packet length runs past the header");
            }
            int size = ((b0 - 192) << 8) + (buf[off + 1] & 0xff) + 192;
            return new int[] {size, 2};
        }
        if (b0 == 255) {
            throw new FormatException("five-byte packet lengths are not supported");
        }
        throw new FormatException("invalid packet length byte 0x" + Integer.toHexString(b0));
    }

    /** Writes {@code size} at {@code buf[off]}; returns the bytes written. */
    static int write(byte[] buf, int off, int size) {
        if (size < 0 || size > MAX) {
            throw new IllegalArgumentException("packet length " + size);
        }
        if (size < 192) {
            buf[off] = (byte) size;
            return 1;
        }
        int v = size - 192;
        buf[off] = (byte) ((v >> 8) + 192);
        buf[off + 1] = (byte) (v & 0xff);
        return 2;
    }

    static int encodedSize(int size) {
        return size < 192 ? 1 : 2;
    }
}
