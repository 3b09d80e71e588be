package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.testing.Vectors;
import io.ucryptfs.fuse.MountTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** mount and umount as commands: refusals, the foreground mode, a killed daemon. */
class FuseLifecycleTest extends FuseTestBase {
    static final String PASS = "fuse-it lifecycle";

    @Test
    void wrongPassphraseExits2AndMountsNothing() throws Exception {
        Path vecLower = Vectors.lower(Vectors.extract("aes128", tmp.resolve("vec")));
        Cmd.Result r = mounts.tryMount(vecLower, mnt, Mounts.bare(tmp, "not the passphrase", false));
        assertEquals(2, r.exit(), r.describe());
        assertTrue(r.out().contains("wrong passphrase"), r.describe());
        assertTrue(MountTable.typeAt(mnt).isEmpty(), "something is mounted at " + mnt);
        assertFalse(Files.exists(Mounts.stateFile(mnt, ".pid")), "a pid file was left");

        Path login = tmp.resolve("login");
        Files.writeString(login, "not-the-login-passphrase\n");
        Path wrappedLower = Vectors.lower(Vectors.extract("wrapped_passphrase", tmp.resolve("vec2")));
        Cmd.Result w = mounts.tryMount(wrappedLower, mnt, List.of("--wrapped-passphrase",
                Vectors.caseDir("wrapped_passphrase").resolve("wrapped-passphrase").toString(), "--passfile", login.toString()));
        assertEquals(2, w.exit(), w.describe());
        assertTrue(MountTable.typeAt(mnt).isEmpty(), "something is mounted at " + mnt);
    }

    /** The README's first command on a fresh machine: neither the vault nor the mount point exists yet. */
    @Test
    void theFirstMountMakesTheVaultAndAMissingMountPoint() throws Exception {
        Path pass = tmp.resolve("pass");
        Files.writeString(pass, PASS + "\n");
        Path vault = tmp.resolve("Vault.lower");
        Path mp = tmp.resolve("Vault");
        Cmd.Result r = mounts.tryMount(vault, mp, List.of("--passfile", pass.toString()));
        assertEquals(0, r.exit(), r.describe());
        assertTrue(r.out().contains("made mount point " + mp), r.describe());
        assertTrue(r.out().contains("made vault " + vault), r.describe());
        assertTrue(MountTable.isFuseMount(mp), "nothing mounted at " + mp);
        Files.writeString(mp.resolve("f"), "first");
        mounts.umount(mp);
        assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(mp));
        mounts.mount(vault, mp, List.of("--passfile", pass.toString()));
        assertEquals("first", Files.readString(mp.resolve("f")));
        mounts.umount(mp);

        // a mount point whose parent is missing too: refused before any vault is made
        Path vault2 = tmp.resolve("Other.lower");
        Path deep = tmp.resolve("no/such/Vault");
        Cmd.Result refused = mounts.tryMount(vault2, deep, List.of("--passfile", pass.toString()));
        assertEquals(1, refused.exit(), refused.describe());
        assertTrue(refused.out().contains("nor its parent"), refused.describe());
        assertFalse(Files.exists(vault2), "a vault was made although the mount could not be");
        assertFalse(Files.exists(deep));
    }

    @Test
    void nonEmptyMountPointIsRefused() throws Exception {
        Files.writeString(mnt.resolve("keep"), "mine");
        Cmd.Result r = mounts.tryMount(lower, mnt, Mounts.bare(tmp, PASS, false));
        assertEquals(1, r.exit(), r.describe());
        assertTrue(r.out().contains("is not empty"), r.describe());
        assertTrue(MountTable.typeAt(mnt).isEmpty(), "mounted over a non-empty directory");
        assertEquals("mine", Files.readString(mnt.resolve("keep")));
        // and a second mount on a mount point is refused too
        Path mnt2 = Files.createDirectories(tmp.resolve("mnt2"));
        mounts.mount(lower, mnt2, Mounts.bare(tmp, PASS, false));
        Cmd.Result again = mounts.tryMount(lower, mnt2, Mounts.bare(tmp, PASS, false));
        assertEquals(1, again.exit(), again.describe());
        assertTrue(again.out().contains("already a mount point"), again.describe());
    }

    @Test
    void foregroundMountUnmountsCleanlyOnSigterm() throws Exception {
        Process p = mounts.startForeground(lower, mnt, Mounts.bare(tmp, PASS, false));
        String want = Data.writeRandom(mnt.resolve("f"), 300_001, 7);
        Files.writeString(mnt.resolve("closed-not-synced"), "written and closed, never fsynced");
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "mount --fg did not exit on SIGTERM");
        int exit = p.exitValue();
        assertTrue(exit == 0 || exit == 143, "exit " + exit + ":\n" + new String(p.getInputStream().readAllBytes()));
        assertTrue(MountTable.typeAt(mnt).isEmpty(), "still mounted after SIGTERM");
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, false));
        assertEquals(want, Data.sha256(mnt.resolve("f")));
        assertEquals("written and closed, never fsynced", Files.readString(mnt.resolve("closed-not-synced")));
    }

    @Test
    void killedDaemonUmountCleansUpAndRemountHasEveryFsyncedByte() throws Exception {
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        long pid = Mounts.daemonPid(mnt);
        // fsynced files, an fsynced append log, an open file with fsynced and unsynced writes
        Cmd.python("""
                import os, sys
                d = sys.argv[1]
                for n in (0, 1, 4095, 4097, 300000):
                    fd = os.open(os.path.join(d, 'f%d' % n), os.O_CREAT | os.O_WRONLY, 0o644)
                    os.write(fd, bytes((i * 31 + n) % 256 for i in range(n)))
                    os.fsync(fd)
                    os.close(fd)
                fd = os.open(os.path.join(d, 'log'), os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644)
                for i in range(100):
                    os.write(fd, b'record %04d\\n' % i)
                    os.fsync(fd)
                os.close(fd)
                os.mkdir(os.path.join(d, 'dir'))
                os.rename(os.path.join(d, 'f1'), os.path.join(d, 'dir', 'moved'))
                dfd = os.open(d, os.O_RDONLY)
                os.fsync(dfd)
                os.close(dfd)
                print('ok')
                """, mnt.toString()).assertOk();
        Cmd.run("kill", "-9", Long.toString(pid)).assertOk();
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(30, TimeUnit.SECONDS).join());
        Cmd.Result stat = Cmd.run("stat", mnt.toString());
        assertTrue(stat.out().contains("Transport endpoint is not connected"), stat.describe());

        Cmd.Result u = mounts.umount(mnt);
        assertTrue(u.out().contains("stale"), u.describe());
        assertFalse(Files.exists(Mounts.stateFile(mnt, ".pid")), "pid file left");

        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        for (int n : new int[] {0, 4095, 4097, 300000}) {
            byte[] want = new byte[n];
            for (int i = 0; i < n; i++) {
                want[i] = (byte) ((i * 31 + n) % 256);
            }
            assertEquals(Data.sha256(want), Data.sha256(mnt.resolve("f" + n)), "f" + n + " after the crash");
        }
        assertEquals(1, Files.size(mnt.resolve("dir/moved")));
        assertFalse(Files.exists(mnt.resolve("f1")));
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            log.append(String.format("record %04d%n", i));
        }
        assertEquals(log.toString(), Files.readString(mnt.resolve("log")));
    }
}
