package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.testing.FsManifest;
import io.ucryptfs.core.testing.VectorKeys;
import io.ucryptfs.core.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kernel's vectors read through FUSE, and a tree written through FUSE read by core offline and by the kernel. */
class FuseVectorsTest {

    @RegisterExtension
    final Mounts mounts = new Mounts();

    @TempDir
    Path tmp;

    /** The key options a user gives for a vector case. */
    static List<String> keyOptions(String caseName, Path dir) throws Exception {
        if (caseName.equals("wrapped_passphrase")) {
            Path login = dir.resolve("login.pass");
            Files.writeString(login, "login-passphrase-123\n");
            return List.of("--wrapped-passphrase", Vectors.caseDir(caseName).resolve("wrapped-passphrase").toString(),
                    "--passfile", login.toString());
        }
        return Mounts.bare(dir, new String(VectorKeys.mountPassphrase(caseName), StandardCharsets.UTF_8), false)
                .subList(0, 3); // names found out from the directory: no --fnek
    }

    @ParameterizedTest
    @ValueSource(strings = {"aes128", "aes128_fnek", "aes256", "wrapped_passphrase"})
    void everyVectorCaseReadsThroughTheMountAsItsPlainManifest(String caseName) throws Exception {
        Path lower = Vectors.lower(Vectors.extract(caseName, tmp.resolve("vec")));
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        List<String> lowerBefore = FsManifest.ofPlainDir(lower);
        mounts.mount(lower, mnt, keyOptions(caseName, tmp));
        assertEquals(FsManifest.read(Vectors.caseDir(caseName).resolve("plain-manifest.txt")), FsManifest.ofPlainDir(mnt),
                caseName + " through FUSE");
        mounts.umount(mnt);
        assertEquals(lowerBefore, FsManifest.ofPlainDir(lower), "reading changed the lower directory of " + caseName);
    }

    @Test
    void treeWrittenThroughTheMountReadsBackOfflineReadOnlyAndInTheKernel() throws Exception {
        String pass = "fuse-it vectors written";
        Path plain = Vectors.plain(Vectors.extract("aes128_fnek", tmp.resolve("vec")));
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        List<String> keys = Mounts.bare(tmp, pass, true);
        mounts.mount(lower, mnt, keys);
        Cmd.run("cp", "-a", plain + "/.", mnt.toString()).assertOk();
        mounts.umount(mnt);
        List<String> want = FsManifest.ofPlainDir(plain);

        try (CryptFileSystem fs = Data.openLower(lower, pass, true, true)) {
            assertEquals(want, FsManifest.of(fs), "the lower decrypted offline by core");
        }
        List<String> ro = new ArrayList<>(keys);
        ro.add("--ro");
        mounts.mount(lower, mnt, ro);
        assertEquals(want, FsManifest.ofPlainDir(mnt), "mounted again read-only");
        Cmd.Result w = Cmd.run("touch", mnt.resolve("new").toString());
        assertEquals(1, w.exit(), w.describe());
        org.junit.jupiter.api.Assertions.assertTrue(w.out().contains("Read-only file system"), w.describe());
        mounts.umount(mnt);

        KernelCheck.Result k = KernelCheck.run(List.of("--passphrase", pass, "--fnek"), lower, plain);
        assertEquals(0, k.exitCode(), "the kernel did not read the tree written through FUSE:\n" + k.output());
    }
}
