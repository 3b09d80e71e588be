package io.ucryptfs.core.keys;

import java.security.GeneralSecurityException;
import java.security.interfaces.RSAPublicKey;
import javax.crypto.Cipher;

/**
 * RSA encryption of a tag 1 packet's session-key message with PKCS#1 v1.5 padding, in software: what
 * ecryptfs-utils' PKCS#11 key module does ({@code RSA_public_encrypt(..., RSA_PKCS1_PADDING)} in
 * {@code ecryptfs_pkcs11h_encrypt}), so its {@code CKM_RSA_PKCS} decryption on the token reads our
 * packets and ours read its. The tag 1 packet has no field for the padding (only "RSA"), so OAEP
 * could not be told apart and would not be read by ecryptfs-utils.
 *
 * <p>The public key is not secret; {@link #destroy} only marks the wrapper unusable, so a locked
 * mount creates no file until unlocked.
 */
public final class RsaPublicKeyWrapper implements PublicKeyWrapper {
    /** {@code ECRYPTFS_MAX_ENCRYPTED_KEY_BYTES}: a tag 1 packet holds at most 512 encrypted bytes (RSA-4096). */
    public static final int MAX_MODULUS_BITS = 4096;
    /** The smallest modulus taken: below that, RSA is breakable. */
    public static final int MIN_MODULUS_BITS = 2048;

    private final RSAPublicKey key;
    private final String signature;
    private volatile boolean destroyed;

    public RsaPublicKeyWrapper(RSAPublicKey key) {
        int bits = key.getModulus().bitLength();
        if (bits > MAX_MODULUS_BITS || bits < MIN_MODULUS_BITS) {
            throw new IllegalArgumentException("an RSA key for tag 1 packets must have " + MIN_MODULUS_BITS + " to "
                    + MAX_MODULUS_BITS + " bits (eCryptfs stores at most 512 encrypted bytes), this one has " + bits);
        }
        this.key = key;
        this.signature = RsaKeySig.of(key);
    }

    @Override
    public String signature() {
        return signature;
    }

    public RSAPublicKey publicKey() {
        return key;
    }

    @Override
    public byte[] encrypt(byte[] message) {
        if (destroyed) {
            throw new IllegalStateException("public key " + signature + " was destroyed");
        }
        try {
            Cipher c = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            c.init(Cipher.ENCRYPT_MODE, key);
            return c.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA encryption with key " + signature + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void destroy() {
        destroyed = true;
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "RsaPublicKeyWrapper[" + signature + ", " + key.getModulus().bitLength() + " bits]";
    }
}
