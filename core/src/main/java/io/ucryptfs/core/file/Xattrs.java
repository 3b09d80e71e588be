package io.ucryptfs.core.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.Optional;

/**
 * User extended attributes of lower files through NIO's {@link UserDefinedFileAttributeView}, whose
 * names omit the "user." prefix. Here names are full ("user.ecryptfs"), as the kernel and FUSE see them.
 */
public final class Xattrs {
    private Xattrs() {}

    public static final String USER_PREFIX = "user.";

    private static UserDefinedFileAttributeView view(Path p) throws IOException {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (v == null) {
            throw new UnsupportedOperationException("the lower filesystem has no user extended attributes");
        }
        return v;
    }

    /** Whether the lower filesystem of {@code p} supports user xattrs at all. */
    public static boolean supported(Path p) {
        return Files.getFileAttributeView(p, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS) != null;
    }

    private static String bare(String name) {
        if (!name.startsWith(USER_PREFIX)) {
            throw new IllegalArgumentException("only user.* attributes: " + name);
        }
        return name.substring(USER_PREFIX.length());
    }

    /** The value, or empty when the attribute (or xattr support) is absent. */
    public static Optional<byte[]> get(Path p, String name) throws IOException {
        if (!supported(p)) {
            return Optional.empty();
        }
        UserDefinedFileAttributeView v = view(p);
        String b = bare(name);
        int size;
        try {
            size = v.size(b);
        } catch (java.nio.file.FileSystemException e) {
            if (e.getMessage() != null && (e.getMessage().contains("No data available") || e.getMessage().contains("not supported"))) {
                return Optional.empty();
            }
            if (!v.list().contains(b)) {
                return Optional.empty();
            }
            throw e;
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // jimfs: no such attribute
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        v.read(b, buf);
        buf.flip();
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return Optional.of(out);
    }

    public static void set(Path p, String name, byte[] value) throws IOException {
        view(p).write(bare(name), ByteBuffer.wrap(value));
    }

    public static List<String> list(Path p) throws IOException {
        if (!supported(p)) {
            return List.of();
        }
        return view(p).list().stream().map(n -> USER_PREFIX + n).toList();
    }

    public static void remove(Path p, String name) throws IOException {
        view(p).delete(bare(name));
    }
}
