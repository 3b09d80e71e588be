package io.ucryptfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.testing.FsManifest;
import io.ucryptfs.fuse.MountTable;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.pkcs11.SoftHsm;
import io.ucryptfs.keystore.vault.TokenCredential;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ucryptfs protector list|add|remove} and {@code passwd}, in process. After every change each
 * file of the vault still decrypts (with the credentials that should work) and no lower file changed:
 * contents, sizes and mtimes of every lower entry are compared before and after. (Argon2id costs
 * 8 MiB and one pass here: the surefire configuration sets -Ducryptfs.argon2.)
 */
class ProtectorCommandsTest {

    @TempDir
    Path dir;

    Path lower;
    Path conf;
    Path pass;
    Path second;
    Path wrong;
    List<String> plaintext;
    Map<String, String> lowerBefore;

    @BeforeEach
    void setUp() throws Exception {
        lower = dir.resolve("vault");
        conf = dir.resolve("vault.ucryptfs");
        pass = Files.writeString(dir.resolve("pass"), "first passphrase\n");
        second = Files.writeString(dir.resolve("second"), "second passphrase\n");
        wrong = Files.writeString(dir.resolve("wrong"), "not it\n");
        assertEquals(0, run("init", lower.toString(), "--passfile", pass.toString()).code());
        plaintext = fill();
        lowerBefore = snapshot(lower);
    }

    static OfflineToolsTest.Run run(String... args) {
        return OfflineToolsTest.run(args);
    }

    /** Files, a directory, a symlink, written through core with the vault's keys. */
    private List<String> fill() throws Exception {
        return through(Vault.unlock(conf, "first passphrase".toCharArray(), n -> { }), fs -> {
            fs.mkdir("/docs", 0755);
            write(fs, "/docs/a.txt", "alpha\n".repeat(1000));
            write(fs, "/b.bin", "b".repeat(70_000));
            write(fs, "/empty", "");
            fs.symlink("docs/a.txt", "/link");
        });
    }

    interface FsWork {
        void run(CryptFileSystem fs) throws Exception;
    }

