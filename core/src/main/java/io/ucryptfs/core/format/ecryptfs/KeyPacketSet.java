package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.format.FormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads and writes the header's key packet set: tag 3 + tag 11 pairs and tag 1 packets, ended by any
 * other byte (the kernel writes 0x00). Every length is checked against the bytes that remain before it
 * is used. Mirrors {@code ecryptfs_parse_packet_set}, {@code parse_tag_3_packet},
 * {@code parse_tag_11_packet}, {@code parse_tag_1_packet}, {@code write_tag_3_packet} and
 * {@code write_tag_11_packet} (fs/ecryptfs/keystore.c).
 */
final class KeyPacketSet {
    private KeyPacketSet() {}

    static final int TAG_1 = 0x01;
    static final int TAG_3 = 0x8c;
    static final int TAG_11 = 0xed;

    static final int SIG_BYTES = 8;
    static final int SALT_BYTES = 8;
    /** {@code ECRYPTFS_MAX_ENCRYPTED_KEY_BYTES}. */
    static final int MAX_ENCRYPTED_KEY_BYTES = 512;
    private static final int TAG_3_VERSION = 0x04;
    private static final int S2K_SALTED_ITERATED = 0x03;
    private static final int HASH_MD5 = 0x01;
    /** RFC 2440 coded count 0x60 = 65,536 iterations (the value the kernel writes; not used on reading). */
    private static final int CODED_ITERATIONS = 0x60;
    private static final int TAG_1_VERSION = 0x03;
    /** The literal-data format byte ('b', binary) and file name the kernel puts in every tag 11 packet. */
    private static final int LITERAL_BINARY = 0x62;
    private static final byte[] CONSOLE = "_CONSOLE".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Parses packets from {@code buf[off..end)}; a byte that starts no packet ends the set. */
    static List<KeyPacket> parse(byte[] buf, int off, int end) throws FormatException {
        List<KeyPacket> packets = new ArrayList<>();
        int i = off;
        while (i < end) {
            int tag = buf[i] & 0xff;
            if (tag == TAG_3) {
                int[] tag3End = new int[1];
                KeyPacket.PassphraseWrapped partial = parseTag3(buf, i, end, tag3End);
                i = tag3End[0];
                if (i >= end || (buf[i] & 0xff) != TAG_11) {
                    throw new FormatException("damaged key packet at offset " + i
                            + ": a tag 3 packet is not followed by its tag 11 signature packet");
                }
                int[] tag11End = new int[1];
                String sig = parseTag11(buf, i, end, tag11End);
                i = tag11End[0];
                packets.add(new KeyPacket.PassphraseWrapped(sig, partial.cipher(), partial.salt(), partial.wrappedKey()));
            } else if (tag == TAG_1) {
                int[] tag1End = new int[1];
                packets.add(parseTag1(buf, i, end, tag1End));
                i = tag1End[0];
            } else if (tag == TAG_11) {
                throw new FormatException("damaged key packet at offset " + i + ": a tag 11 packet without its tag 3 packet");
            } else {
                break;
            }
        }
        if (packets.isEmpty()) {
            throw new FormatException("no key packets in the header (byte 0x"
                    + Integer.toHexString(i < end ? buf[i] & 0xff : 0) + " at offset " + i + ")");
        }
        return packets;
    }

    private static KeyPacket.PassphraseWrapped parseTag3(byte[] buf, int start, int end, int[] next) throws FormatException {
        int p = start + 1;
        int[] len = PacketLength.parse(buf, p, end);
        int body = len[0];
        p += len[1];
        if (body < SALT_BYTES + 5) {
            throw new FormatException("damaged key packet at offset " + start + ": tag 3 body of " + body + " bytes is too short");
        }
        if (body > end - p) {
            throw new FormatException("damaged key packet at offset " + start + ": tag 3 length " + body
                    + " runs past the header (" + (end - p) + " bytes left)");
        }
        int wrappedBytes = body - (SALT_BYTES + 5);
        if (wrappedBytes > MAX_ENCRYPTED_KEY_BYTES) {
            throw new FormatException("damaged key packet at offset " + start + ": wrapped key of " + wrappedBytes + " bytes");
        }
        if ((buf[p] & 0xff) != TAG_3_VERSION) {
            throw new FormatException("damaged key packet at offset " + start + ": tag 3 version 0x"
                    + Integer.toHexString(buf[p] & 0xff) + ", expected 0x04");
        }
        CipherCode cipher;
        try {
            cipher = CipherCode.forCode(buf[p + 1] & 0xff);
        } catch (FormatException e) {
            throw new FormatException("damaged key packet at offset " + start + ": " + e.getMessage());
        }
        if ((buf[p + 2] & 0xff) != S2K_SALTED_ITERATED || (buf[p + 3] & 0xff) != HASH_MD5) {
            throw new FormatException("damaged key packet at offset " + start + ": unsupported string-to-key specifier");
        }
        if (wrappedBytes != cipher.wrappedKeyBytes()) {
            throw new FormatException("damaged key packet at offset " + start + ": wrapped key of " + wrappedBytes
                    + " bytes does not fit " + cipher);
        }
        byte[] salt = Arrays.copyOfRange(buf, p + 4, p + 4 + SALT_BYTES);
        int keyAt = p + 4 + SALT_BYTES + 1;
        byte[] wrapped = Arrays.copyOfRange(buf, keyAt, keyAt + wrappedBytes);
        next[0] = p + body;
        return new KeyPacket.PassphraseWrapped(null, cipher, salt, wrapped);
    }

