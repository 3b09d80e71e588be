package io.ucryptfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.fuse.MountTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ucryptfs init}, and {@code mount} of a vault up to the point where the keys are checked, in process. */
class InitCommandTest {

    @TempDir
    Path dir;

    Path lower;
    Path pass;
    Path wrong;
    Path mnt;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private PrintStream savedErr;
    private PrintStream savedOut;

    @BeforeEach
    void setUp() throws Exception {
        lower = dir.resolve("l");
        pass = Files.writeString(dir.resolve("pass"), "right passphrase\n");
        wrong = Files.writeString(dir.resolve("wrong"), "wrong passphrase\n");
        mnt = Files.createDirectory(dir.resolve("m"));
        savedErr = System.err;
        savedOut = System.out;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        // mount logs under $XDG_STATE_HOME or ~/.local/state; nothing is started in these tests
    }

    @AfterEach
    void tearDown() {
        System.setErr(savedErr);
        System.setOut(savedOut);
    }

    private int run(String... args) {
        err.reset();
        out.reset();
        return Main.run(args);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void initMakesAVault() throws Exception {
        assertEquals(0, run("init", lower.toString(), "--passfile", pass.toString()));
        assertTrue(Files.isDirectory(lower));
        Path conf = dir.resolve("l.ucryptfs");
        assertTrue(Files.isRegularFile(conf));
        assertTrue(Files.readString(conf).startsWith("ucryptfs-vault 1\n"));
        assertTrue(err().contains(conf.toString()), err());
        assertEquals("", out.toString(StandardCharsets.UTF_8), "no mount passphrase unless asked");
    }

    @Test
    void showMountPassphrase() throws Exception {
        assertEquals(0, run("init", lower.toString(), "--passfile", pass.toString(), "--show-mount-passphrase",
                "--key-bytes", "32", "--plaintext-names"));
        String mp = out.toString(StandardCharsets.UTF_8);
        assertTrue(mp.matches("[0-9a-f]{32}\n"), mp);
        String conf = Files.readString(dir.resolve("l.ucryptfs"));
        assertTrue(conf.contains("key-bytes = 32\n") && conf.contains("encrypt-names = false\n"), conf);
    }

    @Test
    void initTwiceIsAnError() {
        assertEquals(0, run("init", lower.toString(), "--passfile", pass.toString()));
        assertEquals(1, run("init", lower.toString(), "--passfile", pass.toString()));
        assertTrue(err().contains("already a vault"), err());
        assertEquals(1, err().lines().count(), err());
    }

    @Test
    void nonEmptyLowerIsAnError() throws Exception {
        Files.createDirectory(lower);
        Files.writeString(lower.resolve("file"), "x");
        assertEquals(1, run("init", lower.toString(), "--passfile", pass.toString()));
        assertTrue(err().contains("not empty"), err());
        assertFalse(Files.exists(dir.resolve("l.ucryptfs")));
    }

    @Test
    void badKeyBytesAndConfigInsideLower() {
        assertEquals(1, run("init", lower.toString(), "--passfile", pass.toString(), "--key-bytes", "20"));
        assertTrue(err().startsWith("ucryptfs: --key-bytes"), err());
        assertEquals(1, run("init", lower.toString(), "--passfile", pass.toString(),
                "--config", lower.resolve("v.conf").toString()));
        assertTrue(err().contains("must not be inside"), err());
        assertFalse(Files.exists(lower));
    }

    @Test
    void mountWithAWrongPassphraseExits2AndMountsNothing() {
        assertEquals(0, run("init", lower.toString(), "--passfile", pass.toString()));
        assertEquals(2, run("mount", lower.toString(), mnt.toString(), "--passfile", wrong.toString()));
        assertEquals("ucryptfs: wrong passphrase\n", err());
        assertEquals(Optional.empty(), MountTable.typeAt(mnt));
    }

    @Test
    void mountWithAConfigElsewhere() {
        Path conf = dir.resolve("elsewhere.conf");
        assertEquals(0, run("init", lower.toString(), "--passfile", pass.toString(), "--config", conf.toString()));
        assertFalse(Files.exists(dir.resolve("l.ucryptfs")));
        // without --config there is no vault config for l (and it is not ~/.Private)
        assertEquals(1, run("mount", lower.toString(), mnt.toString(), "--passfile", pass.toString()));
        assertTrue(err().contains("not a ucryptfs vault"), err());
        assertEquals(2, run("mount", lower.toString(), mnt.toString(), "--passfile", wrong.toString(),
                "--config", conf.toString()));
        assertEquals(1, run("mount", lower.toString(), mnt.toString(), "--passfile", pass.toString(),
                "--config", dir.resolve("missing").toString()));
        assertTrue(err().contains("no such vault config"), err());
        assertEquals(Optional.empty(), MountTable.typeAt(mnt));
    }

    @Test
    void mountOfADamagedVaultExits1() throws Exception {
        assertEquals(0, run("init", lower.toString(), "--passfile", pass.toString()));
        Path conf = dir.resolve("l.ucryptfs");
        Files.writeString(conf, Files.readString(conf).replaceAll("file-key-sig = .*", "file-key-sig = 0000000000000000"));
        assertEquals(1, run("mount", lower.toString(), mnt.toString(), "--passfile", pass.toString()));
        assertTrue(err().contains("damaged"), err());
        assertEquals(1, err().lines().count(), err());
        assertEquals(Optional.empty(), MountTable.typeAt(mnt));
    }

    @Test
    void keyOptionsThatTheVaultSetsAreRefused() {
        assertEquals(0, run("init", lower.toString(), "--passfile", pass.toString()));
        assertEquals(1, run("mount", lower.toString(), mnt.toString(), "--passfile", pass.toString(), "--key-bytes", "32"));
        assertTrue(err().contains("come from the vault config"), err());
    }

    @Test
    void aSaltForAVaultMadeOnFirstUseIsRefusedNotLost() {
        // mount of a LOWER that does not exist yet makes a vault, whose salt is its own
        assertEquals(1, run("mount", lower.toString(), mnt.toString(), "--passfile", pass.toString(),
                "--salt", "0102030405060708"));
        assertTrue(err().contains("--salt is for bare eCryptfs directories"), err());
        assertTrue(!Files.exists(lower) && !Files.exists(dir.resolve("l.ucryptfs")), "no vault made");
    }
}
