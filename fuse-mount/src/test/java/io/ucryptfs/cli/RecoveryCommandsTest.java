package io.ucryptfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.testing.FsManifest;
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

    @Test
    void badThresholdIsRefusedBeforeAnyPrompt() {
        OfflineToolsTest.Run r = OfflineToolsTest.run("protector", "add", "recovery", "--threshold", "4", "--shares", "3",
                lower.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("1 <= K <= N"), r.err());
    }
}
