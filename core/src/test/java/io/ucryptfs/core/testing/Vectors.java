package io.ucryptfs.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Access to the kernel-written vectors in {@code shared/ecryptfs-vectors} (see its README.md).
 *
 * <p>The folder is the system property {@value #PROPERTY} if set, else the first
 * {@code shared/ecryptfs-vectors} found walking up from the working directory (the module directory
 * under Maven). A missing folder or case fails the test: vectors are ground truth, never skipped.
 */
public final class Vectors {

    /** System property naming the vectors folder. */
    public static final String PROPERTY = "ucryptfs.vectors";

    private Vectors() {}

    /** The vectors folder. */
    public static Path root() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path p = Paths.get(prop).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                fail("-D" + PROPERTY + "=" + prop + " is not a directory");
            }
            return p;
        }
        Path start = Paths.get("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("ecryptfs-vectors");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return fail("no shared/ecryptfs-vectors above " + start + "; set -D" + PROPERTY + "=DIR");
    }

    /** The folder of one case, e.g. {@code "aes128_fnek"}. */
    public static Path caseDir(String name) {
        Path dir = root().resolve(name);
        if (!Files.isDirectory(dir)) {
            fail("vector case " + name + " missing: " + dir);
        }
        return dir;
    }

    /**
     * Extracts the case's {@code tree.tar} into {@code into} (with {@code tar -xf}, which keeps symlinks
     * and empty directories) and returns {@code into}, which then holds {@code lower/} and {@code plain/}.
     */
    public static Path extract(String name, Path into) throws IOException {
        Path tar = caseDir(name).resolve("tree.tar");
        if (!Files.isRegularFile(tar)) {
            fail("vector case " + name + " has no tree.tar");
        }
        Files.createDirectories(into);
        Process p = new ProcessBuilder("tar", "-xf", tar.toString(), "-C", into.toString())
                .redirectErrorStream(true)
                .start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("tar -xf " + tar + " timed out");
            }
            if (p.exitValue() != 0) {
                fail("tar -xf " + tar + " failed (" + p.exitValue() + "): " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while extracting " + tar, e);
        }
        return into;
    }

    /** The {@code lower/} folder of an extracted tree. */
    public static Path lower(Path extracted) {
        return extracted.resolve("lower");
    }

    /** The {@code plain/} folder of an extracted tree. */
    public static Path plain(Path extracted) {
        return extracted.resolve("plain");
    }

    /** The entries of the case's {@code plain-manifest.txt}. */
    public static List<ManifestEntry> manifest(String name) throws IOException {
        return readManifest(caseDir(name).resolve("plain-manifest.txt"));
    }

    /** Parses a manifest file ({@code plain-manifest.txt} or {@code readback-manifest.txt}). */
    public static List<ManifestEntry> readManifest(Path file) throws IOException {
        List<ManifestEntry> entries = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                entries.add(ManifestEntry.parse(line));
            } catch (IllegalArgumentException e) {
                fail(file + ":" + lineNo + ": " + e.getMessage());
            }
        }
        return entries;
    }

    /** {@code key (optional note): value}; the note may itself contain ':'. */
    private static final Pattern CASE_LINE = Pattern.compile("^([A-Za-z0-9_]+)\\s*(?:\\([^)]*\\))?\\s*:\\s*(.*)$");

    /**
     * The {@code key: value} lines of the case's {@code case.txt}. A parenthesised note after the key
     * ({@code mount_options (as mount.ecryptfs_private uses them): ...}) is dropped; later duplicate keys
     * win. E.g. {@code caseInfo("aes128_fnek").get("fnek_sig")}.
     */
    public static Map<String, String> caseInfo(String name) throws IOException {
        Map<String, String> info = new LinkedHashMap<>();
        for (String line : Files.readAllLines(caseDir(name).resolve("case.txt"), StandardCharsets.UTF_8)) {
            Matcher m = CASE_LINE.matcher(line);
            if (m.matches()) {
                info.put(m.group(1), m.group(2).trim());
            }
        }
        return info;
    }

    /**
     * The value of one mount option in the case's {@code mount_options} line, e.g.
     * {@code mountOption("aes128_fnek", "ecryptfs_key_bytes")} → "16"; null if absent.
     */
    public static String mountOption(String name, String option) throws IOException {
        String opts = caseInfo(name).get("mount_options");
        if (opts == null) {
            fail("case " + name + " has no mount_options line");
        }
        for (String o : opts.split(",")) {
            int eq = o.indexOf('=');
            String key = eq < 0 ? o : o.substring(0, eq);
            if (key.trim().equals(option)) {
                return eq < 0 ? "" : o.substring(eq + 1).trim();
            }
        }
        return null;
    }

    /** One line of a manifest: {@code TYPE<TAB>SIZE<TAB>SHA256|->target|-<TAB>PATH}. */
    public record ManifestEntry(Type type, long size, String sha256, String symlinkTarget, String path) {

        public enum Type { FILE, DIRECTORY, SYMLINK }

        /** Size is -1 where the manifest has '-'; sha256 is null except for files; target except for links. */
        static ManifestEntry parse(String line) {
            String[] f = line.split("\t", 4);
            if (f.length != 4) {
                throw new IllegalArgumentException("expected 4 tab-separated fields: " + line);
            }
            Type type = switch (f[0]) {
                case "F" -> Type.FILE;
                case "D" -> Type.DIRECTORY;
                case "L" -> Type.SYMLINK;
                default -> throw new IllegalArgumentException("unknown type " + f[0]);
            };
            long size = f[1].equals("-") ? -1 : Long.parseLong(f[1]);
            String sha = null;
            String target = null;
            if (f[2].startsWith("->")) {
                target = f[2].substring(2);
            } else if (!f[2].equals("-")) {
                sha = f[2];
            }
            if ((type == Type.SYMLINK) != (target != null) || (type == Type.FILE) != (sha != null)) {
                throw new IllegalArgumentException("third field does not fit type " + f[0] + ": " + line);
            }
            return new ManifestEntry(type, size, sha, target, f[3]);
        }

        /** The last path component. */
        public String fileName() {
            int slash = path.lastIndexOf('/');
            return slash < 0 ? path : path.substring(slash + 1);
        }
    }
}
