package io.ucryptfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.testing.FsManifest;
import io.ucryptfs.core.testing.VectorKeys;
import io.ucryptfs.core.testing.Vectors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code ucryptfs info} and {@code ucryptfs decrypt}, in-process through {@link Main#run}, on the kernel vectors. */
class OfflineToolsTest {

    @TempDir
    Path tmp;

    /** The exit code and what a command printed. */
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Stream<String> cases() {
        return VectorKeys.CASES.stream();
    }

    /** The key options that open a vector case, passphrases in files under {@code tmp}. */
    private List<String> keyArgs(String caseName) throws Exception {
        List<String> args = new ArrayList<>();
        if (caseName.equals("wrapped_passphrase")) {
            Path login = Files.writeString(tmp.resolve("login"), "login-passphrase-123\n");
            args.addAll(List.of("--wrapped-passphrase", Vectors.caseDir(caseName).resolve("wrapped-passphrase").toString(),
                    "--passfile", login.toString()));
        } else {
            Path pass = Files.writeString(tmp.resolve("pass"), Vectors.caseInfo(caseName).get("passphrase") + "\n");
            args.addAll(List.of("--ecryptfs", "--passfile", pass.toString()));
            if (VectorKeys.keyBytes(caseName) != 16) {
                args.addAll(List.of("--key-bytes", Integer.toString(VectorKeys.keyBytes(caseName))));
            }
        }
        return args;
    }

    private Run decrypt(String caseName, Path lower, Path out) throws Exception {
        List<String> args = new ArrayList<>(List.of("decrypt"));
        args.addAll(keyArgs(caseName));
        args.addAll(List.of(lower.toString(), out.toString()));
        return run(args.toArray(String[]::new));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void decryptRestoresEveryVectorCase(String caseName) throws Exception {
        Path t = Vectors.extract(caseName, tmp.resolve("t"));
        Path lower = Vectors.lower(t);
        Path out = tmp.resolve("out");
        // lower modes and times are the plaintext's: give some that the vectors do not have
        Path someFile;
        Path someDir;
        try (Stream<Path> s = Files.list(lower)) {
            List<Path> entries = s.sorted().toList();
            someFile = entries.stream().filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).findFirst().orElseThrow();
            someDir = entries.stream().filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).findFirst().orElseThrow();
        }
        Files.setAttribute(someFile, "unix:mode", 0640);
        Files.setLastModifiedTime(someFile, FileTime.from(Instant.parse("2001-02-03T04:05:06.789Z")));
        Files.setAttribute(someDir, "unix:mode", 0750);

        Run r = decrypt(caseName, lower, out);

        assertEquals(0, r.code(), r.err());
        assertEquals(FsManifest.read(Vectors.caseDir(caseName).resolve("plain-manifest.txt")), FsManifest.ofPlainDir(out));
        // every entry's mode and mtime as the engine reads them from the lower file
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, VectorKeys.options(caseName).readOnly(true).build());
                Stream<Path> s = Files.walk(out)) {
            int modes = 0;
            for (Path p : (Iterable<Path>) s::iterator) { // out itself too: it takes the root's mode and mtime
                FileAttributes a = fs.getattr("/" + out.relativize(p));
                assertEquals(a.mtime(), Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant(), p.toString());
                if (!a.isSymlink()) {
                    assertEquals(a.mode(), (int) Files.getAttribute(p, "unix:mode") & 07777, p.toString());
                    modes++;
                }
            }
            assertTrue(modes > 10);
        }
        assertTrue(Files.walk(out).anyMatch(p -> modeOf(p) == 0640
                && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                && lastModified(p).equals(Instant.parse("2001-02-03T04:05:06.789Z"))));
        assertTrue(Files.walk(out).anyMatch(p -> !p.equals(out) && modeOf(p) == 0750 && Files.isDirectory(p)));
        if (caseName.equals("aes128")) {
            // plaintext names: the lower file of each output file is beside it by name
            for (String f : List.of("size_4097", "dir_a/dir_b/dir_c/deep.txt", "empty_dir", "symlink_rel")) {
                assertEquals(lastModified(lower.resolve(f)), lastModified(out.resolve(f)), f);
            }
        }
    }

    private static int modeOf(Path p) {
        try {
            return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Instant lastModified(Path p) {
        try {
            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aCorruptedFileIsListedAndTheRestRestored() throws Exception {
        Path t = Vectors.extract("aes128", tmp.resolve("t"));
        Path lower = Vectors.lower(t);
        try (FileChannel ch = FileChannel.open(lower.resolve("size_4097"), StandardOpenOption.WRITE)) {
            ch.truncate(100); // below the 8 KiB header
        }
        // a zeroed marker: not an eCryptfs file any more
        try (FileChannel ch = FileChannel.open(lower.resolve("dir_a/dir_b/dir_c/deep.txt"), StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(8), 8);
        }
        Path out = tmp.resolve("out");

        Run r = decrypt("aes128", lower, out);

        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("2 files could not be decrypted:"), r.err());
        assertTrue(r.err().contains("  /size_4097: EIO"), r.err());
        assertTrue(r.err().contains("  /dir_a/dir_b/dir_c/deep.txt: EIO"), r.err());
        List<String> expected = new ArrayList<>(FsManifest.read(Vectors.caseDir("aes128").resolve("plain-manifest.txt")));
        assertTrue(expected.removeIf(l -> l.endsWith("\tsize_4097") || l.endsWith("\tdir_a/dir_b/dir_c/deep.txt")));
        assertEquals(expected, FsManifest.ofPlainDir(out));
    }

    @Test
    void aLowerNameThatDoesNotDecryptIsListed() throws Exception {
        Path t = Vectors.extract("aes128_fnek", tmp.resolve("t"));
        Path bogus = Vectors.lower(t).resolve("ECRYPTFS_FNEK_ENCRYPTED.FWbogusbogusbogusbogusbogusbogus--");
        Files.writeString(bogus, "x");
        Path out = tmp.resolve("out");

        Run r = decrypt("aes128_fnek", Vectors.lower(t), out);

        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("1 file could not be decrypted:\n  /" + bogus.getFileName() + ": the lower name does not decrypt"),
                r.err());
        assertEquals(FsManifest.read(Vectors.caseDir("aes128_fnek").resolve("plain-manifest.txt")), FsManifest.ofPlainDir(out));
    }

    @Test
    void aWrongPassphraseWritesNothing() throws Exception {
        Path t = Vectors.extract("aes128", tmp.resolve("t"));
        Path pass = Files.writeString(tmp.resolve("wrong"), "not-the-passphrase\n");
        Path out = tmp.resolve("out");

        Run r = run("decrypt", "--ecryptfs", "--passfile", pass.toString(), Vectors.lower(t).toString(), out.toString());

        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("ucryptfs: wrong passphrase"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void aNonEmptyOutdirIsRefused() throws Exception {
        Path t = Vectors.extract("aes128", tmp.resolve("t"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("x"), "x");

        Run r = decrypt("aes128", Vectors.lower(t), out);

        assertEquals(1, r.code());
        assertTrue(r.err().contains("is not empty"), r.err());
    }

    @Test
    void infoDescribesAKernelFile() throws Exception {
        Path t = Vectors.extract("aes128", tmp.resolve("t"));
        Path f = Vectors.lower(t).resolve("size_4097");
        String sig = Vectors.caseInfo("aes128").get("auth_tok_sig");

        Run r = run("info", f.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        String o = r.out();
        assertTrue(o.startsWith(f + ":\n"), o);
        assertTrue(o.contains("eCryptfs version 3, header at the front of the file"), o);
        assertTrue(o.contains("flags:          0x000002 (encrypted)"), o);
        assertTrue(o.contains("plaintext size: 4097 bytes"), o);
        assertTrue(o.contains("lower size:     16384 bytes, complete"), o);
        assertTrue(o.contains("header size:    8192 bytes"), o);
        assertTrue(o.contains("key packet 1:   tag 3 (passphrase), AES-128, signature " + sig + "\n"), o);
        assertFalse(o.contains("opens"), o);

        // with the key
        List<String> args = new ArrayList<>(List.of("info"));
        args.addAll(keyArgs("aes128"));
        args.add(f.toString());
        Run k = run(args.toArray(String[]::new));
        assertEquals(0, k.code(), k.err());
        assertTrue(k.out().contains("signature " + sig + ", opens with key " + sig), k.out());
    }

    @Test
    void infoOnATextFileSaysSoAndShowsTheOthers() throws Exception {
        Path t = Vectors.extract("aes256", tmp.resolve("t"));
        Path text = Files.writeString(tmp.resolve("notes.txt"), "just text\n");
        Path f = Vectors.lower(t).resolve("size_1");

        Run r = run("info", text.toString(), f.toString());

        assertEquals(1, r.code());
        assertEquals("ucryptfs: " + text + ": not an eCryptfs file: no eCryptfs marker at the front or in the user.ecryptfs xattr\n",
                r.err());
        assertTrue(r.out().contains("AES-256"), r.out());
        assertTrue(r.out().contains("plaintext size: 1 bytes"), r.out());
    }

    @Test
    void infoOnATruncatedFileSaysIncomplete() throws Exception {
        Path t = Vectors.extract("aes128", tmp.resolve("t"));
        Path f = Vectors.lower(t).resolve("size_4097");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(12288);
        }
        Run r = run("info", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("lower size:     12288 bytes, INCOMPLETE (16384 bytes needed)"), r.out());
    }

    @Test
    void helpOnBothCommands() {
        for (String cmd : List.of("info", "decrypt")) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.code());
            assertTrue(r.out().startsWith("Usage: ucryptfs " + cmd), r.out());
        }
        Run top = run("--help");
        assertTrue(top.out().contains("info") && top.out().contains("decrypt"), top.out());
    }
}
