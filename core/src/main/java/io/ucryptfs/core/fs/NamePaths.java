package io.ucryptfs.core.fs;

import io.ucryptfs.core.names.NameBytes;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;

/**
 * Names ({@link NameBytes} Strings) as {@code java.nio} paths with exactly their bytes, and back.
 *
 * <p>The JDK turns a path String into bytes with the platform's file-name encoding
 * ({@code sun.jnu.encoding}: UTF-8 under a UTF-8 locale, ASCII under {@code LANG=C}), which cannot
 * express a byte that is not UTF-8 (it becomes '?'), and decodes listed names the same way (such a
 * byte becomes U+FFFD or '?'). Encrypted lower names are ASCII and never meet this; plaintext names
 * used as lower names (a mount without name encryption) and the files {@link TreeExport} writes do.
 * On the default file system such names go through a {@code file:} URI, whose percent-escapes the
 * JDK maps to and from the raw bytes of a path. Other file systems (jimfs in tests) keep names as
 * Strings, so there the String is used as it is.
 */
final class NamePaths {
    /** Whether the JDK's own String ↔ path bytes conversion is UTF-8, so text names need no URI. */
    private static final boolean JNU_UTF8 = jnuIsUtf8();

    private NamePaths() {}

    private static boolean jnuIsUtf8() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "")).equals(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** {@code dir/name}, the last element having exactly the bytes of {@code name} (one component). */
    static Path resolve(Path dir, String name) {
        if (direct(dir.getFileSystem(), name)) {
            return dir.resolve(name);
        }
        return dir.resolve(fromBytes(NameBytes.encode(name), false).getFileName());
    }

    /** The name of {@code path}'s last element, from its exact bytes. */
    static String name(Path path) {
        String s = path.getFileName().toString();
        if (exact(path.getFileSystem(), s)) {
            return s;
        }
        byte[] b = bytesOf(path.toAbsolutePath(), false);
        int slash = b.length - 1;
        while (slash >= 0 && b[slash] != '/') {
            slash--;
        }
        return NameBytes.decode(b, slash + 1, b.length - slash - 1);
    }

    /** A symlink target as a path of {@code fs} with exactly the bytes of {@code target}. */
    static Path target(FileSystem fs, String target) {
        if (direct(fs, target)) {
            return fs.getPath(target);
        }
        byte[] b = NameBytes.encode(target);
        Path abs = fromBytes(b, true);
        return b[0] == '/' ? abs : abs.subpath(0, abs.getNameCount());
    }

    /** The String of a symlink target read from the lower file system, from its exact bytes. */
    static String targetString(Path target) {
        String s = target.toString();
        if (exact(target.getFileSystem(), s)) {
            return s;
        }
        boolean absolute = target.isAbsolute();
        Path abs = absolute ? target : target.getFileSystem().getRootDirectories().iterator().next().resolve(target);
        byte[] b = bytesOf(abs, s.endsWith("/"));
        return absolute ? NameBytes.decode(b) : NameBytes.decode(b, 1, b.length - 1);
    }

    private static boolean isDefault(FileSystem fs) {
        return fs == FileSystems.getDefault();
    }

    /** Whether the JDK turns {@code name} into its bytes itself. */
    private static boolean direct(FileSystem fs, String name) {
        return !isDefault(fs) || isAscii(name) || JNU_UTF8 && NameBytes.isText(name);
    }

    /** Whether a name the JDK decoded is exact (no byte replaced by U+FFFD or '?'). */
    private static boolean exact(FileSystem fs, String decoded) {
        return !isDefault(fs) || isAscii(decoded) && decoded.indexOf('?') < 0
                || JNU_UTF8 && decoded.indexOf('\uFFFD') < 0;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** An absolute path of the default file system: "/" then {@code bytes} ('/' in them kept when {@code path}). */
    private static Path fromBytes(byte[] bytes, boolean path) {
        StringBuilder sb = new StringBuilder("file://");
        if (bytes.length == 0 || bytes[0] != '/') {
            sb.append('/');
        }
        for (byte x : bytes) {
            int c = x & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '~' || path && c == '/') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return Path.of(URI.create(sb.toString()));
    }

    /**
     * The raw bytes of an absolute path of the default file system, read back from its {@code file:}
     * URI. The JDK appends '/' to the URI of a directory: dropped unless {@code trailingSlash}.
     */
    private static byte[] bytesOf(Path absolute, boolean trailingSlash) {
        String raw = absolute.toUri().getRawPath();
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                out.write(Integer.parseInt(raw, i + 1, i + 3, 16));
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                byte[] u = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(u, 0, u.length);
            }
        }
        byte[] b = out.toByteArray();
        if (!trailingSlash && b.length > 1 && b[b.length - 1] == '/') {
            return java.util.Arrays.copyOf(b, b.length - 1);
        }
        return b;
    }
}
