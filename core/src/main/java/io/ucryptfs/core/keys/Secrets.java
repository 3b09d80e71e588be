package io.ucryptfs.core.keys;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Small helpers for secrets held in arrays, so they can be wiped (Strings cannot). */
public final class Secrets {
    private Secrets() {}

    /** UTF-8 bytes of {@code chars} without an intermediate String; the caller wipes the result. */
    public static byte[] utf8(char[] chars) {
        ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] out = Arrays.copyOfRange(bb.array(), bb.position(), bb.limit());
        Arrays.fill(bb.array(), (byte) 0);
        return out;
    }

    public static void wipe(byte[]... arrays) {
        for (byte[] a : arrays) {
            if (a != null) {
                Arrays.fill(a, (byte) 0);
            }
        }
    }
}
