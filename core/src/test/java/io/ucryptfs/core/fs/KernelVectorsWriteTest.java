package io.ucryptfs.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.format.ecryptfs.EcryptfsFormat;
import io.ucryptfs.core.format.ecryptfs.EcryptfsHeader;
import io.ucryptfs.core.testing.FsManifest;
import io.ucryptfs.core.testing.TreeCopy;
import io.ucryptfs.core.testing.VectorKeys;
import io.ucryptfs.core.testing.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each case's plain tree written through core's API reads back identical, and the lower tree has the
 * kernel's shape: the same lower names (names are deterministic) and the same lower sizes. (The real
 * kernel reads these trees in it-tests.)
 */
class KernelVectorsWriteTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"aes128", "aes128_fnek", "aes256", "wrapped_passphrase"})
    void writtenTreeHasTheKernelsLowerShape(String caseName) throws Exception {
        Path tree = Vectors.extract(caseName, tmp.resolve("vec"));
        Path lower = Files.createDirectories(tmp.resolve("ours"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, VectorKeys.options(caseName).build())) {
            TreeCopy.copyIn(Vectors.plain(tree), fs);
        }
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, VectorKeys.options(caseName).readOnly(true).build())) {
            assertEquals(FsManifest.read(Vectors.caseDir(caseName).resolve("plain-manifest.txt")), FsManifest.of(fs));
        }
        assertEquals(lowerListing(Vectors.lower(tree)), lowerListing(lower), "lower names, types and sizes");
        // every regular lower file has a valid header with our flags
        try (Stream<Path> s = Files.walk(lower)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                byte[] head = new byte[4096];
                int n;
                try (var in = Files.newInputStream(p)) {
                    n = in.readNBytes(head, 0, head.length);
                }
                EcryptfsHeader h = EcryptfsFormat.inspect(head, n, false);
                assertEquals(VectorKeys.fnek(caseName) ? 0x0a : 0x02, h.flags(), p.toString());
                assertTrue(h.packets().size() == 1);
            }
        }
    }

    private static TreeMap<String, String> lowerListing(Path root) throws Exception {
        TreeMap<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                String kind = Files.isSymbolicLink(p) ? "l" : Files.isDirectory(p) ? "d" : "r " + Files.size(p);
                m.put(rel, kind);
            }
        }
        return m;
    }

}
