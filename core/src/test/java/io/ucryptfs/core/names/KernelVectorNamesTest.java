package io.ucryptfs.core.names;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.testing.Vectors;
import io.ucryptfs.core.testing.Vectors.ManifestEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Lower trees written by the kernel (shared/ecryptfs-vectors) against {@link EcryptfsNameCipher}. */
class KernelVectorNamesTest {

    static Stream<Arguments> fnekCases() {
        return Stream.of(
                // case, passphrase the FNEK is derived from (salt "99887766"), FNEK signature
                Arguments.of("aes128_fnek", "kernel-vector-fnek128", "a436cfa63a36ede1"),
                Arguments.of("wrapped_passphrase", "00ff16e10b7c31ea6ec81abcefb92052", "caac4e9859b5d59d"));
    }

    private int visited;
    private int symlinks;
    private int directories;

    @ParameterizedTest(name = "{0}")
    @MethodSource("fnekCases")
    void everyLowerNameDecryptsAndEveryPlainNameEncryptsToIt(String caseName, String passphrase, String sig,
            @TempDir Path tmp) throws Exception {
        assertEquals(sig, Vectors.caseInfo(caseName).get("fnek_sig").split("\\s+")[0], "case.txt fnek_sig");
        int keyBytes = keyBytes(caseName);
        PassphraseKey fnek = PassphraseKey.derive(passphrase.getBytes(StandardCharsets.UTF_8), PassphraseKey.FNEK_SALT);
        assertEquals(sig, fnek.signature());

        Path tree = Vectors.extract(caseName, tmp);
        Map<String, ManifestEntry> manifest = Vectors.manifest(caseName).stream()
                .collect(Collectors.toMap(ManifestEntry::path, Function.identity()));
        try (EcryptfsNameCipher names = new EcryptfsNameCipher(fnek, keyBytes)) {
            compare(names, Vectors.lower(tree), Vectors.plain(tree), "", manifest);
        } finally {
            fnek.destroy();
        }
        assertEquals(manifest.size(), visited, "every manifest entry has a lower entry");
        assertTrue(symlinks >= 2, "the case has symlinks");
        assertTrue(directories >= 3, "the case has nested directories");
    }

    private static int keyBytes(String caseName) throws IOException {
        String fn = Vectors.mountOption(caseName, "ecryptfs_fn_key_bytes");
        return Integer.parseInt(fn != null ? fn : Vectors.mountOption(caseName, "ecryptfs_key_bytes"));
    }

    private void compare(EcryptfsNameCipher names, Path lowerDir, Path plainDir, String rel,
            Map<String, ManifestEntry> manifest) throws IOException {
        Map<String, Path> byPlainName = new TreeMap<>();
        try (Stream<Path> entries = Files.list(lowerDir)) {
            for (Path lower : (Iterable<Path>) entries::iterator) {
                String lowerName = lower.getFileName().toString();
                String name;
                try {
                    name = names.decrypt(lowerName);
                } catch (InvalidNameException e) {
                    throw new AssertionError("kernel-written name does not decrypt: " + e.getMessage(), e);
                }
                try {
                    assertEquals(lowerName, names.encrypt(name), "re-encryption of '" + name + "'");
                } catch (NameTooLongException e) {
                    fail("kernel accepted '" + name + "' but we call it too long", e);
                }
                assertNull(byPlainName.put(name, lower), "two lower names decrypt to " + name);
            }
        }
        Set<String> plainNames = new TreeSet<>();
        try (Stream<Path> entries = Files.list(plainDir)) {
            entries.forEach(p -> plainNames.add(p.getFileName().toString()));
        }
        assertEquals(plainNames, byPlainName.keySet(), "names in " + (rel.isEmpty() ? "/" : rel));

        for (Map.Entry<String, Path> e : byPlainName.entrySet()) {
            String childRel = rel.isEmpty() ? e.getKey() : rel + "/" + e.getKey();
            ManifestEntry m = manifest.get(childRel);
            if (m == null) {
                fail("not in the manifest: " + childRel);
            }
            visited++;
            Path lower = e.getValue();
            if (Files.isSymbolicLink(lower)) {
                symlinks++;
                assertEquals(ManifestEntry.Type.SYMLINK, m.type(), childRel);
                checkSymlink(names, lower, m);
            } else if (Files.isDirectory(lower, LinkOption.NOFOLLOW_LINKS)) {
                directories++;
                assertEquals(ManifestEntry.Type.DIRECTORY, m.type(), childRel);
                compare(names, lower, plainDir.resolve(e.getKey()), childRel, manifest);
            } else {
                assertEquals(ManifestEntry.Type.FILE, m.type(), childRel);
            }
        }
    }

    private static void checkSymlink(EcryptfsNameCipher names, Path lower, ManifestEntry m) throws IOException {
        String lowerTarget = Files.readSymbolicLink(lower).toString();
        try {
            assertEquals(m.symlinkTarget(), names.decryptSymlinkTarget(lowerTarget), m.path());
            assertEquals(lowerTarget, names.encryptSymlinkTarget(m.symlinkTarget()), m.path());
        } catch (InvalidNameException | NameTooLongException ex) {
            throw new AssertionError(m.path() + ": " + ex.getMessage(), ex);
        }
    }
}
