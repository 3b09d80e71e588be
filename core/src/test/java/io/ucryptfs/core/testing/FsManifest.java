package io.ucryptfs.core.testing;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.OpenMode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Manifests in the vectors' format ({@code TYPE<TAB>SIZE<TAB>SHA256|->target|-<TAB>PATH}, sorted):
 * of a plaintext tree read through a {@link CryptFileSystem}, and of a plain directory on disk.
 */
public final class FsManifest {
    private FsManifest() {}

    /** Every entry below the root of {@code fs}, read through its API. */
    public static List<String> of(CryptFileSystem fs) throws Exception {
        List<String> out = new ArrayList<>();
        walk(fs, "", out);
        out.sort(null);
        return out;
    }

    private static void walk(CryptFileSystem fs, String dir, List<String> out) throws Exception {
        for (String name : fs.readdir(dir.isEmpty() ? "/" : dir)) {
            String path = dir + "/" + name;
            String rel = path.substring(1);
            FileAttributes a = fs.getattr(path);
            switch (a.type()) {
                case DIRECTORY -> {
                    out.add("D\t-\t-\t" + rel);
                    walk(fs, path, out);
                }
                case SYMLINK -> out.add("L\t-\t->" + fs.readlink(path) + "\t" + rel);
                case REGULAR -> out.add("F\t" + a.size() + "\t" + sha256(fs, path, a.size()) + "\t" + rel);
                default -> out.add("?\t-\t-\t" + rel);
            }
        }
    }

    /** The sha256 of a file's content read through {@code fs} in 128 KiB reads, checking the length. */
    public static String sha256(CryptFileSystem fs, String path, long expectedSize) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long h = fs.open(path, OpenMode.READ);
        try {
            ByteBuffer buf = ByteBuffer.allocate(128 * 1024);
            long off = 0;
            while (true) {
                buf.clear();
                int n = fs.read(h, buf, off);
                if (n <= 0) {
                    break;
                }
                md.update(buf.array(), 0, n);
                off += n;
            }
            if (off != expectedSize) {
                throw new AssertionError(path + ": read " + off + " bytes, getattr said " + expectedSize);
            }
        } finally {
            fs.release(h);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The manifest of a plain directory tree on disk (as the kernel harness computes it). */
    public static List<String> ofPlainDir(Path root) throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.add("L\t-\t->" + Files.readSymbolicLink(p) + "\t" + rel);
                } else if (Files.isDirectory(p)) {
                    out.add("D\t-\t-\t" + rel);
                } else {
                    byte[] b = Files.readAllBytes(p);
                    out.add("F\t" + b.length + "\t" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)) + "\t" + rel);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** The lines of a manifest file, sorted. */
    public static List<String> read(Path manifest) throws Exception {
        List<String> lines = new ArrayList<>(Files.readAllLines(manifest).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList());
        lines.sort(null);
        return lines;
    }
}