    private static String parseTag11(byte[] buf, int start, int end, int[] next) throws FormatException {
        int p = start + 1;
        int[] len = PacketLength.parse(buf, p, end);
        int body = len[0];
        p += len[1];
        if (body < 14) {
            throw new FormatException("damaged key packet at offset " + start + ": tag 11 body of " + body + " bytes is too short");
        }
        if (body > end - p) {
            throw new FormatException("damaged key packet at offset " + start + ": tag 11 length " + body + " runs past the header");
        }
        if ((buf[p] & 0xff) != LITERAL_BINARY || (buf[p + 1] & 0xff) != CONSOLE.length) {
            throw new FormatException("damaged key packet at offset " + start + ": unrecognised tag 11 literal packet");
        }
        int contents = body - 14;
        if (contents != SIG_BYTES) {
            throw new FormatException("damaged key packet at offset " + start + ": signature of " + contents
                    + " bytes, expected " + SIG_BYTES);
        }
        int sigAt = p + 2 + CONSOLE.length + 4;
        next[0] = p + body;
        return HexFormat.of().formatHex(buf, sigAt, sigAt + SIG_BYTES);
    }

    private static KeyPacket.PublicKeyWrapped parseTag1(byte[] buf, int start, int end, int[] next) throws FormatException {
        int p = start + 1;
        int[] len = PacketLength.parse(buf, p, end);
        int body = len[0];
        p += len[1];
        if (body < SIG_BYTES + 2) {
            throw new FormatException("damaged key packet at offset " + start + ": tag 1 body of " + body + " bytes is too short");
        }
        if (body > end - p) {
            throw new FormatException("damaged key packet at offset " + start + ": tag 1 length " + body + " runs past the header");
        }
        if ((buf[p] & 0xff) != TAG_1_VERSION) {
            throw new FormatException("damaged key packet at offset " + start + ": tag 1 version 0x"
                    + Integer.toHexString(buf[p] & 0xff) + ", expected 0x03");
        }
        String sig = HexFormat.of().formatHex(buf, p + 1, p + 1 + SIG_BYTES);
        int algorithm = buf[p + 1 + SIG_BYTES] & 0xff;
        int keyBytes = body - (SIG_BYTES + 2);
        if (keyBytes > MAX_ENCRYPTED_KEY_BYTES) {
            throw new FormatException("damaged key packet at offset " + start + ": encrypted key of " + keyBytes + " bytes");
        }
        int keyAt = p + SIG_BYTES + 2;
        next[0] = p + body;
        return new KeyPacket.PublicKeyWrapped(sig, algorithm, Arrays.copyOfRange(buf, keyAt, keyAt + keyBytes));
    }

    /** Bytes {@link #write} needs for these packets, terminator included. */
    static int encodedSize(List<KeyPacket> packets) {
        int n = 1;
        for (KeyPacket k : packets) {
            if (k instanceof KeyPacket.PassphraseWrapped pw) {
                int body3 = SALT_BYTES + 5 + pw.wrappedKey().length;
                n += 1 + PacketLength.encodedSize(body3) + body3;
                n += 1 + 1 + 14 + SIG_BYTES;
            } else if (k instanceof KeyPacket.PublicKeyWrapped pk) {
                int body1 = SIG_BYTES + 2 + pk.encryptedKey().length;
                n += 1 + PacketLength.encodedSize(body1) + body1;
            }
        }
        return n;
    }

    /** Writes the packets and the 0x00 terminator at {@code buf[off]}; returns the offset after it. */
    static int write(List<KeyPacket> packets, byte[] buf, int off) {
        int p = off;
        for (KeyPacket k : packets) {
            if (k instanceof KeyPacket.PassphraseWrapped pw) {
                int body3 = SALT_BYTES + 5 + pw.wrappedKey().length;
                buf[p++] = (byte) TAG_3;
                p += PacketLength.write(buf, p, body3);
                buf[p++] = TAG_3_VERSION;
                buf[p++] = (byte) pw.cipher().code;
                buf[p++] = S2K_SALTED_ITERATED;
                buf[p++] = HASH_MD5;
                System.arraycopy(pw.salt(), 0, buf, p, SALT_BYTES);
                p += SALT_BYTES;
                buf[p++] = CODED_ITERATIONS;
                System.arraycopy(pw.wrappedKey(), 0, buf, p, pw.wrappedKey().length);
                p += pw.wrappedKey().length;

                buf[p++] = (byte) TAG_11;
                p += PacketLength.write(buf, p, 14 + SIG_BYTES);
                buf[p++] = LITERAL_BINARY;
                buf[p++] = (byte) CONSOLE.length;
                System.arraycopy(CONSOLE, 0, buf, p, CONSOLE.length);
                p += CONSOLE.length;
                p += 4; // modification date: zero
                byte[] sig = HexFormat.of().parseHex(pw.signature());
                System.arraycopy(sig, 0, buf, p, SIG_BYTES);
                p += SIG_BYTES;
            } else if (k instanceof KeyPacket.PublicKeyWrapped pk) {
                int body1 = SIG_BYTES + 2 + pk.encryptedKey().length;
                buf[p++] = TAG_1;
                p += PacketLength.write(buf, p, body1);
                buf[p++] = TAG_1_VERSION;
                System.arraycopy(HexFormat.of().parseHex(pk.signature()), 0, buf, p, SIG_BYTES);
                p += SIG_BYTES;
                buf[p++] = (byte) pk.algorithm();
                System.arraycopy(pk.encryptedKey(), 0, buf, p, pk.encryptedKey().length);
                p += pk.encryptedKey().length;
            }
        }
        buf[p++] = 0;
        return p;
    }
}
