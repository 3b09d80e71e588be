package io.ucryptfs.core.names;

import java.util.Arrays;

/**
 * The layout of a tag 70 packet ("FNEK-encrypted file name as dentry name"), without the crypto:
 *
 * <pre>
 *   0x46 | body length (1 or 2 bytes) | FNEK signature (8) | cipher code (1) | encrypted name (n × block)
 * </pre>
 *
 * where the body length counts signature + cipher code + encrypted name. Mirrors the framing parts of
 * {@code ecryptfs_write_tag_70_packet} / {@code ecryptfs_parse_tag_70_packet} and the OpenPGP-style
 * lengths of {@code ecryptfs_write_packet_length} / {@code ecryptfs_parse_packet_length}
 * ({@code fs/ecryptfs/keystore.c}).
 */
final class Tag70Packet {

    static final int TAG = 0x46;
    static final int SIG_BYTES = 8;
    /** {@code ECRYPTFS_TAG_70_MIN_METADATA_SIZE}: tag, 1-byte length, sig, cipher code, 1 byte. */
    static final int MIN_PACKET_BYTES = 1 + 1 + SIG_BYTES + 1 + 1;
    /** Largest length the kernel's 2-byte form can be parsed back into: (223-192)*256 + 255 + 192. */
    static final int MAX_BODY_BYTES = 8383;

    /** A parsed packet; {@code encrypted} still needs decrypting. */
    record Parsed(byte[] signature, int cipherCode, byte[] encrypted) {}

    private Tag70Packet() {}

    /** Bytes of the length field for a body of {@code bodyBytes}. */
    static int lengthBytes(int bodyBytes) {
        return bodyBytes < 192 ? 1 : 2;
    }

    /** Total packet size for an encrypted name of {@code encryptedBytes}. */
    static int packetBytes(int encryptedBytes) {
        int body = SIG_BYTES + 1 + encryptedBytes;
        return 1 + lengthBytes(body) + body;
    }

    static byte[] write(byte[] signature, int cipherCode, byte[] encrypted) {
        int body = SIG_BYTES + 1 + encrypted.length;
        if (body > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("tag 70 body of " + body + " bytes");
        }
        byte[] out = new byte[packetBytes(encrypted.length)];
        int i = 0;
        out[i++] = (byte) TAG;
        if (body < 192) {
            out[i++] = (byte) body;
        } else {
            out[i++] = (byte) ((body - 192) / 256 + 192);
            out[i++] = (byte) ((body - 192) % 256);
        }
        System.arraycopy(signature, 0, out, i, SIG_BYTES);
        i += SIG_BYTES;
        out[i++] = (byte) cipherCode;
        System.arraycopy(encrypted, 0, out, i, encrypted.length);
        return out;
    }

    /**
     * Parses the packet at the start of {@code data}; bytes after it are ignored, as by the kernel
     * (they are the zero fill of the file-name encoding).
     *
     * @throws IllegalArgumentException with a reason if the bytes are not a well-formed packet
     */
    static Parsed parse(byte[] data) {
        if (data.length < MIN_PACKET_BYTES) {
            throw new IllegalArgumentException("packet too short (" + data.length + " bytes)");
        }
        if ((data[0] & 0xff) != TAG) {
            throw new IllegalArgumentException(String.format("packet tag 0x%02x is not 0x%02x", data[0] & 0xff, TAG));
        }
        int first = data[1] & 0xff;
        int body;
        int i;
        if (first < 192) {
            body = first;
            i = 2;
        } else if (first < 224) {
            body = (first - 192) * 256 + (data[2] & 0xff) + 192;
            i = 3;
        } else {
            throw new IllegalArgumentException("unsupported packet length form 0x" + Integer.toHexString(first));
        }
        if (body < SIG_BYTES + 1 + 1) {
            throw new IllegalArgumentException("packet body of " + body + " bytes holds no name");
        }
        if (i + body > data.length) {
            throw new IllegalArgumentException("packet claims " + body + " bytes, only " + (data.length - i) + " present");
        }
        byte[] sig = Arrays.copyOfRange(data, i, i + SIG_BYTES);
        i += SIG_BYTES;
        int cipherCode = data[i++] & 0xff;
        byte[] encrypted = Arrays.copyOfRange(data, i, i + body - SIG_BYTES - 1);
        return new Parsed(sig, cipherCode, encrypted);
    }
}
