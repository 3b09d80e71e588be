package io.ucryptfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.testing.FsManifest;
import io.ucryptfs.keystore.pkcs11.SoftHsm;
import io.ucryptfs.keystore.pkcs11.TokenModule;
import io.ucryptfs.keystore.vault.Vault;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code protector add recovery} and {@code recover}, in process: 3 of 5 shares give the vault a new
 * passphrase; 2 do not, and say so; a mistyped share is named; no lower file changes.
 */
class RecoveryCommandsTest {

    @TempDir
    Path dir;

    Path lower;
    Path conf;
    Path pass;
    Path shares;
    List<String> plaintext;
    Map<String, String> lowerBefore;

    @BeforeEach
    void setUp() throws Exception {
        lower = dir.resolve("vault");
        conf = dir.resolve("vault.ucryptfs");
        pass = Files.writeString(dir.resolve("pass"), "first passphrase\n");
        assertEquals(0, OfflineToolsTest.run("init", lower.toString(), "--passfile", pass.toString()).code());
        Vault.Unlocked u = Vault.unlock(conf, "first passphrase".toCharArray(), n -> { });
        MountOptions o = MountOptions.builder(u.keys()).keyBytes(u.keyBytes()).encryptNames(u.encryptNames()).build();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, o)) {
            long h = fs.create("/letter.txt", 0644);
            fs.write(h, ByteBuffer.wrap("dear keeper\n".repeat(500).getBytes(StandardCharsets.UTF_8)), 0);
            fs.release(h);
            plaintext = FsManifest.of(fs);
        } finally {
            u.destroy();
        }
        lowerBefore = ProtectorCommandsTest.snapshot(lower);
        shares = dir.resolve("shares");
        OfflineToolsTest.Run r = OfflineToolsTest.run("protector", "add", "recovery", "--threshold", "3", "--shares", "5",
                "--out-dir", shares.toString(), "--passfile", pass.toString(), lower.toString());
        assertEquals(0, r.code(), r.err());
    }

    private String share(int i) throws Exception {
        return Files.readString(shares.resolve("share-" + i + ".txt"));
    }

    @Test
    void sharesAreWrittenPrivatelyAndListed() throws Exception {
        for (int i = 1; i <= 5; i++) {
            Path f = shares.resolve("share-" + i + ".txt");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
            assertTrue(Files.readString(f).startsWith("ucryptfs recovery share " + i + " of 5, any 3 recover"), Files.readString(f));
        }
        OfflineToolsTest.Run list = OfflineToolsTest.run("protector", "list", lower.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("recovery") && list.out().contains("any 3 of 5"), list.out());
        assertEquals(lowerBefore, ProtectorCommandsTest.snapshot(lower), "a lower file changed");
    }

    @Test
    void threeSharesGiveANewPassphraseAndTwoDoNot() throws Exception {
        Path newPass = Files.writeString(dir.resolve("new"), "after the fire\n");
        OfflineToolsTest.Run two = OfflineToolsTest.run("recover", "--share", share(2), "--share", share(5),
                "--new-passfile", newPass.toString(), lower.toString());
        assertEquals(2, two.code(), two.err());
        assertTrue(two.err().contains("too few shares (2 of 3 needed)"), two.err());

        OfflineToolsTest.Run three = OfflineToolsTest.run("recover", "--share", share(5), "--share", share(1),
                "--share", share(3), "--new-passfile", newPass.toString(), lower.toString());
        assertEquals(0, three.code(), three.err());

        Path out = dir.resolve("out");
        OfflineToolsTest.Run d = OfflineToolsTest.run("decrypt", "--passfile", newPass.toString(), lower.toString(), out.toString());
        assertEquals(0, d.code(), d.err());
        assertEquals(plaintext, FsManifest.ofPlainDir(out));
        assertEquals(lowerBefore, ProtectorCommandsTest.snapshot(lower), "a lower file changed");
    }

    @Test
    void aSharesFileAndAMistypedShare() throws Exception {
        Path newPass = Files.writeString(dir.resolve("new"), "after the flood\n");
        String s4 = share(4);
        int at = s4.indexOf('\n') + 3; // a character of the code
        String typo = s4.substring(0, at) + (s4.charAt(at) == '7' ? '8' : '7') + s4.substring(at + 1);
        Path file = Files.writeString(dir.resolve("typed"), share(1) + "\n" + typo + "\n" + share(2));
        OfflineToolsTest.Run bad = OfflineToolsTest.run("recover", "--shares-file", file.toString(),
                "--new-passfile", newPass.toString(), lower.toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("share 4") && bad.err().contains("mistyped"), bad.err());

        List<String> good = new ArrayList<>(List.of(share(1), share(4), share(2)));
        Files.writeString(file, String.join("\n", good));
        OfflineToolsTest.Run ok = OfflineToolsTest.run("recover", "--shares-file", file.toString(),
                "--new-passfile", newPass.toString(), lower.toString());
        assertEquals(0, ok.code(), ok.err());
        assertEquals(lowerBefore, ProtectorCommandsTest.snapshot(lower), "a lower file changed");
    }

    // ---- shares on tokens: five SoftHSM2 tokens card1..card5 in one token directory ----

    private static String card(int i) {
        return "pkcs11:token=card" + i + "?module-path=" + SoftHsm.MODULE;
    }

    private static List<String> args(String... a) {
        return new ArrayList<>(List.of(a));
    }

    @Test
    void sharesOnFiveTokensAnyThreeRecover() throws Exception {
        for (int i = 1; i <= 5; i++) {
            SoftHsm.token(dir.resolve("hsm"), "card" + i);
        }
        TokenModule.load(SoftHsm.MODULE).reinitialize();
        Path pin = Files.writeString(dir.resolve("pin"), SoftHsm.PIN + "\n");
        Path wrongPin = Files.writeString(dir.resolve("wrong-pin"), "0000\n");

        // refused before any prompt: a mix with --out-dir, a count of tokens other than N
        OfflineToolsTest.Run mix = OfflineToolsTest.run("protector", "add", "recovery", "--threshold", "3", "--shares", "5",
                "--token", card(1), "--out-dir", dir.resolve("x").toString(), lower.toString());
        assertEquals(1, mix.code(), mix.err());
        assertTrue(mix.err().contains("--token and --out-dir do not go together"), mix.err());
        OfflineToolsTest.Run four = OfflineToolsTest.run("protector", "add", "recovery", "--threshold", "3", "--shares", "5",
                "--token", card(1), "--token", card(2), lower.toString());
        assertEquals(1, four.code(), four.err());
        assertTrue(four.err().contains("give one --token per share: 5 shares, 2 tokens"), four.err());

        // a wrong PIN on the 5th card: nothing is added, nothing is left on cards 1 to 4
        String before = Files.readString(conf);
        List<String> add = args("protector", "add", "recovery", "--threshold", "3", "--shares", "5", "--label", "cards",
                "--passfile", pass.toString(), lower.toString());
        for (int i = 1; i <= 5; i++) {
            add.addAll(List.of("--token", card(i), "--pin-file", (i == 5 ? wrongPin : pin).toString()));
        }
        OfflineToolsTest.Run bad = OfflineToolsTest.run(add.toArray(String[]::new));
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("wrong PIN for token card5"), bad.err());
        assertEquals(before, Files.readString(conf));

        add.set(add.size() - 1, pin.toString());
        OfflineToolsTest.Run ok = OfflineToolsTest.run(add.toArray(String[]::new));
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.err().contains("wrote share 3 of 5 to token card3"), ok.err());
        assertTrue(ok.out().isEmpty(), "no share printed: " + ok.out());

        Path newPass = Files.writeString(dir.resolve("new"), "cards on the table\n");
        OfflineToolsTest.Run two = OfflineToolsTest.run("recover", "--token", card(2), "--token", card(4),
                "--pin-file", pin.toString(), "--pin-file", pin.toString(), "--new-passfile", newPass.toString(), lower.toString());
        assertEquals(2, two.code(), two.err());
        assertTrue(two.err().contains("too few shares (2 of 3 needed)"), two.err());

        OfflineToolsTest.Run three = OfflineToolsTest.run("recover", "--token", card(1), "--token", card(3), "--token", card(5),
                "--pin-file", pin.toString(), "--pin-file", pin.toString(), "--pin-file", pin.toString(),
                "--new-passfile", newPass.toString(), lower.toString());
        assertEquals(0, three.code(), three.err());
        Path out = dir.resolve("out");
        OfflineToolsTest.Run d = OfflineToolsTest.run("decrypt", "--passfile", newPass.toString(), lower.toString(), out.toString());
        assertEquals(0, d.code(), d.err());
        assertEquals(plaintext, FsManifest.ofPlainDir(out));

        // cards beside a typed share: both are given to the recovery protectors; one of the printed set
        // is of another set than the cards' and is refused, naming it
        OfflineToolsTest.Run other = OfflineToolsTest.run("recover", "--token", card(1), "--token", card(3),
                "--pin-file", pin.toString(), "--pin-file", pin.toString(), "--share", share(2),
                "--new-passfile", newPass.toString(), lower.toString());
        assertEquals(2, other.code(), other.err());
        assertTrue(other.err().contains("different sets"), other.err());

        // the protector commands take share tokens too (several --token)
        Path third = Files.writeString(dir.resolve("third"), "third passphrase\n");
        OfflineToolsTest.Run mixed = OfflineToolsTest.run("protector", "add", "passphrase", "--token", card(2), "--token", card(4),
                "--token", card(5), "--pin-file", pin.toString(), "--pin-file", pin.toString(), "--pin-file", pin.toString(),
                "--new-passfile", third.toString(), lower.toString());
        assertEquals(0, mixed.code(), mixed.err());
        assertEquals(lowerBefore, ProtectorCommandsTest.snapshot(lower), "a lower file changed");
    }

    @Test
    void badThresholdIsRefusedBeforeAnyPrompt() {
        OfflineToolsTest.Run r = OfflineToolsTest.run("protector", "add", "recovery", "--threshold", "4", "--shares", "3",
                lower.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("1 <= K <= N"), r.err());
    }
}
