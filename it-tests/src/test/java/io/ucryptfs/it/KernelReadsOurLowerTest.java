package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.testing.TreeCopy;
import io.ucryptfs.core.testing.VectorKeys;
import io.ucryptfs.core.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ground truth for writing: trees written through core's API are read back identical by the real
 * kernel eCryptfs (Linux 6.1 in qemu, {@code ../shared/ecryptfs-kernel/check-lower.sh}).
 */
class KernelReadsOurLowerTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"aes128", "aes128_fnek", "aes256", "wrapped_passphrase"})
    void kernelReadsEachCaseWrittenByUs(String caseName) throws Exception {
        Path tree = Vectors.extract(caseName, tmp.resolve("vec"));
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, VectorKeys.options(caseName).build())) {
            TreeCopy.copyIn(Vectors.plain(tree), fs);
        }
        KernelCheck.Result r = KernelCheck.run(VectorKeys.checkArgs(caseName), lower, Vectors.plain(tree));
        assertEquals(0, r.exitCode(), "the kernel did not read our " + caseName + " tree identically:\n" + r.output());
    }

    @Test
    void kernelReadsAes192WithTwoKeysEitherKeyAlone() throws Exception {
        Path tree = Vectors.extract("aes128", tmp.resolve("vec"));
        Path plain = Vectors.plain(tree);
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        byte[] salt = java.util.HexFormat.of().parseHex("a1b2c3d4e5f60718");
        PassphraseKey first = PassphraseKey.derive("first key".getBytes(StandardCharsets.UTF_8), salt);
        PassphraseKey second = PassphraseKey.derive("second key".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        MountOptions o = MountOptions.builder(KeyRing.of(List.of(first, second), null)).keyBytes(24).build();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, o)) {
            TreeCopy.copyIn(plain, fs);
        }
        List<String> one = new ArrayList<>(List.of("--passphrase", "first key", "--key-bytes", "24", "--salt", "a1b2c3d4e5f60718"));
        assertEquals(0, KernelCheck.run(one, lower, plain).exitCode(), "the kernel did not open our AES-192 tree with the first key");
        List<String> two = new ArrayList<>(List.of("--passphrase", "second key", "--key-bytes", "24"));
        assertEquals(0, KernelCheck.run(two, lower, plain).exitCode(), "the kernel did not open our AES-192 tree with the second key");
    }

    @Test
    void kernelReadsHeadersWeKeepInXattrs() throws Exception {
        Path tree = Vectors.extract("aes128", tmp.resolve("vec"));
        Path plain = Vectors.plain(tree);
        Path lower = Files.createDirectories(tmp.resolve("case/lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, VectorKeys.options("aes128").headerInXattr(true).build())) {
            TreeCopy.copyIn(plain, fs);
        }
        Path xattrs = tmp.resolve("case/xattrs.txt");
        Process dump = new ProcessBuilder("sh", "-c", "cd \"$1\" && getfattr -R -h -d -m - -e hex . > \"$2\"", "sh",
                lower.toString(), xattrs.toString()).inheritIO().start();
        assertEquals(0, dump.waitFor(), "getfattr failed");
        List<String> args = new ArrayList<>(VectorKeys.checkArgs("aes128"));
        args.addAll(List.of("--xattr-metadata", "--xattrs", xattrs.toString()));
        KernelCheck.Result r = KernelCheck.run(args, lower, plain);
        assertEquals(0, r.exitCode(), "the kernel did not read our xattr-header tree:\n" + r.output());
    }

    @Test
    void theCheckFailsWhenTheTreesDiffer() throws Exception {
        // proof that the check above can fail: one byte of the expected plaintext changed
        Path tree = Vectors.extract("aes128", tmp.resolve("vec"));
        Path plain = Vectors.plain(tree);
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, VectorKeys.options("aes128").build())) {
            TreeCopy.copyIn(plain, fs);
        }
        Path f = plain.resolve("size_4097");
        byte[] b = Files.readAllBytes(f);
        b[4096] ^= 1;
        Files.write(f, b);
        KernelCheck.Result r = KernelCheck.run(VectorKeys.checkArgs("aes128"), lower, plain);
        assertEquals(1, r.exitCode(), "the kernel check should report the difference:\n" + r.output());
        org.junit.jupiter.api.Assertions.assertTrue(r.output().contains("size_4097"), r.output());
    }
}
