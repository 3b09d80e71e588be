package io.ucryptfs.keystore.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultConfigTest {

    static final String TEXT = """
            ucryptfs-vault 1
            cipher = aes
            key-bytes = 24
            encrypt-names = true
            salt = 0011223344556677
            file-key-sig = 0123456789abcdef
            name-key-sig = fedcba9876543210
            future-setting = some value

            [protector passphrase]
            kind = ecryptfs-wrapped-passphrase-v2
            data = AAAA
            check = 0000000000000000
            colour = blue

            [recovery]
            threshold = 2
            """;

    @Test
    void parsesTheSettings() throws Exception {
        VaultConfig c = VaultConfig.parse(bytes(TEXT), "t");
        assertEquals("aes", c.cipher());
        assertEquals(24, c.keyBytes());
        assertTrue(c.encryptNames());
        assertEquals("0123456789abcdef", c.fileKeySig());
        assertEquals(Optional.of("fedcba9876543210"), c.nameKeySig());
        assertEquals(1, c.protectors().size());
        assertEquals("passphrase", c.protectors().get(0).name());
        assertEquals(2, c.sections().size());
    }

    @Test
    void roundTripKeepsUnknownKeysAndSections() throws Exception {
        VaultConfig c = VaultConfig.parse(bytes(TEXT), "t");
        String out = c.format();
        assertEquals(TEXT, out);
        VaultConfig again = VaultConfig.parse(bytes(out), "t2");
        assertEquals(c.settings(), again.settings());
        assertEquals(c.sections(), again.sections());
        assertEquals("some value", again.settings().get("future-setting"));
        assertEquals(Optional.of("blue"), again.protectors().get(0).get("colour"));
        assertEquals(Optional.of("2"), again.section("recovery", "").orElseThrow().get("threshold"));
    }

    @Test
    void commentsBlankLinesAndCrlfAreRead() throws Exception {
        String t = "# a vault\r\n" + TEXT.replace("\n", "\r\n").replace("cipher = aes", "cipher=aes\r\n\r\n# x");
        t = t.substring(t.indexOf("ucryptfs-vault")); // the header must come first
        VaultConfig c = VaultConfig.parse(bytes(t), "t");
        assertEquals("aes", c.cipher());
    }

    @Test
    void newConfigWithProtectorRoundTrips() throws Exception {
        VaultConfig c = VaultConfig.create(16, false, PassphraseKey.DEFAULT_SALT, "0123456789abcdef", Optional.empty());
        Map<String, String> e = new LinkedHashMap<>();
        e.put("kind", "x");
        e.put("data", "AAAA");
        c.addProtector("p1", e);
        VaultConfig again = VaultConfig.parse(bytes(c.format()), "t");
        assertFalse(again.encryptNames());
        assertEquals(Optional.empty(), again.nameKeySig());
        assertEquals(16, again.keyBytes());
        assertEquals(c.sections(), again.sections());
        assertThrows(IllegalArgumentException.class, () -> c.addProtector("p1", e));
    }

    @Test
    void refusesGarbled() {
        List<String> bad = List.of(
                "",
                "not-a-vault 1\n",
                "ucryptfs-vault x\n",
                TEXT.replace("key-bytes = 24", "key-bytes = 20"),
                TEXT.replace("cipher = aes", "cipher = des"),
                TEXT.replace("encrypt-names = true", "encrypt-names = yes"),
                TEXT.replace("salt = 0011223344556677", "salt = 0011"),
                TEXT.replace("file-key-sig = 0123456789abcdef\n", ""),
                TEXT.replace("name-key-sig = fedcba9876543210", "name-key-sig = nothex"),
                TEXT.replace("[recovery]", "[recovery"),
                TEXT.replace("[recovery]", "[protector passphrase]"),
                TEXT.replace("colour = blue", "colour blue"),
                TEXT.replace("colour = blue", "colour = blue\ncolour = red"),
                TEXT.replace("colour = blue", "Colour = blue"));
        for (String t : bad) {
            VaultException e = assertThrows(VaultException.class, () -> VaultConfig.parse(bytes(t), "conf"), t);
            assertTrue(e.getMessage().startsWith("conf"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        VaultException e = assertThrows(VaultException.class,
                () -> VaultConfig.parse(new byte[] {'u', (byte) 0xff}, "conf"));
        assertTrue(e.getMessage().contains("UTF-8"));
    }

    @Test
    void refusesANewerFormat() {
        VaultException e = assertThrows(VaultException.class,
                () -> VaultConfig.parse(bytes(TEXT.replace("ucryptfs-vault 1", "ucryptfs-vault 2")), "conf"));
        assertTrue(e.getMessage().contains("newer"), e.getMessage());
    }

    @Test
    void writesAtomically0600WithoutTempFiles(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("l.ucryptfs");
        VaultConfig c = VaultConfig.parse(bytes(TEXT), "t");
        c.create(f);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(TEXT, Files.readString(f));
        assertThrows(FileAlreadyExistsException.class, () -> c.create(f));
        c.write(f); // replacing is allowed
        assertEquals(TEXT, Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList());
        }
        assertEquals(c.settings(), VaultConfig.read(f).settings());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
