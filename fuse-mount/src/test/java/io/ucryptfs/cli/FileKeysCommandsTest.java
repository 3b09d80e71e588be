package io.ucryptfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.keystore.pkcs11.SoftHsm;
import io.ucryptfs.keystore.vault.FileKeys;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ucryptfs file-keys} and what mount's key options make of a vault's file keys, in process on
 * a SoftHSM2 token of each test's own: a file made token-only opens only with the token's PIN, even
 * with the passphrase; a file with both packets opens with either. (The real mount, with the PIN
 * handed to the daemon: it-tests' FuseTokenFileKeysTest.)
 */
class FileKeysCommandsTest {

    @TempDir
    Path dir;

    Path lower;
    Path conf;
    Path pass;
    Path pin;
    SoftHsm hsm;
    String uri;

    @BeforeEach
    void setUp() throws Exception {
        lower = dir.resolve("vault");
        conf = dir.resolve("vault.ucryptfs");
        pass = Files.writeString(dir.resolve("pass"), "first passphrase\n");
        pin = Files.writeString(dir.resolve("pin"), SoftHsm.PIN + "\n");
        assertEquals(0, run("init", lower.toString(), "--passfile", pass.toString()).code());
        hsm = SoftHsm.token(dir.resolve("hsm"), "fk").rsa("k", "01");
        hsm.module();
        uri = hsm.uri("k").format();
    }

    static OfflineToolsTest.Run run(String... args) {
        return OfflineToolsTest.run(args);
    }

    /** Writes {@code path} through core as a mount of the vault now would: the config's public key and mode. */
    private void writeAsMounted(String path, String content) throws Exception {
        VaultConfig c = VaultConfig.read(conf);
        FileKeys fk = FileKeys.of(c).orElseThrow();
        Vault.Unlocked u = Vault.unlock(c, "first passphrase".toCharArray(), n -> { });
        KeyRing ring = KeyRing.of(u.keys().fileKeys(), u.keys().nameKey(), List.of(fk.publicWrapper()), List.of());
        MountOptions o = MountOptions.builder(ring).keyBytes(u.keyBytes()).encryptNames(u.encryptNames())
                .newFileKeys(fk.mode().newFileKeys()).build();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, o)) {
            long h = fs.create(path, 0644);
            fs.write(h, ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)), 0);
            fs.release(h);
        } finally {
            ring.destroy();
        }
    }

    /** The one lower file whose header has no tag 3 packet (info needs no key for that). */
    private Path tokenOnlyLowerFile() throws Exception {
        Path found = null;
        try (Stream<Path> s = Files.list(lower)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                OfflineToolsTest.Run r = run("info", p.toString());
                assertEquals(0, r.code(), r.err());
                if (!r.out().contains("tag 3")) {
                    assertEquals(null, found, "two token-only files");
                    found = p;
                }
            }
        }
        assertTrue(found != null, "no token-only lower file");
        return found;
    }

    @Test
    void tokenOnlyFilesNeedTheTokenMixedOnesOpenWithEither() throws Exception {
        OfflineToolsTest.Run r = run("file-keys", "add", "--token", uri, "--pin-file", pin.toString(), "--mode", "token",
                lower.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("mode token (new files open only with the token)"), r.err());
        String text = Files.readString(conf);
        assertTrue(text.contains("[file-keys]\nmode = token\nuri = pkcs11:token=fk;object=k?module-path="), text);
        assertFalse(text.contains("pin"), "no PIN, no pin source in the config");
        String sig = FileKeys.of(VaultConfig.read(conf)).orElseThrow().keySig();
        r = run("file-keys", "show", lower.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("mode:    token") && r.out().contains("key-sig: " + sig + " (RSA-2048)"), r.out());

        writeAsMounted("/token-only.txt", "only the token\n".repeat(500));
        assertEquals(0, run("file-keys", "mode", "mount+token", lower.toString()).code());
        writeAsMounted("/mixed.txt", "either key\n".repeat(500));

        // the passphrase alone: the mixed file opens, the token-only one does not (a note says why)
        r = run("decrypt", "--passfile", pass.toString(), lower.toString(), dir.resolve("out1").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("files only token key " + sig + " opens will fail with EACCES: no PIN given"), r.err());
        assertTrue(r.err().contains("1 file could not be decrypted"), r.err());
        assertTrue(r.err().contains("token-only.txt"), r.err());
        assertEquals("either key\n".repeat(500), Files.readString(dir.resolve("out1/mixed.txt")));
        assertFalse(Files.exists(dir.resolve("out1/token-only.txt")) && Files.size(dir.resolve("out1/token-only.txt")) > 0);

        // the passphrase and the token's PIN: both open
        r = run("decrypt", "--passfile", pass.toString(), "--pin-file", pin.toString(), lower.toString(),
                dir.resolve("out2").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("only the token\n".repeat(500), Files.readString(dir.resolve("out2/token-only.txt")));
        assertEquals("either key\n".repeat(500), Files.readString(dir.resolve("out2/mixed.txt")));

        // info: the packets and whether the token key is held
        Path tokenOnly = tokenOnlyLowerFile();
        r = run("info", "--config", conf.toString(), "--passfile", pass.toString(), tokenOnly.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tag 1 (public key, algorithm 1 RSA"), r.out());
        assertTrue(r.out().contains("the vault's token key: not held"), r.out());
        assertTrue(r.out().contains("opens:          no"), r.out());
        r = run("info", "--config", conf.toString(), "--passfile", pass.toString(), "--pin-file", pin.toString(),
                tokenOnly.toString());
        assertTrue(r.out().contains("opens with token key " + sig) && r.out().contains("opens:          yes"), r.out());

        // a wrong PIN: exit 2, the token's words
        Path wrongPin = Files.writeString(dir.resolve("wrong-pin"), "0000\n");
        r = run("decrypt", "--passfile", pass.toString(), "--pin-file", wrongPin.toString(), lower.toString(),
                dir.resolve("never").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("wrong PIN for token fk"), r.err());

        // the token gone: the passphrase still opens the mixed file, with a note
        hsm.remove();
        hsm.module();
        r = run("decrypt", "--passfile", pass.toString(), "--pin-file", pin.toString(), lower.toString(),
                dir.resolve("out3").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("not present"), r.err());
        assertEquals("either key\n".repeat(500), Files.readString(dir.resolve("out3/mixed.txt")));
    }

    @Test
    void theTokenProtectorsPinOpensTheFileKeysToo() throws Exception {
        OfflineToolsTest.Run r = run("protector", "add", "token", "--uri", uri, "--pin-file", pin.toString(),
                lower.toString(), "--passfile", pass.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(0, run("file-keys", "add", "--token", uri, "--pin-file", pin.toString(), "--mode", "token",
                lower.toString()).code());
        writeAsMounted("/t.txt", "token\n");
        // --token: the protector and the file keys, one PIN
        r = run("decrypt", "--token", uri, "--pin-file", pin.toString(), lower.toString(), dir.resolve("a").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("token\n", Files.readString(dir.resolve("a/t.txt")));
        // token first (present): the same
        r = run("decrypt", "--pin-file", pin.toString(), lower.toString(), dir.resolve("b").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("token\n", Files.readString(dir.resolve("b/t.txt")));
    }

    @Test
    void thePinRidesWithTheMountPassphraseToTheDaemon() throws Exception {
        VaultFileKeys front = new VaultFileKeys();
        char[] line = front.appendPin("00ff".toCharArray());
        assertArrayEquals("00ff".toCharArray(), line, "no PIN known: the line is the hex alone");
        VaultFileKeys daemon = new VaultFileKeys();
        assertArrayEquals("00ff".toCharArray(), daemon.splitPin("00ff".toCharArray()));
        // with a PIN (as offer() keeps it from the token credential)
        VaultFileKeys withPin = new VaultFileKeys();
        withPin.splitPin("ab 31323334c3a9".toCharArray()); // "1234é"
        char[] sent = withPin.appendPin("ab".toCharArray());
        assertEquals("ab 31323334c3a9", new String(sent));
        VaultFileKeys got = new VaultFileKeys();
        assertArrayEquals("ab".toCharArray(), got.splitPin(sent));
        assertEquals("ab 31323334c3a9", new String(got.appendPin("ab".toCharArray())));
    }

    @Test
    void errorsAndHelp() throws Exception {
        OfflineToolsTest.Run r = run("file-keys", "mode", "token", lower.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("has no file keys (ucryptfs file-keys add --token URI LOWER)"), r.err());
        r = run("file-keys", "add", "--token", uri, "--pin-file", pin.toString(), "--mode", "both", lower.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("ucryptfs: --mode: 'both' is not mount, mount+token or token"), r.err());
        r = run("file-keys", "add", lower.toString());
        assertTrue(r.err().startsWith("ucryptfs: give the token's key: --token URI"), r.err());
        Path wrongPin = Files.writeString(dir.resolve("wrong-pin"), "0000\n");
        r = run("file-keys", "add", "--token", uri, "--pin-file", wrongPin.toString(), lower.toString());
        assertEquals(2, r.code(), r.err());
        assertFalse(Files.readString(conf).contains("[file-keys]"), "nothing stored after a wrong PIN");
        assertEquals(0, run("file-keys", "add", "--token", uri, "--pin-file", pin.toString(), lower.toString()).code());
        assertTrue(Files.readString(conf).contains("mode = mount+token"));
        r = run("file-keys", "add", "--token", uri, "--pin-file", pin.toString(), lower.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("has file keys already"), r.err());
        r = run("file-keys", "add", "--token", "pkcs11:token=nope;object=k?module-path=" + SoftHsm.MODULE,
                "--pin-file", pin.toString(), dir.resolve("other").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("is not a ucryptfs vault"), r.err());
        r = run("file-keys");
        assertEquals(2, r.code(), r.err());
        r = run("file-keys", "remove", lower.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.readString(conf).contains("[file-keys]"));
        for (String[] cmd : new String[][] {{"file-keys", "--help"}, {"file-keys", "add", "--help"},
                {"file-keys", "mode", "--help"}, {"file-keys", "show", "--help"}, {"file-keys", "remove", "--help"}}) {
            assertEquals(0, run(cmd).code(), String.join(" ", cmd));
        }
    }
}
