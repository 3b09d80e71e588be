package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.testing.FsManifest;
import io.ucryptfs.keystore.pkcs11.SoftHsm;
import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.PassphraseCredential;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 5's per-file token packets on real mounts: a vault with file keys on a SoftHSM2 token (mode
 * token, then mount+token), mounted with {@code --token --pin-file} (the daemon logs in to the token
 * itself with the PIN the front process hands it). Then, the token gone, a mount with the passphrase:
 * the token-only file gets EACCES, the mixed one reads; the token back: both read, and after a lock
 * {@code unlock --token} brings the token key back too. Last, the real kernel opens the tree of
 * mixed (tag 3 + tag 1) files with the mount passphrase alone.
 */
class FuseTokenFileKeysTest extends FuseTestBase {

    /** Opens {@code path} read-only in python3 and prints its content, or "errno N". */
    private static final String READ = """
            import sys
            try:
                print(open(sys.argv[1]).read(), end='')
            except OSError as e:
                print('errno %d' % e.errno, end='')
            """;

    @Test
    void tokenOnlyFilesNeedTheTokenMixedFilesOpenWithEither() throws Exception {
        Path pass = Files.writeString(tmp.resolve("pass"), "file keys it\n");
        Path pin = Files.writeString(tmp.resolve("pin"), SoftHsm.PIN + "\n");
        Files.delete(lower);
        cli("init", lower.toString(), "--passfile", pass.toString());
        SoftHsm hsm = SoftHsm.token(tmp.resolve("hsm"), "itfk").rsa("k", "01");
        String uri = hsm.uri("k").format();
        cli("protector", "add", "token", "--uri", uri, "--pin-file", pin.toString(), lower.toString(),
                "--passfile", pass.toString());
        cli("file-keys", "add", "--token", uri, "--pin-file", pin.toString(), "--mode", "token", lower.toString());
        List<String> withToken = List.of("--token", uri, "--pin-file", pin.toString());

        mounts.mount(lower, mnt, withToken);
        Files.writeString(mnt.resolve("token-only.txt"), "only with the token\n");
        mounts.umount(mnt);

        cli("file-keys", "mode", "mount+token", lower.toString());
        Path plain = Files.createDirectories(tmp.resolve("plain/sub"));
        Files.writeString(plain.resolve("../mixed.txt"), "with either key\n");
        Files.writeString(plain.resolve("b.bin"), "b".repeat(70_000));
        mounts.mount(lower, mnt, withToken);
        Cmd.run("cp", "-a", tmp.resolve("plain") + "/.", mnt.toString()).assertOk();
        assertEquals("only with the token\n", read(mnt.resolve("token-only.txt")));
        mounts.umount(mnt);

        // the token gone: the passphrase mounts; the token-only file is shut, the mixed ones open
        Path saved = tmp.resolve("token-copy");
        Cmd.run("cp", "-a", hsm.tokenDir().toString(), saved.toString()).assertOk();
        Path tokenDir = hsm.tokenDir();
        hsm.remove();
        mounts.mount(lower, mnt, List.of("--passfile", pass.toString()));
        assertEquals("errno 13", read(mnt.resolve("token-only.txt")));
        assertEquals("with either key\n", read(mnt.resolve("mixed.txt")));
        assertEquals(FsManifest.ofPlainDir(plain), FsManifest.ofPlainDir(mnt.resolve("sub")));
        mounts.umount(mnt);
        // and with the token key's PIN but no token: the same, with a note
        mounts.mount(lower, mnt, List.of("--passfile", pass.toString(), "--pin-file", pin.toString()));
        assertEquals("errno 13", read(mnt.resolve("token-only.txt")));
        assertEquals("with either key\n", read(mnt.resolve("mixed.txt")));
        mounts.umount(mnt);

        // the token back: both open; after a lock, unlock with the token brings the token key back too
        Cmd.run("cp", "-a", saved.toString(), tokenDir.toString()).assertOk();
        mounts.mount(lower, mnt, withToken);
        assertEquals("only with the token\n", read(mnt.resolve("token-only.txt")));
        assertEquals("with either key\n", read(mnt.resolve("mixed.txt")));
        cli("lock", mnt.toString());
        assertEquals("errno 13", read(mnt.resolve("token-only.txt")));
        List<String> unlock = new java.util.ArrayList<>(List.of("unlock", mnt.toString()));
        unlock.addAll(withToken);
        cli(unlock.toArray(String[]::new));
        assertEquals("only with the token\n", read(mnt.resolve("token-only.txt")));
        Files.delete(mnt.resolve("token-only.txt")); // what is left is for the kernel: tag 3 + tag 1 files only
        mounts.umount(mnt);

        // the real kernel: the mount passphrase opens the mixed files, skipping their tag 1 packets
        String mountPassphrase;
        try (MountPassphrase mp = Vault.mountPassphrase(VaultConfig.read(Vault.defaultConfig(lower)),
                new PassphraseCredential("file keys it".toCharArray()), id -> true, n -> { })) {
            mountPassphrase = new String(mp.bytes(), StandardCharsets.US_ASCII);
        }
        KernelCheck.Result k = KernelCheck.run(List.of("--passphrase", mountPassphrase, "--fnek"), lower,
                tmp.resolve("plain"));
        assertEquals(0, k.exitCode(), "the kernel did not open the tag 3 + tag 1 files:\n" + k.output());
    }

    private static String read(Path p) throws Exception {
        return Cmd.python(READ, p.toString()).out();
    }

    private static void cli(String... args) throws Exception {
        Cmd.Result r = Mounts.cli(List.of(args));
        assertEquals(0, r.exit(), r.describe());
        assertTrue(!r.out().contains("PIN") || !r.out().contains(SoftHsm.PIN), "a PIN in the output");
    }
}
