package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code ucryptfs lock|unlock|status} on real mounts, with a file held open by a python3 process
 * across the lock: new opens get EACCES, the held descriptor works on (or, with --lock-open-files,
 * fails too), and unlock with the passphrase brings the mount back without remounting.
 */
class FuseLockTest extends FuseTestBase {
    static final String PASS = "fuse-it lock";

    private Cmd.Result cli(String... args) throws Exception {
        return Mounts.cli(List.of(args));
    }

    private Path passfile(String name, String pass) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, pass + "\n");
        return f;
    }

    @Test
    void lockKeepsHeldFilesWorkingRefusesNewOpensAndUnlockRestores() throws Exception {
        List<String> keys = Mounts.bare(tmp, PASS, true);
        mounts.mount(lower, mnt, keys);
        Files.writeString(mnt.resolve("held"), "0123456789");
        Files.writeString(mnt.resolve("other"), "other file");
        Holder h = hold(mnt.resolve("held"));

        cli("lock", mnt.toString()).assertOk();
        assertTrue(cli("status", mnt.toString()).assertOk().out().contains("locked open-files=1"));
        assertEquals("err 13", h.ask("open " + mnt.resolve("other")), "a new open fails with EACCES");
        assertEquals(13, Holder.errnoOf("w", mnt.resolve("new")), "so does a create");
        Cmd.Result ls = Cmd.run("ls", mnt.toString());
        assertTrue(ls.exit() != 0 && ls.out().contains("Permission denied"), "listing: " + ls.describe());
        assertTrue(Files.isDirectory(mnt), "the root still answers getattr");

        assertEquals("ok", h.ask("write 10 -after"), "the held handle still writes");
        assertEquals("ok", h.ask("fsync"));
        assertEquals("data 0123456789-after", h.ask("read 0 100"), "and reads");

        // a wrong passphrase is refused and leaves it locked
        Cmd.Result wrong = cli("unlock", mnt.toString(), "--ecryptfs", "--fnek", "--passfile",
                passfile("wrong.pass", "not it").toString());
        assertEquals(2, wrong.exit(), wrong.describe());
        assertTrue(wrong.out().contains("wrong passphrase"), wrong.describe());
        assertEquals("err 13", h.ask("open " + mnt.resolve("other")));

        List<String> unlock = new ArrayList<>(List.of("unlock", mnt.toString()));
        unlock.addAll(keys);
        Mounts.cli(unlock).assertOk();
        assertEquals("ok", h.ask("open " + mnt.resolve("other")));
        assertEquals("other file", Files.readString(mnt.resolve("other")));
        assertEquals(List.of("held", "other"), listing());
        assertTrue(cli("status", mnt.toString()).assertOk().out().contains("unlocked"));
        h.release();
        assertEquals("0123456789-after", Files.readString(mnt.resolve("held")));
    }

    @Test
    void lockOpenFilesCutsTheHeldHandleOffWithoutLosingWhatItWrote() throws Exception {
        // a vault this time: unlock runs its protector in front and sends the mount passphrase
        Path pass = passfile("vault.pass", PASS);
        Path vaultLower = tmp.resolve("vault");
        cli("init", vaultLower.toString(), "--passfile", pass.toString()).assertOk();
        mounts.mount(vaultLower, mnt, List.of("--passfile", pass.toString()));
        Data.writeRandom(mnt.resolve("held"), 1 << 20, 7);
        Holder h = hold(mnt.resolve("held"));
        assertEquals("ok", h.ask("write 5 written-before-the-lock"));
        assertTrue(h.ask("pread 8192 16").startsWith("data "), "read before the lock: its pages now in the kernel's cache");

        Cmd.Result lock = cli("lock", "--lock-open-files", mnt.toString()).assertOk();
        assertTrue(lock.out().contains("1 open file(s) cut off"), lock.describe());
        // first, before any 'read' (which drops the file's cached pages itself)
        assertEquals("err 13", h.ask("pread 8192 16"), "pages cached before the lock were dropped from the kernel's cache");
        assertEquals("err 13", h.ask("write 0 x"), "writes through the held handle fail");
        assertEquals("err 13", h.ask("fsync"));
        assertEquals("err 13", h.ask("read 900000 10"), "reads that reach the daemon fail");
        assertEquals(13, Holder.errnoOf("r", mnt.resolve("held")));

        Cmd.Result wrong = cli("unlock", mnt.toString(), "--passfile", passfile("wrong.pass", "not it").toString());
        assertEquals(2, wrong.exit(), wrong.describe());
        assertTrue(cli("status", mnt.toString()).assertOk().out().contains("locked"));

        cli("unlock", mnt.toString(), "--passfile", pass.toString()).assertOk();
        assertEquals("err 13", h.ask("write 0 x"), "a cut-off handle stays cut off");
        byte[] now = Files.readAllBytes(mnt.resolve("held"));
        assertEquals(1 << 20, now.length);
        assertEquals("written-before-the-lock", new String(now, 5, 23, StandardCharsets.US_ASCII));
        h.release();
        mounts.umount(mnt);
        assertFalse(Files.exists(Mounts.stateFile(mnt, ".sock")), "the control socket goes with the mount");
    }

    @Test
    void theControlSocketIsPrivate() throws Exception {
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, false));
        Path sock = Mounts.stateFile(mnt, ".sock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent())));
    }

    private List<String> listing() throws IOException {
        try (var s = Files.list(mnt)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
