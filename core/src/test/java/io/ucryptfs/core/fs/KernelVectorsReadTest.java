package io.ucryptfs.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.testing.FsManifest;
import io.ucryptfs.core.testing.VectorKeys;
import io.ucryptfs.core.testing.Vectors;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every kernel-written case reads through core's API to exactly its plain-manifest.txt. */
class KernelVectorsReadTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"aes128", "aes128_fnek", "aes256", "wrapped_passphrase"})
    void decryptsToThePlainManifest(String caseName) throws Exception {
        Path tree = Vectors.extract(caseName, tmp);
        try (EcryptfsFileSystem fs = EcryptfsFileSystem.open(Vectors.lower(tree), VectorKeys.options(caseName).readOnly(true).build())) {
            assertEquals(FsManifest.read(Vectors.caseDir(caseName).resolve("plain-manifest.txt")), FsManifest.of(fs));
        }
    }
}
