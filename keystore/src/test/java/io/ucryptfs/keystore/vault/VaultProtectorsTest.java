package io.ucryptfs.keystore.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.keys.WrongPassphraseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adding, listing, changing and removing protectors of a vault ({@link VaultProtectors}). */
class VaultProtectorsTest {

    final SecureRandom rng = new SecureRandom();
    final List<String> notes = new ArrayList<>();

    @TempDir
    Path dir;

    Path lower;
    Vault.Created v;

    static PassphraseCredential pass(String p) {
        return new PassphraseCredential(p.toCharArray());
    }

    void init() throws Exception {
        lower = dir.resolve("l");
        v = Vault.init(lower, Vault.defaultConfig(lower), "first".toCharArray(), 16, true, rng);
    }

    MountPassphrase unlock(Credential c) throws Exception {
        return Vault.mountPassphrase(VaultConfig.read(v.config()), c, id -> true, notes::add);
    }

    String add(KeyModule m, Credential c, String label) throws Exception {
        VaultConfig conf = VaultConfig.read(v.config());
        try (MountPassphrase mp = unlock(pass("first"))) {
            return VaultProtectors.add(v.config(), conf, mp, m, c, label, rng);
        }
    }

    @Test
    void addListRemove() throws Exception {
        init();
        Path keyFile = dir.resolve("key");
        KeyFileCredential kf = KeyFileCredential.createOrRead(keyFile, rng, () -> { });
        assertEquals("keyfile", add(Vault.keyFileModule(), kf, "usb stick"));
        assertEquals("passphrase-2", add(Vault.passphraseModule(), pass("second"), null));
        assertEquals("ecryptfs-wrapped", add(Vault.ecryptfsWrappedModule(), pass("third"), ""));

        List<VaultProtectors.Info> list = VaultProtectors.list(VaultConfig.read(v.config()));
        assertEquals(List.of("passphrase", "keyfile", "passphrase-2", "ecryptfs-wrapped"),
                list.stream().map(VaultProtectors.Info::id).toList());
        assertEquals(List.of(Argon2Protector.KIND, KeyFileProtector.KIND, Argon2Protector.KIND, WrappedPassphraseProtector.KIND),
                list.stream().map(VaultProtectors.Info::kind).toList());
        assertEquals(Optional.of("usb stick"), list.get(1).label());
        assertEquals(Optional.empty(), list.get(2).label());
        assertTrue(list.stream().allMatch(i -> i.created().orElseThrow().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ")));

        // each opens, and says which one did
        try (MountPassphrase mp = unlock(KeyFileCredential.read(keyFile))) {
            assertEquals("keyfile", mp.protectorId());
        }
        try (MountPassphrase mp = unlock(pass("second"))) {
            assertEquals("passphrase-2", mp.protectorId());
        }
        try (MountPassphrase mp = unlock(pass("third"))) {
            assertEquals("ecryptfs-wrapped", mp.protectorId());
        }
        assertThrows(WrongPassphraseException.class, () -> unlock(pass("fourth")));

        VaultConfig c = VaultConfig.read(v.config());
        VaultProtectors.remove(v.config(), c, "passphrase-2");
        assertThrows(WrongPassphraseException.class, () -> unlock(pass("second")));
        unlock(pass("first")).destroy();
        assertEquals(3, VaultConfig.read(v.config()).protectors().size());
    }

    @Test
    void theLastProtectorIsNotRemoved() throws Exception {
        init();
        VaultConfig c = VaultConfig.read(v.config());
        VaultException e = assertThrows(VaultException.class, () -> VaultProtectors.remove(v.config(), c, "passphrase"));
        assertTrue(e.getMessage().contains("last"), e.getMessage());
        assertTrue(VaultProtectors.whyNotRemovable(c, "nope").orElseThrow().contains("no protector nope"));
        // one known and one unknown kind: the known one is still the last this version can open
        Files.writeString(v.config(), Files.readString(v.config()) + "\n[protector token]\nkind = pkcs11-x\n");
        VaultConfig c2 = VaultConfig.read(v.config());
        assertTrue(VaultProtectors.whyNotRemovable(c2, "passphrase").isPresent());
        assertTrue(VaultProtectors.whyNotRemovable(c2, "token").isEmpty());
        unlock(pass("first")).destroy();
    }

    @Test
    void changeGivesANewPassphraseAndKeepsIdLabelAndDate() throws Exception {
        init();
        add(Vault.passphraseModule(), pass("second"), "spare");
        VaultConfig c = VaultConfig.read(v.config());
        VaultConfig.Section before = c.section(VaultConfig.PROTECTOR, "passphrase-2").orElseThrow();
        try (MountPassphrase mp = unlock(pass("second"))) {
            VaultProtectors.change(v.config(), c, mp, "passphrase-2", pass("new"), rng);
        }
        assertThrows(WrongPassphraseException.class, () -> unlock(pass("second")));
        try (MountPassphrase mp = unlock(pass("new"))) {
            assertEquals("passphrase-2", mp.protectorId());
        }
        unlock(pass("first")).destroy();
        VaultConfig.Section after = VaultConfig.read(v.config()).section(VaultConfig.PROTECTOR, "passphrase-2").orElseThrow();
        assertEquals(before.get("label"), after.get("label"));
        assertEquals(before.get("created"), after.get("created"));
        assertTrue(after.get("changed").isPresent());
        assertFalse(before.get("salt").equals(after.get("salt")));
        assertEquals(List.of("passphrase", "passphrase-2"),
                VaultConfig.read(v.config()).protectors().stream().map(VaultConfig.Section::name).toList());
    }

    @Test
    void aVaultWithOnlyTheWrappedPassphraseKeepsWorking() throws Exception {
        // the config as ucryptfs wrote it before Argon2id (no label, no created)
        lower = dir.resolve("old");
        Path conf = Vault.defaultConfig(lower);
        PassphraseCredential old = pass("old one");
        v = Vault.init(lower, conf, Vault.ecryptfsWrappedModule(), old, 16, true, rng);
        String text = Files.readString(conf).replace("[protector ecryptfs-wrapped]", "[protector passphrase]")
                .replaceAll("created = .*\n", "");
        Files.writeString(conf, text);
        try (Vault.Unlocked u = Vault.unlock(conf, "old one".toCharArray(), notes::add)) {
            assertEquals(v.fileKeySig(), u.keys().signatures().get(0));
        }
        assertEquals(Optional.empty(), VaultProtectors.list(VaultConfig.read(conf)).get(0).created());
        // and takes an Argon2id protector beside it; then the old one can go
        VaultConfig c = VaultConfig.read(conf);
        try (MountPassphrase mp = Vault.mountPassphrase(c, pass("old one"), id -> true, notes::add)) {
            assertEquals("passphrase-2", VaultProtectors.add(conf, c, mp, Vault.passphraseModule(), pass("new one"), null, rng));
        }
        VaultProtectors.remove(conf, VaultConfig.read(conf), "passphrase");
        try (Vault.Unlocked u = Vault.unlock(conf, "new one".toCharArray(), notes::add)) {
            assertEquals(v.fileKeySig(), u.keys().signatures().get(0));
        }
        assertEquals(List.of(), notes);
    }

    @Test
    void unlockSkipsExcludedProtectorsAndOtherCredentialTypes() throws Exception {
        init();
        add(Vault.passphraseModule(), pass("second"), null);
        VaultConfig c = VaultConfig.read(v.config());
        assertThrows(WrongPassphraseException.class,
                () -> Vault.mountPassphrase(c, pass("first"), id -> !id.equals("passphrase"), notes::add));
        Path f = Files.write(dir.resolve("k"), new byte[32]);
        VaultException e = assertThrows(VaultException.class,
                () -> Vault.mountPassphrase(c, KeyFileCredential.read(f), id -> true, notes::add));
        assertTrue(e.getMessage().contains("no protector") && e.getMessage().contains("key file"), e.getMessage());
    }

    @Test
    void aChangeMeanwhileIsNotOverwritten() throws Exception {
        init();
        VaultConfig c = VaultConfig.read(v.config());
        add(Vault.passphraseModule(), pass("second"), null); // another command, after c was read
        try (MountPassphrase mp = unlock(pass("first"))) {
            VaultException e = assertThrows(VaultException.class,
                    () -> VaultProtectors.add(v.config(), c, mp, Vault.passphraseModule(), pass("third"), null, rng));
            assertTrue(e.getMessage().contains("changed while"), e.getMessage());
        }
        unlock(pass("second")).destroy();
    }

    @Test
    void anotherVaultsMountPassphraseIsNotProtected() throws Exception {
        init();
        Vault.Created other = Vault.init(dir.resolve("o"), dir.resolve("o.ucryptfs"), "x".toCharArray(), 16, true, rng);
        VaultConfig c = VaultConfig.read(v.config());
        try (MountPassphrase mp = Vault.mountPassphrase(VaultConfig.read(other.config()), pass("x"), id -> true, notes::add)) {
            assertThrows(VaultException.class,
                    () -> VaultProtectors.add(v.config(), c, mp, Vault.passphraseModule(), pass("y"), null, rng));
        }
    }

    @Test
    void labelsAreOneShortLine() throws Exception {
        init();
        VaultException e = assertThrows(VaultException.class,
                () -> add(Vault.passphraseModule(), pass("p"), "two\nlines"));
        assertTrue(e.getMessage().contains("label"), e.getMessage());
        assertThrows(VaultException.class, () -> add(Vault.passphraseModule(), pass("p"), "x".repeat(65)));
    }
}
