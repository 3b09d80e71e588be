package io.ucryptfs.keystore.recovery;

/**
 * Douglas Crockford's base32: the digits and the upper-case letters less I, L, O and U, five bits a
 * character, most significant bit first. Decoding ignores case and reads I and L as 1, O as 0 (the
 * letters a person may type for those digits); U stays invalid.
 */
final class Crockford {
    private Crockford() {}

    static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    private static final byte[] VALUES = new byte[128];

    static {
        java.util.Arrays.fill(VALUES, (byte) -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            char c = ALPHABET.charAt(i);
            VALUES[c] = (byte) i;
            VALUES[Character.toLowerCase(c)] = (byte) i;
        }
        for (char c : new char[] {'I', 'i', 'L', 'l'}) {
            VALUES[c] = 1;
        }
        VALUES['O'] = 0;
        VALUES['o'] = 0;
    }

    /** The number of characters that encode {@code bytes} bytes. */
    static int encodedLength(int bytes) {
        return (bytes * 8 + 4) / 5;
    }

    /** The characters of {@code data}, the last one padded with zero bits. */
    static String encode(byte[] data) {
        StringBuilder out = new StringBuilder(encodedLength(data.length));
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out.append(ALPHABET.charAt((buffer >>> bits) & 31));
            }
        }
        if (bits > 0) {
            out.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    /** The value of one character, or -1 when it is not in the alphabet. */
    static int value(char c) {
        return c < 128 ? VALUES[c] : -1;
    }

    /**
     * The {@code bytes} bytes that {@code text} encodes; every character must have a {@link #value}
     * and the text must be {@link #encodedLength}{@code (bytes)} long (the caller checks both, to
     * say what is wrong). Padding bits are ignored.
     */
    static byte[] decode(CharSequence text, int bytes) {
        byte[] out = new byte[bytes];
        int buffer = 0;
        int bits = 0;
        int o = 0;
        for (int i = 0; i < text.length() && o < bytes; i++) {
            buffer = (buffer << 5) | value(text.charAt(i));
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (byte) (buffer >>> bits);
            }
        }
        return out;
    }
}
