package io.ucryptfs.core.names;

/**
 * What a path component and a symlink target may be, and their exact bytes ({@link NameBytes}).
 *
 * <p>The kernel works on bytes; our API on Strings. {@link NameBytes} maps every byte string to one
 * String and back, so a name always maps to one byte string: a lossy conversion would make a name
 * that lists but re-encrypts to another lower name, i.e. a file that cannot be opened.
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
        return NameBytes.encode(target);
    }
}
