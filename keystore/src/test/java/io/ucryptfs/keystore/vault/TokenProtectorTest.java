package io.ucryptfs.keystore.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.pkcs11.PinCounter;
import io.ucryptfs.keystore.pkcs11.SoftHsm;
import io.ucryptfs.keystore.pkcs11.WrongPinException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PKCS#11 token protector ({@link TokenProtector}) on SoftHSM2 tokens, RSA, AES and EC, each test a token of its own. */
class TokenProtectorTest {
    final SecureRandom rng = new SecureRandom();
    final List<String> notes = new ArrayList<>();

    @TempDir
    Path dir;

    Vault.Created v;

    /** A vault with a passphrase protector, and a token protector added with the key {@code object} of {@code hsm}. */
    String vaultWithToken(SoftHsm hsm, String object) throws Exception {
        hsm.module();
        Path lower = dir.resolve("l");
        v = Vault.init(lower, Vault.defaultConfig(lower), "first".toCharArray(), 16, true, rng);
        try (MountPassphrase mp = unlock(new PassphraseCredential("first".toCharArray()))) {
            return VaultProtectors.add(v.config(), VaultConfig.read(v.config()), mp, Vault.tokenModule(),
                    token(hsm.uri(object), SoftHsm.PIN), "usb token", rng);
        }
    }

    static TokenCredential token(Pkcs11Uri uri, String pin) {
        return new TokenCredential(uri, pin.toCharArray());
    }

    MountPassphrase unlock(Credential c) throws Exception {
        return Vault.mountPassphrase(VaultConfig.read(v.config()), c, id -> true, notes::add);
    }

    void assertTokenOpens(SoftHsm hsm, String object) throws Exception {
        try (MountPassphrase mp = unlock(token(hsm.uri(object), SoftHsm.PIN))) {
            assertEquals("token", mp.protectorId());
        }
    }

