package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ucryptfs.keystore.pkcs11.SoftHsm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lock on token removal on real mounts, with a SoftHSM2 token of each test's own (an RSA key pair,
 * a token protector beside the passphrase): removal (the token's directory moved away) locks the
 * mount within a few polls; a held descriptor works on (or, with --lock-open-files, fails too); new
 * opens get EACCES; {@code unlock} with the passphrase, or with the PIN once the token is back,
 * restores access without remounting; a token lost for good leaves the passphrase opening every file.
 */
class FuseTokenLockTest extends FuseTestBase {
    static final String PASS = "fuse-it token lock";

    private SoftHsm hsm;
    private String uri;
    private Path pass;
    private Path pin;
    private Path vault;

    @BeforeEach
    void vaultWithAToken() throws Exception {
        hsm = SoftHsm.token(tmp.resolve("hsm"), "lockit").rsa("k", "01");
        uri = "pkcs11:token=lockit;object=k?module-path=" + SoftHsm.MODULE;
        pass = Files.writeString(tmp.resolve("pass"), PASS + "\n");
        pin = Files.writeString(tmp.resolve("pin"), SoftHsm.PIN + "\n");
        vault = tmp.resolve("vault");
        cli("init", vault.toString(), "--passfile", pass.toString()).assertOk();
        cli("protector", "add", "token", "--uri", uri, "--pin-file", pin.toString(), vault.toString(),
                "--passfile", pass.toString()).assertOk();
    }

    private static Cmd.Result cli(String... args) throws Exception {
        return Mounts.cli(List.of(args));
    }

    private void mountWithToken(String... extra) throws Exception {
        List<String> o = new ArrayList<>(List.of("--token", uri, "--pin-file", pin.toString()));
        o.addAll(List.of(extra));
        mounts.mount(vault, mnt, o);
        assertTrue(daemonLog().contains("watching token lockit"), daemonLog());
    }

    /** The status line (the CLI's output may start with logback's own lines: the test class path has two configs). */
    private String status() throws Exception {
        String[] lines = cli("status", mnt.toString()).assertOk().out().trim().split("\n");
        return lines[lines.length - 1];
    }

    private void assertUnlocked() throws Exception {
        String s = status();
        assertTrue(s.startsWith(mnt + ": unlocked"), "[" + s + "]");
    }

    /** Waits up to 15 s (the poll is 1 s at most here, a SoftHSM2 re-initialisation takes a little). */
    private void await(String what, BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited 15 s for: " + what + Mounts.log(mnt));
            }
            Thread.sleep(100);
        }
    }

    private void awaitLockedByRemoval() throws Exception {
        await("locked-by=token-removal", () -> {
            try {
                return status().endsWith("locked-by=token-removal");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    /** The daemon's whole log (every mount at {@code mnt} in this test appends to it). */
    private String daemonLog() {
        try {
            return Files.readString(Mounts.stateFile(mnt, ".log"));
        } catch (IOException e) {
            return "";
        }
    }

    private int logCount(String text) {
        return daemonLog().split(java.util.regex.Pattern.quote(text), -1).length - 1;
    }

    /** Removal as SoftHSM2 sees it: the token's directory gone (kept aside, to come back). */
    private Path removeToken() throws IOException {
        Path dir = hsm.tokenDir();
        Path aside = tmp.resolve("token-aside");
        Files.move(dir, aside);
        return dir;
    }

    private void returnToken(Path dir) throws IOException {
        Files.move(tmp.resolve("token-aside"), dir);
    }

    @Test
    void removalLocksHeldFilesWorkOnUnlockWithThePassphraseOrThePinRestores() throws Exception {
        mountWithToken("--token-poll", "200");
        Files.writeString(mnt.resolve("held"), "0123456789");
        Files.writeString(mnt.resolve("other"), "other file");
        Holder h = hold(mnt.resolve("held"));
        assertUnlocked();

        Path dir = removeToken();
        awaitLockedByRemoval();
        assertTrue(Mounts.log(mnt).contains("token lockit removed: mount locked; files open keep working until closed"),
                Mounts.log(mnt));
        assertEquals("err 13", h.ask("open " + mnt.resolve("other")), "a new open fails with EACCES");
        assertEquals(13, Holder.errnoOf("w", mnt.resolve("new")), "so does a create");
        assertEquals("ok", h.ask("write 10 -after"), "the held descriptor still writes");
        assertEquals("ok", h.ask("fsync"));
        assertEquals("data 0123456789-after", h.ask("read 0 100"), "and reads");

        // the token is gone: the passphrase unlocks
        cli("unlock", mnt.toString(), "--passfile", pass.toString()).assertOk();
        assertEquals("ok", h.ask("open " + mnt.resolve("other")));
        assertUnlocked();

        // it comes back (the daemon says so, and leaves the mount as it is), and goes again: locked again
        returnToken(dir);
        await("the token is back", () -> logCount("cli.TokenLock - token lockit is back") == 1);
        assertUnlocked();
        removeToken();
        awaitLockedByRemoval();
        assertEquals("err 13", h.ask("open " + mnt.resolve("other")));

        // back again: the daemon asks for an unlock (never prompts, never unlocks by itself) ...
        returnToken(dir);
        await("the token is back again", () -> logCount("cli.TokenLock - token lockit is back") == 2);
        assertTrue(Mounts.log(mnt).contains("token lockit is back: run 'ucryptfs unlock " + mnt + "' (PIN) to unlock"),
                Mounts.log(mnt));
        assertTrue(status().endsWith("locked-by=token-removal"), status());
        // ... which the PIN gives
        Path wrongPin = Files.writeString(tmp.resolve("wrong-pin"), "9999\n");
        assertEquals(2, cli("unlock", mnt.toString(), "--token", uri, "--pin-file", wrongPin.toString()).exit());
        cli("unlock", mnt.toString(), "--token", uri, "--pin-file", pin.toString()).assertOk();
        assertEquals("ok", h.ask("open " + mnt.resolve("other")));
        assertEquals("other file", Files.readString(mnt.resolve("other")));
        assertEquals("data 0123456789-after", h.ask("read 0 100"));
        h.release();
        assertEquals("0123456789-after", Files.readString(mnt.resolve("held")));
    }

    @Test
    void withLockOpenFilesRemovalCutsTheHeldDescriptorOff() throws Exception {
        mountWithToken("--lock-open-files"); // the default poll, 1 s
        Files.writeString(mnt.resolve("held"), "written before the removal");
        Holder h = hold(mnt.resolve("held"));
        assertEquals("ok", h.ask("write 0 W"));

        removeToken();
        awaitLockedByRemoval();
        assertTrue(Mounts.log(mnt).contains("token lockit removed: mount locked; open files cut off"), Mounts.log(mnt));
        assertTrue(status().contains("cut-off=1"), status());
        assertEquals("err 13", h.ask("write 0 x"), "writes through the held descriptor fail");
        assertEquals("err 13", h.ask("read 0 10"), "reads too");

        cli("unlock", mnt.toString(), "--passfile", pass.toString()).assertOk();
        assertEquals("err 13", h.ask("read 0 10"), "a cut-off descriptor stays cut off");
        assertEquals("Written before the removal", Files.readString(mnt.resolve("held")), "nothing written was lost");
    }

    @Test
    void aTokenLostForGoodThePassphraseOpensEveryFile() throws Exception {
        mountWithToken();
        Files.createDirectories(mnt.resolve("docs"));
        Files.writeString(mnt.resolve("docs/while-token.txt"), "written with the token\n".repeat(300));
        Data.writeRandom(mnt.resolve("big"), 300_000, 11);
        byte[] big = Files.readAllBytes(mnt.resolve("big"));
        mounts.umount(mnt);

        hsm.remove();
        int watching = logCount("watching token");
        mounts.mount(vault, mnt, List.of("--passfile", pass.toString()));
        assertEquals(watching, logCount("watching token"), "a mount opened by the passphrase watches no token");
        assertEquals("written with the token\n".repeat(300), Files.readString(mnt.resolve("docs/while-token.txt")));
        assertTrue(java.util.Arrays.equals(big, Files.readAllBytes(mnt.resolve("big"))));
        assertUnlocked();
    }
}
