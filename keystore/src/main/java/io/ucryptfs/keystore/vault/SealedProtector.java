package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.Secrets;
import io.ucryptfs.core.keys.WrongPassphraseException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A protector whose mount passphrase is sealed with AES-256-GCM (the JDK's) under a 32-byte key the
 * subclass derives from the credential. Its section holds the subclass's parameters, then
 * {@code nonce} (12 bytes, hex), {@code data} (ciphertext and 16-byte tag, base64) and {@code check}
 * (SHA-256 of every entry the module reads, first 8 bytes in hex). The additional authenticated data
 * is {@code "ucryptfs-protector\0" + kind + "\0" + id}, so a sealed value moved to another section
 * does not open there.
 *
 * <p>With the check intact, a failing tag means a wrong credential; a check that does not match
 * means damage. (The check is not a MAC: it catches accidents, not an attacker who rewrites the
 * config, who gains nothing but a refusal to open.)
 */
abstract class SealedProtector extends BaseProtector {
    static final String NONCE = "nonce";
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    static final int KEY_BYTES = 32;

    private final byte[] nonce;
    private final byte[] sealed;

    /** Checks the section: every key in {@code paramKeys}, the nonce, the data and the check. */
    protected SealedProtector(KeyModule module, VaultConfig.Section section, List<String> paramKeys) throws VaultException {
        super(module, section);
        Protectors.verifyCheck(section, checkedKeys(paramKeys));
        byte[][] nd = nonceAndData(section);
        this.nonce = nd[0];
        this.sealed = nd[1];
    }

    static List<String> checkedKeys(List<String> paramKeys) {
        List<String> keys = new ArrayList<>();
        keys.add(Protectors.KIND);
        keys.addAll(paramKeys);
        keys.add(NONCE);
        keys.add(Protectors.DATA);
        return keys;
    }

    /** The 32-byte key from the credential (of the module's type); the caller wipes it. */
    protected abstract byte[] key(Credential credential) throws VaultException;

    @Override
    public final byte[] unlock(Credential credential) throws WrongPassphraseException, VaultException {
        try {
            return unseal(section, module().kind(), key(credential), nonce, sealed);
        } catch (AEADBadTagException e) {
            throw new WrongPassphraseException("protector " + section.label() + " does not open with "
                    + credential.describe());
        }
    }

    /**
     * Opens what {@link #seal} sealed in {@code section} (of {@code kind}) under {@code key}, which is
     * wiped. A tag that does not verify (a wrong key) is the {@link AEADBadTagException}.
     */
    static byte[] unseal(VaultConfig.Section section, String kind, byte[] key, byte[] nonce, byte[] sealed)
            throws AEADBadTagException, VaultException {
        try {
            return crypt(Cipher.DECRYPT_MODE, key, nonce, aad(kind, section.name()), sealed);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new VaultException("protector " + section.label() + ": AES-GCM failed: " + e.getMessage(), e);
        } finally {
            Secrets.wipe(key);
        }
    }

    /** The nonce and sealed data of {@code section}; damaged when out of range. */
    static byte[][] nonceAndData(VaultConfig.Section section) throws VaultException {
        byte[] nonce = hex(section, NONCE, NONCE_BYTES, NONCE_BYTES);
        byte[] sealed = Protectors.base64(section, Protectors.DATA, section.get(Protectors.DATA).orElseThrow());
        if (sealed.length <= TAG_BITS / 8) {
            throw Protectors.damaged(section, "its data is too short");
        }
        return new byte[][] {nonce, sealed};
    }

    /**
     * The entries of a new sealed protector: kind, {@code params} in order, nonce, data, check.
     * Wipes {@code key}.
     */
    static Map<String, String> seal(String kind, String id, Map<String, String> params, byte[] key,
            byte[] mountPassphrase, SecureRandom rng) {
        byte[] nonce = new byte[NONCE_BYTES];
        rng.nextBytes(nonce);
        byte[] data;
        try {
            data = crypt(Cipher.ENCRYPT_MODE, key, nonce, aad(kind, id), mountPassphrase);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM from the JDK failed", e);
        } finally {
            Secrets.wipe(key);
        }
        Map<String, String> e = new LinkedHashMap<>();
        e.put(Protectors.KIND, kind);
        e.putAll(params);
        e.put(NONCE, HexFormat.of().formatHex(nonce));
        e.put(Protectors.DATA, Base64.getEncoder().encodeToString(data));
        e.put(Protectors.CHECK, Protectors.check(e, checkedKeys(List.copyOf(params.keySet()))));
        return e;
    }

    static byte[] aad(String kind, String id) {
        return ("ucryptfs-protector\0" + kind + "\0" + id).getBytes(StandardCharsets.UTF_8);
    }

    // SecretKeySpec keeps its own copy of the key, which cannot be wiped (as the JDK's providers do).
    private static byte[] crypt(int mode, byte[] key, byte[] nonce, byte[] aad, byte[] in)
            throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
        c.updateAAD(aad);
        return c.doFinal(in);
    }

    /** A hex entry of {@code min} to {@code max} bytes. */
    static byte[] hex(VaultConfig.Section section, String key, int min, int max) throws VaultException {
        String v = Protectors.require(section, key);
        byte[] b;
        try {
            b = HexFormat.of().parseHex(v);
        } catch (IllegalArgumentException e) {
            throw Protectors.damaged(section, "its " + key + " is not hex");
        }
        if (b.length < min || b.length > max) {
            throw Protectors.damaged(section, "its " + key + " has " + b.length + " bytes");
        }
        return b;
    }

    /** An integer entry in [{@code min}, {@code max}]. */
    static int integer(VaultConfig.Section section, String key, int min, int max) throws VaultException {
        String v = Protectors.require(section, key);
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw Protectors.damaged(section, "its " + key + " is not a number from " + min + " to " + max);
    }
}