    /** A token {@code label} with an EC key pair "k" on {@code curve}, and a vault with a token protector for it. */
    SoftHsm ecVault(String label, String curve) throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, label).ec("k", "03", curve);
        vaultWithToken(hsm, "k");
        return hsm;
    }

    void assertPassphraseOpens() throws Exception {
        try (MountPassphrase mp = unlock(new PassphraseCredential("first".toCharArray()))) {
            assertEquals("passphrase", mp.protectorId());
        }
    }

    VaultConfig.Section section(String id) throws Exception {
        return VaultConfig.read(v.config()).section("protector", id).orElseThrow();
    }

    @Test
    void rsaOaepAddThenUnlockWithThePin() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "rsa").rsa("k", "01");
        assertEquals("token", vaultWithToken(hsm, "k"));
        Map<String, String> e = section("token").entries();
        assertEquals(TokenProtector.KIND, e.get("kind"));
        assertEquals("rsa-oaep-sha1", e.get("mechanism"));
        assertEquals("pkcs11:token=rsa;object=k?module-path=" + SoftHsm.MODULE, e.get("uri"));
        assertFalse(String.join("\n", e.values()).contains(SoftHsm.PIN + "\n"));
        assertTokenOpens(hsm, "k");
        // a URI naming the token only selects its protectors too; the passphrase still opens
        try (MountPassphrase mp = unlock(token(Pkcs11Uri.parse("pkcs11:token=rsa"), SoftHsm.PIN))) {
            assertEquals("token", mp.protectorId());
        }
        assertPassphraseOpens();
        assertEquals(List.of(hsm.uri("k")), TokenProtector.uris(VaultConfig.read(v.config())));
        assertTrue(TokenProtector.absence(hsm.uri("k")).isEmpty());
        String details = VaultProtectors.list(VaultConfig.read(v.config())).get(1).details();
        assertEquals("token rsa, key \"k\", rsa-oaep-sha1", details);
    }

    @Test
    void aesKeyWrapAddThenUnlockWithThePin() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "aes").aes("w", "02");
        vaultWithToken(hsm, "w");
        assertEquals("aes-key-wrap-pad", section("token").get("mechanism").orElseThrow());
        assertTokenOpens(hsm, "w");
    }

    @Test
    void wrongPinIsTypedSaysTheCounterAndUnlocksNothing() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "pin").aes("w", "02");
        vaultWithToken(hsm, "w");
        TokenCredential wrong = token(hsm.uri("w"), "0000");
        TokenProtectorException e = assertThrows(TokenProtectorException.class, () -> unlock(wrong));
        assertTrue(e.wrongPin(), e.getMessage());
        assertEquals(PinCounter.COUNT_LOW, ((WrongPinException) e.getCause()).counter());
        assertTrue(e.getMessage().contains("wrong PIN for token pin: wrong PINs have been entered"), e.getMessage());
        assertFalse(e.getMessage().contains("0000"));
        // the right PIN works next: one login was spent, nothing retried it
        assertTokenOpens(hsm, "w");
    }

    @Test
    void absentTokenIsTypedAndThePassphraseStillOpens() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "gone").rsa("k", "01");
        vaultWithToken(hsm, "k");
        hsm.remove();
        TokenProtectorException e = assertThrows(TokenProtectorException.class,
                () -> unlock(token(hsm.uri("k"), SoftHsm.PIN)));
        assertTrue(e.absent(), e.getMessage());
        assertTrue(e.getMessage().contains("token gone not present"), e.getMessage());
        assertTrue(TokenProtector.absence(hsm.uri("k")).orElseThrow().startsWith("token gone not present"));
        assertPassphraseOpens();
    }

    @Test
    void damagedSectionSaysDamagedNotWrongPin() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "dmg").aes("w", "02");
        vaultWithToken(hsm, "w");
        String text = Files.readString(v.config());
        String data = section("token").get("data").orElseThrow();
        char c = data.charAt(3) == 'A' ? 'B' : 'A';
        Files.writeString(v.config(), text.replace(data, data.substring(0, 3) + c + data.substring(4)));
        VaultException e = assertThrows(VaultException.class, () -> unlock(token(hsm.uri("w"), SoftHsm.PIN)));
        assertFalse(e instanceof TokenProtectorException);
        assertTrue(e.getMessage().contains("[protector token] is damaged"), e.getMessage());
        // the passphrase still opens, with a note about the damaged one
        assertPassphraseOpens();
    }

    @Test
    void otherTokensCredentialIsNotTriedAndMissingKeyIsRefusedWhenAdding() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "mine").aes("w", "02");
        vaultWithToken(hsm, "w");
        assertThrows(WrongPassphraseException.class, () -> unlock(token(Pkcs11Uri.parse(
                "pkcs11:token=theirs?module-path=" + SoftHsm.MODULE), SoftHsm.PIN)));
        try (MountPassphrase mp = unlock(new PassphraseCredential("first".toCharArray()))) {
            TokenProtectorException e = assertThrows(TokenProtectorException.class, () -> VaultProtectors.add(
                    v.config(), VaultConfig.read(v.config()), mp, Vault.tokenModule(), token(hsm.uri("nope"), SoftHsm.PIN),
                    null, rng));
            assertTrue(e.getMessage().contains("\"nope\""), e.getMessage());
        }
        assertEquals(2, VaultConfig.read(v.config()).protectors().size());
    }

    @Test
    void ecdhP256AddThenUnlockWithThePin() throws Exception {
        SoftHsm hsm = ecVault("ec", "prime256v1");
        Map<String, String> e = section("token").entries();
        assertEquals("ecdh-p256", e.get("mechanism"));
        assertEquals(List.of("kind", "label", "created", "uri", "mechanism", "ephemeral-key", "nonce", "data", "check"),
                List.copyOf(e.keySet()));
        byte[] point = Base64.getDecoder().decode(e.get("ephemeral-key"));
        assertEquals(65, point.length);
        assertEquals(4, point[0]);
        assertTokenOpens(hsm, "k");
        assertPassphraseOpens();
        String details = VaultProtectors.list(VaultConfig.read(v.config())).get(1).details();
        assertEquals("token ec, key \"k\", ecdh-p256", details);
    }

    @Test
    void ecdhP384AddThenUnlockWithThePin() throws Exception {
        SoftHsm hsm = ecVault("ec384", "secp384r1");
        assertEquals("ecdh-p384", section("token").get("mechanism").orElseThrow());
        assertEquals(97, Base64.getDecoder().decode(section("token").get("ephemeral-key").orElseThrow()).length);
        assertTokenOpens(hsm, "k");
    }

    @Test
    void ecdhWrongPinIsTyped() throws Exception {
        SoftHsm hsm = ecVault("ecpin", "prime256v1");
        TokenProtectorException e = assertThrows(TokenProtectorException.class,
                () -> unlock(token(hsm.uri("k"), "0000")));
        assertTrue(e.wrongPin(), e.getMessage());
        assertTrue(e.getMessage().contains("wrong PIN for token ecpin"), e.getMessage());
        assertTokenOpens(hsm, "k");
    }

    @Test
    void ecdhAbsentTokenIsTyped() throws Exception {
        SoftHsm hsm = ecVault("ecgone", "prime256v1");
        hsm.remove();
        TokenProtectorException e = assertThrows(TokenProtectorException.class,
                () -> unlock(token(hsm.uri("k"), SoftHsm.PIN)));
        assertTrue(e.absent(), e.getMessage());
        assertTrue(e.getMessage().contains("token ecgone not present"), e.getMessage());
        assertPassphraseOpens();
    }

    @Test
    void ecdhDamagedSectionSaysDamaged() throws Exception {
        SoftHsm hsm = ecVault("ecdmg", "prime256v1");
        String text = Files.readString(v.config());
        for (String entry : List.of("ephemeral-key", "nonce", "data")) {
            String value = section("token").get(entry).orElseThrow();
            char c = value.charAt(3) == 'A' ? 'B' : 'A';
            Files.writeString(v.config(), text.replace(value, value.substring(0, 3) + c + value.substring(4)));
            VaultException e = assertThrows(VaultException.class, () -> unlock(token(hsm.uri("k"), SoftHsm.PIN)));
            assertFalse(e instanceof TokenProtectorException, entry);
            assertTrue(e.getMessage().contains("[protector token] is damaged"), e.getMessage());
            Files.writeString(v.config(), text);
        }
        assertTokenOpens(hsm, "k");
    }

    @Test
    void ecdhWithAnotherKeyOfTheSameLabelIsATokenError() throws Exception {
        SoftHsm hsm = ecVault("ecswap", "prime256v1");
        // the key replaced by another of the same label: the token derives another secret
        SoftHsm.run("pkcs11-tool", "--module", SoftHsm.MODULE, "--token-label", "ecswap", "--login", "--pin",
                SoftHsm.PIN, "--delete-object", "--type", "privkey", "--label", "k");
        SoftHsm.run("pkcs11-tool", "--module", SoftHsm.MODULE, "--token-label", "ecswap", "--login", "--pin",
                SoftHsm.PIN, "--delete-object", "--type", "pubkey", "--label", "k");
        hsm.ec("k", "04", "prime256v1").module();
        TokenProtectorException e = assertThrows(TokenProtectorException.class,
                () -> unlock(token(hsm.uri("k"), SoftHsm.PIN)));
        assertTrue(e.getMessage().contains("not the one this protector was made with"), e.getMessage());
    }
}
