package io.ucryptfs.keystore.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.WrongPassphraseException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultTest {

    static final char[] PASS = "correct horse".toCharArray();
    final SecureRandom rng = new SecureRandom();
    final List<String> notes = new ArrayList<>();

    @TempDir
    Path dir;

    Vault.Created init(boolean names) throws Exception {
        Path lower = dir.resolve("l");
        return Vault.init(lower, Vault.defaultConfig(lower), PASS, 16, names, rng);
    }

    @Test
    void initMakesLowerAndConfigBesideIt() throws Exception {
        Vault.Created v = init(true);
        Path lower = dir.resolve("l");
        assertEquals(dir.resolve("l.ucryptfs"), v.config());
        assertTrue(Files.isDirectory(lower));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lower)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(v.config())));
        try (Stream<Path> s = Files.list(lower)) {
            assertEquals(0, s.count());
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(2, s.count()); // l and l.ucryptfs, no temp file
        }
        String mp = new String(v.mountPassphrase(), StandardCharsets.US_ASCII);
        assertTrue(mp.matches("[0-9a-f]{32}"), "32 hex characters as ecryptfs-setup-private makes");
        assertFalse(Files.readString(v.config()).contains(mp));
    }

    @Test
    void keysAreThoseOfEcryptfsAddPassphraseFnek() throws Exception {
        Vault.Created v = init(true);
        byte[] mp = v.mountPassphrase();
        String fileSig = PassphraseKey.derive(mp, PassphraseKey.DEFAULT_SALT).signature();
        String nameSig = PassphraseKey.derive(mp, "99887766".getBytes(StandardCharsets.US_ASCII)).signature();
        assertEquals(fileSig, v.fileKeySig());
        assertEquals(Optional.of(nameSig), v.nameKeySig());
        try (Vault.Unlocked u = Vault.unlock(v.config(), PASS, notes::add)) {
            assertEquals(List.of(fileSig), u.keys().signatures());
            assertEquals(nameSig, u.keys().nameKey().signature());
            assertTrue(u.keys().hasSeparateNameKey());
            assertEquals(16, u.keyBytes());
            assertTrue(u.encryptNames());
        }
        assertEquals(List.of(), notes);
    }

    @Test
    void plaintextNamesAndKeySize() throws Exception {
        Path lower = dir.resolve("p");
        Vault.Created v = Vault.init(lower, Vault.defaultConfig(lower), PASS, 32, false, rng);
        assertEquals(Optional.empty(), v.nameKeySig());
        Vault.Unlocked u = Vault.unlock(v.config(), PASS, notes::add);
        assertFalse(u.encryptNames());
        assertFalse(u.keys().hasSeparateNameKey());
        assertEquals(32, u.keyBytes());
        u.destroy();
        assertTrue(u.isDestroyed());
    }

    @Test
    void wrongPassphrase() throws Exception {
        Vault.Created v = init(true);
        WrongPassphraseException e = assertThrows(WrongPassphraseException.class,
                () -> Vault.unlock(v.config(), "incorrect".toCharArray(), notes::add));
        assertFalse(e.getMessage().contains("incorrect"));
    }

    /** A vault as this version made them before Argon2id: one ecryptfs-wrapped-passphrase protector. */
    Vault.Created initWrapped() throws Exception {
        Path lower = dir.resolve("w");
        PassphraseCredential c = new PassphraseCredential(PASS);
        try {
            return Vault.init(lower, Vault.defaultConfig(lower), Vault.ecryptfsWrappedModule(), c, 16, true, rng);
        } finally {
            c.destroy();
        }
    }

    @Test
    void damagedDataIsNotAWrongPassphrase() throws Exception {
        Vault.Created v = initWrapped();
        String text = Files.readString(v.config());
        // flip a byte of the encrypted mount passphrase, with a matching check: only the file-key-sig can tell
        VaultConfig c = VaultConfig.parse(text.getBytes(StandardCharsets.UTF_8), "c");
        byte[] data = Base64.getDecoder().decode(c.protectors().get(0).get("data").orElseThrow());
        data[data.length - 20] ^= 1;
        String forged = text.replaceAll("data = .*", "data = " + Base64.getEncoder().encodeToString(data))
                .replaceAll("check = .*", "check = " + Protectors.check(data));
        Files.writeString(v.config(), forged);
        VaultException e = assertThrows(VaultException.class, () -> Vault.unlock(v.config(), PASS, notes::add));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
        // a damaged data line without a fitting check: damaged, whatever the passphrase
        Files.writeString(v.config(), text.replaceAll("data = .*", "data = " + Base64.getEncoder().encodeToString(data)));
        e = assertThrows(VaultException.class, () -> Vault.unlock(v.config(), "wrong".toCharArray(), notes::add));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
        // a damaged file-key-sig
        Files.writeString(v.config(), text.replaceAll("file-key-sig = .*", "file-key-sig = 0000000000000000"));
        e = assertThrows(VaultException.class, () -> Vault.unlock(v.config(), PASS, notes::add));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void unknownProtectorKindIsSkippedWithANote() throws Exception {
        Vault.Created v = init(true);
        VaultConfig c = VaultConfig.read(v.config());
        String text = Files.readString(v.config());
        String future = "\n[protector token]\nkind = pkcs11-rsa-oaep\nslot = 0\ndata = AAAA\n";
        assertTrue(text.contains("\n[protector passphrase]"), text);
        String withFirst = text.replace("\n[protector passphrase]", future + "\n[protector passphrase]");
        Files.writeString(v.config(), withFirst);
        Vault.Unlocked u = Vault.unlock(v.config(), PASS, notes::add);
        assertEquals(c.fileKeySig(), u.keys().signatures().get(0));
        assertEquals(1, notes.size());
        assertTrue(notes.get(0).contains("pkcs11-rsa-oaep"), notes.get(0));
        // written back, the unknown protector is still there
        VaultConfig.read(v.config()).write(v.config());
        assertTrue(Files.readString(v.config()).contains("[protector token]\nkind = pkcs11-rsa-oaep\nslot = 0\n"));
    }

    @Test
    void onlyUnknownProtectors() throws Exception {
        Vault.Created v = init(false);
        String text = Files.readString(v.config()).replace(Argon2Protector.KIND, "argon2id-v9");
        Files.writeString(v.config(), text);
        VaultException e = assertThrows(VaultException.class, () -> Vault.unlock(v.config(), PASS, notes::add));
        assertTrue(e.getMessage().contains("no protector"), e.getMessage());
    }

    @Test
    void aSecondProtectorOfTheSameMountPassphraseOpensToo() throws Exception {
        Vault.Created v = init(true);
        VaultConfig c = VaultConfig.read(v.config());
        char[] other = "second".toCharArray();
        c.addProtector("backup", WrappedPassphraseProtector.protect(v.mountPassphrase(), other, rng));
        c.write(v.config());
        assertEquals(v.fileKeySig(), Vault.unlock(v.config(), other, notes::add).keys().signatures().get(0));
        assertEquals(v.fileKeySig(), Vault.unlock(v.config(), PASS, notes::add).keys().signatures().get(0));
    }

    @Test
    void refusesTakenPlaces() throws Exception {
        Vault.Created v = init(true);
        Path lower = dir.resolve("l");
        VaultException e = assertThrows(VaultException.class,
                () -> Vault.init(lower, v.config(), PASS, 16, true, rng));
        assertTrue(e.getMessage().contains("already a vault"), e.getMessage());

        Path full = dir.resolve("full");
        Files.createDirectory(full);
        Files.writeString(full.resolve("x"), "x");
        e = assertThrows(VaultException.class, () -> Vault.init(full, Vault.defaultConfig(full), PASS, 16, true, rng));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
        assertFalse(Files.exists(Vault.defaultConfig(full)));

        Path inside = dir.resolve("in");
        e = assertThrows(VaultException.class, () -> Vault.init(inside, inside.resolve("c"), PASS, 16, true, rng));
        assertTrue(e.getMessage().contains("must not be inside"), e.getMessage());
        assertFalse(Files.exists(inside));

        Path empty = dir.resolve("empty");
        Files.createDirectory(empty);
        Vault.init(empty, dir.resolve("elsewhere.conf"), PASS, 24, true, rng);
        assertEquals(24, Vault.unlock(dir.resolve("elsewhere.conf"), PASS, notes::add).keyBytes());
    }

    @Test
    void configFormat() throws Exception {
        Vault.Created v = init(true);
        String text = Files.readString(v.config());
        assertTrue(text.startsWith("ucryptfs-vault 1\ncipher = aes\nkey-bytes = 16\nencrypt-names = true\n"
                + "salt = 0011223344556677\nfile-key-sig = " + v.fileKeySig() + "\nname-key-sig = "
                + v.nameKeySig().orElseThrow() + "\n\n[protector passphrase]\nkind = passphrase-argon2id-v1\n"
                + "created = "), text);
        Map<String, String> p = VaultConfig.read(v.config()).protectors().get(0).entries();
        assertEquals(List.of("kind", "created", "argon2-memory-kib", "argon2-iterations", "argon2-parallelism", "salt",
                "nonce", "data", "check"), List.copyOf(p.keySet()));
        assertEquals("8192", p.get("argon2-memory-kib"), "tests make small Argon2id protectors (-Ducryptfs.argon2)");
        assertNotEquals(0, Base64.getDecoder().decode(p.get("data")).length);
        // the format of vaults made with --ecryptfs-wrapped, as every vault was before Argon2id
        Vault.Created w = initWrapped();
        Map<String, String> q = VaultConfig.read(w.config()).protectors().get(0).entries();
        assertEquals(List.of("kind", "created", "data", "check"), List.copyOf(q.keySet()));
        assertEquals(WrappedPassphraseProtector.KIND, q.get("kind"));
        assertEquals("ecryptfs-wrapped", VaultConfig.read(w.config()).protectors().get(0).name());
    }

}