    /** Does {@code work} through core with the keys of {@code u} (then destroyed); the tree's manifest after. */
    private List<String> through(Vault.Unlocked u, FsWork work) throws Exception {
        MountOptions o = MountOptions.builder(u.keys()).keyBytes(u.keyBytes()).encryptNames(u.encryptNames()).build();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, o)) {
            work.run(fs);
            return FsManifest.of(fs);
        } finally {
            u.destroy();
        }
    }

    private static void write(CryptFileSystem fs, String path, String content) throws Exception {
        long h = fs.create(path, 0644);
        fs.write(h, ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)), 0);
        fs.release(h);
    }

    /** Every lower entry: type, size, sha256 (files) or target (links), mtime to the nanosecond. */
    static Map<String, String> snapshot(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String what;
                if (Files.isSymbolicLink(p)) {
                    what = "L " + Files.readSymbolicLink(p);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    what = "D";
                } else {
                    what = "F " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                out.put(root.relativize(p).toString(), what + " " + a.size() + " " + a.lastModifiedTime().toInstant());
            }
        }
        return out;
    }

    /** The acceptance check after a change: the lower tree is as it was, and these key options decrypt all of it. */
    private void assertUntouchedAndReadable(String... keyArgs) throws Exception {
        assertEquals(lowerBefore, snapshot(lower), "a lower file changed");
        Path out = dir.resolve("out-" + System.nanoTime());
        List<String> args = new ArrayList<>(List.of("decrypt"));
        args.addAll(List.of(keyArgs));
        args.addAll(List.of(lower.toString(), out.toString()));
        OfflineToolsTest.Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertEquals(plaintext, FsManifest.ofPlainDir(out));
        assertEquals(lowerBefore, snapshot(lower), "decrypt changed a lower file");
    }

    private void assertWrong(String... keyArgs) {
        List<String> args = new ArrayList<>(List.of("decrypt"));
        args.addAll(List.of(keyArgs));
        args.addAll(List.of(lower.toString(), dir.resolve("never").toString()));
        OfflineToolsTest.Run r = run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("ucryptfs: wrong "), r.err());
        assertFalse(Files.exists(dir.resolve("never")));
    }

    private List<String> listLines() {
        OfflineToolsTest.Run r = run("protector", "list", lower.toString());
        assertEquals(0, r.code(), r.err());
        return r.out().lines().toList();
    }

    @Test
    void initMakesOneArgon2idProtectorAndListShowsIt() throws Exception {
        List<String> lines = listLines();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("ID\\s+KIND\\s+LABEL\\s+CREATED\\s+DETAILS"), lines.get(0));
        assertTrue(lines.get(1).matches("passphrase\\s+passphrase-argon2id-v1\\s+-\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\s+argon2id 8 MiB, 1 pass, 1 lane"),
                lines.get(1));
        assertUntouchedAndReadable("--passfile", pass.toString());
        assertWrong("--passfile", wrong.toString());
    }

    @Test
    void addEachKindThenRemove() throws Exception {
        OfflineToolsTest.Run r = run("protector", "add", "passphrase", lower.toString(), "--passfile", pass.toString(),
                "--new-passfile", second.toString(), "--label", "spare one");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("added protector passphrase-2"), r.err());
        assertUntouchedAndReadable("--passfile", second.toString());

        Path key = dir.resolve("usb/vault.key");
        Files.createDirectory(key.getParent());
        r = run("protector", "add", "keyfile", key.toString(), lower.toString(), "--passfile", second.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("made key file " + key), r.err());
        assertEquals(64, Files.size(key));
        assertUntouchedAndReadable("--keyfile", key.toString());

        Path third = Files.writeString(dir.resolve("third"), "third passphrase\n");
        r = run("protector", "add", "ecryptfs-wrapped", lower.toString(), "--keyfile", key.toString(),
                "--new-passfile", third.toString());
        assertEquals(0, r.code(), r.err());
        assertUntouchedAndReadable("--passfile", third.toString());

        List<String> lines = listLines();
        assertEquals(5, lines.size(), lines.toString());
        assertTrue(lines.get(2).matches("passphrase-2\\s+passphrase-argon2id-v1\\s+spare one\\s+\\S+Z\\s+argon2id.*"), lines.get(2));
        assertTrue(lines.get(3).matches("keyfile\\s+keyfile-hkdf-sha256-v1\\s+-\\s+.*HKDF.*"), lines.get(3));
        assertTrue(lines.get(4).matches("ecryptfs-wrapped\\s+ecryptfs-wrapped-passphrase-v2\\s.*"), lines.get(4));

        // remove needs another protector to open: the first passphrase cannot remove its own protector
        r = run("protector", "remove", lower.toString(), "passphrase", "--passfile", pass.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("other protectors"), r.err());
        r = run("protector", "remove", lower.toString(), "passphrase", "--keyfile", key.toString());
        assertEquals(0, r.code(), r.err());
        assertUntouchedAndReadable("--passfile", second.toString());
        assertWrong("--passfile", pass.toString());
        r = run("protector", "remove", lower.toString(), "keyfile", "--passfile", third.toString());
        assertEquals(0, r.code(), r.err());
        r = run("decrypt", "--keyfile", key.toString(), lower.toString(), dir.resolve("never").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("has no protector this version of ucryptfs can open with key file"), r.err());
        assertUntouchedAndReadable("--passfile", third.toString());
        assertEquals(3, listLines().size());
    }

    @Test
    void theLastProtectorIsNotRemoved() throws Exception {
        String before = Files.readString(conf);
        OfflineToolsTest.Run r = run("protector", "remove", lower.toString(), "passphrase", "--passfile", pass.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("is the last one"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals(before, Files.readString(conf));
        r = run("protector", "remove", lower.toString(), "nope", "--passfile", pass.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("no protector nope"), r.err());
        assertUntouchedAndReadable("--passfile", pass.toString());
    }

    @Test
    void passwdOldStopsNewWorks() throws Exception {
        String created = listLines().get(1).split("\\s+")[3];
        OfflineToolsTest.Run r = run("passwd", lower.toString(), "--passfile", pass.toString(), "--new-passfile", second.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("protector passphrase of " + conf + " has a new passphrase"), r.err());
        assertWrong("--passfile", pass.toString());
        assertUntouchedAndReadable("--passfile", second.toString());
        assertEquals(created, listLines().get(1).split("\\s+")[3], "same protector, same creation date");
        // a wrong old passphrase changes nothing
        String before = Files.readString(conf);
        r = run("passwd", lower.toString(), "--passfile", pass.toString(), "--new-passfile", wrong.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("ucryptfs: wrong passphrase\n", r.err());
        assertEquals(before, Files.readString(conf));
    }

    @Test
    void passwdWithAKeyFileForAForgottenPassphrase() throws Exception {
        Path key = dir.resolve("k");
        assertEquals(0, run("protector", "add", "keyfile", key.toString(), lower.toString(), "--passfile", pass.toString()).code());
        OfflineToolsTest.Run r = run("passwd", lower.toString(), "--keyfile", key.toString(), "--new-passfile", second.toString());
        assertEquals(0, r.code(), r.err());
        assertWrong("--passfile", pass.toString());
        assertUntouchedAndReadable("--passfile", second.toString());
        r = run("passwd", lower.toString(), "--keyfile", key.toString(), "--id", "keyfile", "--new-passfile", second.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("passphrase protectors only"), r.err());
    }

    @Test
    void mountWithAKeyFileChecksIt() throws Exception {
        Path key = dir.resolve("k");
        assertEquals(0, run("protector", "add", "keyfile", key.toString(), lower.toString(), "--passfile", pass.toString()).code());
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Path otherKey = Files.write(dir.resolve("other"), new byte[48]);
        OfflineToolsTest.Run r = run("mount", lower.toString(), mnt.toString(), "--keyfile", otherKey.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals("ucryptfs: wrong key file: " + otherKey + " opens no protector of " + conf + "\n", r.err());
        assertEquals(Optional.empty(), MountTable.typeAt(mnt));
        // as mount(8) calls it: mount -t fuse.ucryptfs LOWER MNT -o keyfile=F
        r = run(lower.toString(), mnt.toString(), "-o", "rw,keyfile=" + otherKey);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("ucryptfs: wrong key file: " + otherKey), r.err());
        r = run("mount", lower.toString(), mnt.toString(), "--keyfile", key.toString(), "--passfile", pass.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("do not go together"), r.err());
    }

    @Test
    void aVaultWithOnlyTheEcryptfsWrappedPassphraseKeepsWorking() throws Exception {
        Path old = dir.resolve("old");
        OfflineToolsTest.Run r = run("init", old.toString(), "--passfile", pass.toString(), "--ecryptfs-wrapped");
        assertEquals(0, r.code(), r.err());
        Path oldConf = dir.resolve("old.ucryptfs");
        // as this version wrote vaults before Argon2id: [protector passphrase], no created
        Files.writeString(oldConf, Files.readString(oldConf).replace("[protector ecryptfs-wrapped]", "[protector passphrase]")
                .replaceAll("created = .*\n", ""));
        lower = old;
        conf = oldConf;
        plaintext = fill();
        lowerBefore = snapshot(lower);
        assertUntouchedAndReadable("--passfile", pass.toString());
        List<String> lines = listLines();
        assertTrue(lines.get(1).matches("passphrase\\s+ecryptfs-wrapped-passphrase-v2\\s+-\\s+-\\s+ecryptfs-utils.*"), lines.get(1));
        r = run("protector", "add", "passphrase", lower.toString(), "--passfile", pass.toString(), "--new-passfile", second.toString());
        assertEquals(0, r.code(), r.err());
        assertUntouchedAndReadable("--passfile", second.toString());
        r = run("passwd", lower.toString(), "--passfile", pass.toString(), "--new-passfile", wrong.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(conf).contains("[protector passphrase]\nkind = ecryptfs-wrapped-passphrase-v2\n"));
        assertUntouchedAndReadable("--passfile", wrong.toString());
    }

    @Test
    void aDamagedProtectorSaysDamaged() throws Exception {
        String text = Files.readString(conf);
        Files.writeString(conf, text.replaceAll("argon2-iterations = 1", "argon2-iterations = 2"));
        OfflineToolsTest.Run r = run("decrypt", "--passfile", pass.toString(), lower.toString(), dir.resolve("o").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("[protector passphrase] is damaged"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        r = run("protector", "list", lower.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("is damaged"), r.out());
    }

    // ---- PKCS#11 token protectors, on a SoftHSM2 token of each test's own ----

    private SoftHsm hsm;
    private Path pin;

    /** A token with {@code key} ("rsa", "aes" or "ec"), and a token protector of it added with the passphrase. */
    private String addToken(String label, String key) throws Exception {
        hsm = SoftHsm.token(dir.resolve("hsm"), label);
        switch (key) {
            case "rsa" -> hsm.rsa("k", "01");
            case "ec" -> hsm.ec("k", "03", "prime256v1");
            default -> hsm.aes("k", "02");
        }
        hsm.module();
        pin = Files.writeString(dir.resolve("pin"), SoftHsm.PIN + "\n");
        String uri = hsm.uri("k").format();
        OfflineToolsTest.Run r = run("protector", "add", "token", "--uri", uri, "--pin-file", pin.toString(),
                "--label", "usb token", lower.toString(), "--passfile", pass.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("added protector token (pkcs11-token-v1)"), r.err());
        return uri;
    }

    @Test
    void tokenProtectorOpensWithTheTokenAndItsPin() throws Exception {
        String uri = addToken("cli", "rsa");
        assertUntouchedAndReadable("--token", uri, "--pin-file", pin.toString());
        // without --token: the vault's token is present, so it is tried first (PIN from --pin-file)
        assertUntouchedAndReadable("--pin-file", pin.toString());
        assertUntouchedAndReadable("--token", "pkcs11:token=cli", "--pin-file", pin.toString());
        assertUntouchedAndReadable("--passfile", pass.toString());
        List<String> lines = listLines();
        assertTrue(lines.get(2).matches("token\\s+pkcs11-token-v1\\s+usb token\\s+\\S+Z\\s+token cli, key \"k\", rsa-oaep-sha1"),
                lines.get(2));
        assertFalse(Files.readString(conf).contains("pin"), "no PIN, no pin source in the config");
        // info on a top-level lower file: the token opens the vault, whose key opens the file
        Path top;
        try (Stream<Path> files = Files.list(lower)) {
            top = files.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        OfflineToolsTest.Run info = run("info", "--token", uri, "--pin-file", pin.toString(), top.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("opens:          yes"), info.out());

        // a wrong PIN: exit 2, the token's words, tried once; nothing mounted, nothing written
        Path wrongPin = Files.writeString(dir.resolve("wrong-pin"), "0000\n");
        assertWrong("--token", uri, "--pin-file", wrongPin.toString());
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        OfflineToolsTest.Run r = run("mount", lower.toString(), mnt.toString(), "--token", uri, "--pin-file", wrongPin.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("ucryptfs: wrong PIN for token cli: wrong PINs have been entered"), r.err());
        assertEquals(Optional.empty(), MountTable.typeAt(mnt));
        // as mount(8) calls it
        r = run(lower.toString(), mnt.toString(), "-o", "token=" + uri + ",pinfile=" + wrongPin);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("ucryptfs: wrong PIN for token cli"), r.err());
        r = run("decrypt", "--token", "pkcs11:token=other", "--pin-file", pin.toString(), lower.toString(),
                dir.resolve("never").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("ucryptfs: wrong token: no token protector"), r.err());
        assertUntouchedAndReadable("--pin-file", pin.toString()); // the right PIN still works
    }

    @Test
    void ecTokenProtectorOpensWithTheTokenAndItsPin() throws Exception {
        String uri = addToken("ec", "ec");
        assertUntouchedAndReadable("--token", uri, "--pin-file", pin.toString());
        assertUntouchedAndReadable("--passfile", pass.toString());
        List<String> lines = listLines();
        assertTrue(lines.get(2).matches("token\\s+pkcs11-token-v1\\s+usb token\\s+\\S+Z\\s+token ec, key \"k\", ecdh-p256"),
                lines.get(2));
        assertTrue(Files.readString(conf).contains("mechanism = ecdh-p256"));
        Path wrongPin = Files.writeString(dir.resolve("wrong-pin"), "0000\n");
        assertWrong("--token", uri, "--pin-file", wrongPin.toString());
        assertUntouchedAndReadable("--token", uri, "--pin-file", pin.toString());
    }

    @Test
    void tokenLostForGoodThePassphraseOpensEverything() throws Exception {
        String uri = addToken("lost", "aes");
        // a file written while open with the token
        Vault.Unlocked u = Vault.unlock(VaultConfig.read(conf),
                new TokenCredential(Pkcs11Uri.parse(uri), SoftHsm.PIN.toCharArray()), n -> { });
        plaintext = through(u, fs -> write(fs, "/docs/while-token.txt", "written with the token\n".repeat(300)));
        lowerBefore = snapshot(lower);
        assertUntouchedAndReadable("--token", uri, "--pin-file", pin.toString());

        hsm.remove();
        OfflineToolsTest.Run r = run("decrypt", "--token", uri, "--pin-file", pin.toString(), lower.toString(),
                dir.resolve("never").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("ucryptfs: protector [protector token]: token lost not present"), r.err());
        assertUntouchedAndReadable("--passfile", pass.toString());
        // no key options: the token is looked for, found missing, and the passphrase asked for (stdin here)
        java.io.InputStream in = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("first passphrase\n".getBytes(StandardCharsets.UTF_8)));
            Path out = dir.resolve("fallback");
            r = run("decrypt", lower.toString(), out.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().startsWith("ucryptfs: token lost not present"), r.err());
            assertTrue(r.err().contains("using the passphrase instead"), r.err());
            assertEquals(plaintext, FsManifest.ofPlainDir(out));
        } finally {
            System.setIn(in);
        }
        assertEquals(lowerBefore, snapshot(lower));
    }

    @Test
    void helpAndUsage() {
        for (String[] cmd : new String[][] {{"protector", "--help"}, {"protector", "list", "--help"},
                {"protector", "add", "--help"}, {"protector", "add", "passphrase", "--help"},
                {"protector", "add", "keyfile", "--help"}, {"protector", "add", "ecryptfs-wrapped", "--help"},
                {"protector", "add", "token", "--help"},
                {"protector", "remove", "--help"}, {"passwd", "--help"}}) {
            OfflineToolsTest.Run r = run(cmd);
            assertEquals(0, r.code(), String.join(" ", cmd) + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: ucryptfs " + cmd[0]), r.out());
        }
        OfflineToolsTest.Run r = run("protector", "list", dir.resolve("nothing").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is not a ucryptfs vault"), r.err());
    }
}
