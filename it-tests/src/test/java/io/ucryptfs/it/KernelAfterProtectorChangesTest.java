package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.testing.FsManifest;
import io.ucryptfs.core.testing.Vectors;
import io.ucryptfs.keystore.pkcs11.SoftHsm;
import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.PassphraseCredential;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's promise to kernel users: a vault written through the mount, then given a key file, a
 * token (SoftHSM2), a recovery set and a new passphrase, then rid of the key file, still opens in the real kernel's
 * eCryptfs with its mount passphrase, and none of its lower files changed on the way.
 */
class KernelAfterProtectorChangesTest {

    @RegisterExtension
    final Mounts mounts = new Mounts();

    @TempDir
    Path tmp;

    @Test
    void theKernelOpensTheVaultAfterEveryKindOfProtectorChange() throws Exception {
        Path plain = Vectors.plain(Vectors.extract("aes128_fnek", tmp.resolve("vec")));
        Path lower = tmp.resolve("lower");
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        Path first = Files.writeString(tmp.resolve("first"), "first passphrase\n");
        Path second = Files.writeString(tmp.resolve("second"), "second passphrase\n");
        cli("init", lower.toString(), "--passfile", first.toString());

        mounts.mount(lower, mnt, List.of("--passfile", first.toString()));
        Cmd.run("cp", "-a", plain + "/.", mnt.toString()).assertOk();
        mounts.umount(mnt);
        Map<String, String> before = lowerFiles(lower);

        cli("protector", "add", "keyfile", tmp.resolve("key").toString(), lower.toString(), "--passfile", first.toString());
        SoftHsm.token(tmp.resolve("hsm"), "kcheck").rsa("k", "01");
        Path pin = Files.writeString(tmp.resolve("pin"), SoftHsm.PIN + "\n");
        cli("protector", "add", "token", "--uri", "pkcs11:token=kcheck;object=k?module-path=" + SoftHsm.MODULE,
                "--pin-file", pin.toString(), "--passfile", first.toString(), lower.toString());
        cli("protector", "add", "recovery", "--threshold", "2", "--shares", "3", "--out-dir", tmp.resolve("shares").toString(),
                "--passfile", first.toString(), lower.toString());
        cli("passwd", lower.toString(), "--passfile", first.toString(), "--new-passfile", second.toString());
        cli("protector", "remove", lower.toString(), "keyfile", "--passfile", second.toString());
        assertEquals(before, lowerFiles(lower), "a protector change touched a lower file");

        String mountPassphrase;
        try (MountPassphrase mp = Vault.mountPassphrase(VaultConfig.read(Vault.defaultConfig(lower)),
                new PassphraseCredential("second passphrase".toCharArray()), id -> true, n -> { })) {
            mountPassphrase = new String(mp.bytes(), StandardCharsets.US_ASCII);
        }
        KernelCheck.Result k = KernelCheck.run(List.of("--passphrase", mountPassphrase, "--fnek"), lower, plain);
        assertEquals(0, k.exitCode(), "the kernel did not open the vault after the protector changes:\n" + k.output());

        // and ucryptfs still mounts it with the new passphrase
        mounts.mount(lower, mnt, List.of("--passfile", second.toString()));
        assertEquals(FsManifest.ofPlainDir(plain), FsManifest.ofPlainDir(mnt));
        mounts.umount(mnt);
    }

    private static void cli(String... args) throws Exception {
        Cmd.Result r = Mounts.cli(List.of(args));
        assertEquals(0, r.exit(), r.describe());
    }

    /** Every lower entry: sha256 of files, link targets, and mtimes. */
    private static Map<String, String> lowerFiles(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String what = Files.isSymbolicLink(p) ? "L " + Files.readSymbolicLink(p)
                        : Files.isRegularFile(p) ? "F " + HexFormat.of().formatHex(
                                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))) : "D";
                out.put(root.relativize(p) + "", what + " " + Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
            }
        }
        return out;
    }
}
