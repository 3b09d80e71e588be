package io.ucryptfs.core.names;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The one rule for how a name in our String API (a path component, a whole path, a symlink target)
 * stands for the bytes the kernel handles. Linux names are bytes: anything but '/' and NUL, not
 * necessarily UTF-8. The kernel's eCryptfs encrypts those bytes, so we must too.
 *
 * <p>The bytes are decoded as UTF-8, and every byte that is not part of valid UTF-8 becomes one lone
 * low surrogate, U+DC80 to U+DCFF for 0x80 to 0xFF ("surrogateescape", as Python's {@code os.fsdecode},
 * PEP 383). So:
 * <ul>
 *   <li>a valid UTF-8 name is the ordinary Java String of its text ("été" is "été"), and its bytes,
 *       hence its lower name, are what they always were;
 *   <li>strict UTF-8 never decodes to a lone surrogate, so the mapping is one-to-one: distinct byte
 *       names stay distinct Strings, and {@code encode(decode(b))} is {@code b} for every byte string;
 *   <li>a String that is not {@code decode} of any bytes is refused by {@link #encode} with
 *       IllegalArgumentException: an unpaired surrogate outside U+DC80..U+DCFF, or escapes that spell
 *       valid UTF-8 ("\uDCC3\uDCA9" would be the bytes of "é", whose String is "é").
 * </ul>
 * Only this class converts names between Strings and bytes: the FUSE adapter, the name ciphers and
 * the code that turns names into lower {@code java.nio} paths all call it.
 */
public final class NameBytes {
    private static final char ESCAPE_BASE = 0xDC00;
    private static final char ESCAPE_FIRST = 0xDC80;
    private static final char ESCAPE_LAST = 0xDCFF;

    private NameBytes() {}

    /** The String of these bytes: UTF-8, each byte outside valid UTF-8 escaped as U+DC80..U+DCFF. */
    public static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }

    /** {@link #decode(byte[])} of {@code length} bytes at {@code offset}. */
    public static String decode(byte[] bytes, int offset, int length) {
        int end = offset + length;
        int i = offset;
        while (i < end && bytes[i] >= 0) {
            i++;
        }
        if (i == end) {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1); // ASCII
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        CharBuffer out = CharBuffer.allocate(length); // UTF-8 gives at most one char per byte, as do escapes
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isUnderflow()) {
                decoder.flush(out);
                break;
            }
            // Escape one byte and decode again from the next: a malformed sequence never starts with an
            // ASCII byte, so every escaped byte is 0x80..0xFF, and no valid byte after it is swallowed.
            out.put((char) (ESCAPE_BASE | (in.get() & 0xFF)));
        }
        return out.flip().toString();
    }

    /**
     * The bytes {@code name} stands for.
     *
     * @throws IllegalArgumentException if {@code name} is not {@link #decode} of any bytes
     */
    public static byte[] encode(String name) {
        int n = name.length();
        int i = 0;
        while (i < n && name.charAt(i) < 0x80) {
            i++;
        }
        if (i == n) {
            return name.getBytes(StandardCharsets.ISO_8859_1); // ASCII
        }
        byte[] out = new byte[n * 3];
        int o = 0;
        boolean escapes = false;
        for (int k = 0; k < n; k++) {
            char c = name.charAt(k);
            if (c < 0x80) {
                out[o++] = (byte) c;
            } else if (c < 0x800) {
                out[o++] = (byte) (0xC0 | c >> 6);
                out[o++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && k + 1 < n && Character.isLowSurrogate(name.charAt(k + 1))) {
                int cp = Character.toCodePoint(c, name.charAt(++k));
                out[o++] = (byte) (0xF0 | cp >> 18);
                out[o++] = (byte) (0x80 | cp >> 12 & 0x3F);
                out[o++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[o++] = (byte) (0x80 | cp & 0x3F);
            } else if (c >= ESCAPE_FIRST && c <= ESCAPE_LAST) {
                out[o++] = (byte) c;
                escapes = true;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(String.format(
                        "name holds an unpaired surrogate U+%04X that stands for no byte", (int) c));
            } else {
                out[o++] = (byte) (0xE0 | c >> 12);
                out[o++] = (byte) (0x80 | c >> 6 & 0x3F);
                out[o++] = (byte) (0x80 | c & 0x3F);
            }
        }
        byte[] bytes = Arrays.copyOf(out, o);
        if (escapes && !decode(bytes).equals(name)) {
            throw new IllegalArgumentException("name escapes bytes (U+DC80..U+DCFF) that form valid UTF-8:"
                    + " it is not the form of any byte name");
        }
        return bytes;
    }

    /** The length of {@link #encode}{@code (name)} in bytes. */
    public static int length(String name) {
        return encode(name).length;
    }

    /** Whether {@code name} is text: it escapes no byte, so its bytes are exactly its UTF-8 encoding. */
    public static boolean isText(String name) {
        for (int k = 0; k < name.length(); k++) {
            char c = name.charAt(k);
            if (Character.isHighSurrogate(c) && k + 1 < name.length() && Character.isLowSurrogate(name.charAt(k + 1))) {
                k++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
