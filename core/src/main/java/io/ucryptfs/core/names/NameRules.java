package io.ucryptfs.core.names;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a path component and a symlink target may be, and their exact UTF-8 bytes.
 *
 * <p>The kernel works on bytes; our API on Strings. The conversion is strict both ways (no '?' or
 * U+FFFD substitutions) so a name always maps to one byte string and back: a lossy conversion would
 * make a name that lists but re-encrypts to another lower name, i.e. a file that cannot be opened.
 */
final class NameRules {

    private NameRules() {}

    static boolean isDotOrDotDot(String name) {
        return name.equals(".") || name.equals("..");
    }

    /** The bytes of a path component: non-empty, no '/' and no NUL (what the VFS never hands over). */
    static byte[] componentBytes(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty file name");
        }
        if (name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("file name contains '/'");
        }
        return targetBytes(name);
    }

    /** The bytes of a symlink target: non-empty, no NUL; '/' allowed (a target is a path). */
    static byte[] targetBytes(String target) {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("empty name");
        }
        if (target.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("name contains NUL");
        }
        try {
            ByteBuffer bb = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(target));
            return Arrays.copyOfRange(bb.array(), bb.position(), bb.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("name is not valid Unicode (unpaired surrogate)", e);
        }
    }

    /** Strict UTF-8 decoding; null if the bytes are not UTF-8. */
    static String utf8OrNull(byte[] bytes, int offset, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
