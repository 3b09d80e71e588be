package io.ucryptfs.core.names;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * eCryptfs' file-name encoding: base64 bit order with its own alphabet ({@code portable_filename_chars}:
 * {@code -.0-9A-Za-z}, no '/' so the result is a valid path component) and no '=' padding; the last
 * group of 3 bytes is zero-filled and always yields 4 characters.
 *
 * <p>Mirrors {@code ecryptfs_encode_for_filename} and {@code ecryptfs_decode_from_filename} in the
 * kernel's {@code fs/ecryptfs/crypto.c}. One deliberate difference: the kernel's {@code
 * filename_rev_map} maps every character outside the alphabet to 0 (as if it were '-'), so a damaged
 * name silently decodes to other bytes; {@link #decode} rejects such characters instead.
 */
public final class EcryptfsBase64 {

    /** The 64 characters, index = 6-bit value (the kernel's {@code portable_filename_chars}). */
    static final String ALPHABET = "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /** Character → 6-bit value, -1 where the kernel's {@code filename_rev_map} has no entry. */
    private static final byte[] REVERSE = new byte[128];

    static {
        Arrays.fill(REVERSE, (byte) -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            REVERSE[ALPHABET.charAt(i)] = (byte) i;
        }
    }

    private EcryptfsBase64() {}

    /** Characters that {@link #encode} makes of {@code n} bytes: 4 per started group of 3. */
    public static int encodedLength(int n) {
        return (n + 2) / 3 * 4;
    }

    /** Bytes that {@link #decode} makes of {@code n} characters: every character carries 6 bits. */
    public static int decodedLength(int n) {
        return (int) ((long) n * 6 / 8);
    }

    public static String encode(byte[] data) {
        byte[] out = new byte[encodedLength(data.length)];
        int o = 0;
        for (int i = 0; i < data.length; i += 3) {
            int b0 = data[i] & 0xff;
            int b1 = i + 1 < data.length ? data[i + 1] & 0xff : 0;
            int b2 = i + 2 < data.length ? data[i + 2] & 0xff : 0;
            out[o++] = (byte) ALPHABET.charAt(b0 >>> 2);
            out[o++] = (byte) ALPHABET.charAt((b0 << 4 & 0x30) | b1 >>> 4);
            out[o++] = (byte) ALPHABET.charAt((b1 << 2 & 0x3c) | b2 >>> 6);
            out[o++] = (byte) ALPHABET.charAt(b2 & 0x3f);
        }
        return new String(out, StandardCharsets.US_ASCII);
    }

    /**
     * Decodes as the kernel does (6 bits per character, a trailing partial byte dropped), so the
     * result may end with the zero fill of the last group.
     *
     * @throws IllegalArgumentException if a character is outside the alphabet
     */
    public static byte[] decode(CharSequence encoded) {
        int n = encoded.length();
        byte[] out = new byte[decodedLength(n)];
        int acc = 0;
        int bits = 0;
        int o = 0;
        for (int i = 0; i < n; i++) {
            char c = encoded.charAt(i);
            int v = c < REVERSE.length ? REVERSE[c] : -1;
            if (v < 0) {
                throw new IllegalArgumentException("character " + (int) c + " at " + i
                        + " is not in the eCryptfs file-name alphabet");
            }
            acc = ((acc << 6) | v) & 0xffff; // only the pending bits (at most 12) matter
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (byte) (acc >>> bits);
            }
        }
        return out;
    }
}
