package io.ucryptfs.keystore.recovery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.Destroyable;

/**
 * A vault's recovery key: 32 random bytes, split into shares by {@link RecoverySet} and used for two
 * things only, each through its own key derived with HMAC-SHA256 under a fixed label:
 *
 * <ul>
 *   <li>the check value stored in the vault config,
 *       {@code HMAC(HMAC(key, "ucryptfs recovery check v1"), set id)}, first 16 bytes, which tells
 *       the right key from any other (see {@link RecoveryCheck});</li>
 *   <li>wrapping the mount passphrase: AES-256-GCM under {@code HMAC(key, "ucryptfs recovery wrap
 *       v1")}, a random 12-byte nonce, the label as associated data; the wrapped form is
 *       {@code nonce ‖ ciphertext ‖ 16-byte tag}.</li>
 * </ul>
 *
 * <p>{@link #destroy()} (or {@link #close()}) wipes the key; {@link #toString()} never shows it. The
 * JDK's {@code SecretKeySpec} keeps a copy of each derived key that cannot be wiped (its
 * {@code destroy} is unsupported on JDK 17); those copies live only inside one call.
 */
public final class RecoveryKey implements Destroyable, AutoCloseable {

    public static final int BYTES = 32;

    static final byte[] CHECK_LABEL = "ucryptfs recovery check v1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] WRAP_LABEL = "ucryptfs recovery wrap v1".getBytes(StandardCharsets.US_ASCII);
    static final int CHECK_BYTES = 16;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;

    private final byte[] key;
    private volatile boolean destroyed;

    private RecoveryKey(byte[] key) {
        this.key = key;
    }

    /** A new random recovery key. */
    public static RecoveryKey generate(SecureRandom random) {
        byte[] k = new byte[BYTES];
        random.nextBytes(k);
        return new RecoveryKey(k);
    }

    /** Takes over {@code key} (not copied: the new object wipes it). */
    static RecoveryKey wrapping(byte[] key) {
        if (key.length != BYTES) {
            throw new IllegalArgumentException("a recovery key is " + BYTES + " bytes, not " + key.length);
        }
        return new RecoveryKey(key);
    }

    /** A copy of the key bytes; the caller wipes it. */
    byte[] bytes() {
        live();
        return key.clone();
    }

    /** The check value of this key for the set {@code setId}. */
    byte[] check(SetId setId) {
        byte[] checkKey = derive(CHECK_LABEL);
        try {
            return Arrays.copyOf(hmac(checkKey, setId.bytes()), CHECK_BYTES);
        } finally {
            Arrays.fill(checkKey, (byte) 0);
        }
    }

    /** {@code secret} (the mount passphrase) wrapped under this key with AES-256-GCM. */
    public byte[] wrap(byte[] secret, SecureRandom random) {
        byte[] out = new byte[NONCE_BYTES + secret.length + TAG_BYTES];
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
        byte[] wrapKey = derive(WRAP_LABEL);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(wrapKey, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            c.updateAAD(WRAP_LABEL);
            c.doFinal(secret, 0, secret.length, out, NONCE_BYTES);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from the JDK", e);
        } finally {
            Arrays.fill(wrapKey, (byte) 0);
        }
    }

    /**
     * The secret that {@link #wrap} wrapped; the caller wipes it.
     *
     * @throws RecoveryException this key did not wrap it, or it is damaged
     */
    public byte[] unwrap(byte[] wrapped) throws RecoveryException {
        if (wrapped.length < NONCE_BYTES + TAG_BYTES) {
            throw new RecoveryException("the wrapped passphrase is damaged: it is too short");
        }
        byte[] wrapKey = derive(WRAP_LABEL);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(wrapKey, "AES"),
                    new GCMParameterSpec(TAG_BYTES * 8, wrapped, 0, NONCE_BYTES));
            c.updateAAD(WRAP_LABEL);
            return c.doFinal(wrapped, NONCE_BYTES, wrapped.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new RecoveryException("the recovery key does not open the wrapped passphrase:"
                    + " it is damaged or was wrapped by another recovery key");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from the JDK", e);
        } finally {
            Arrays.fill(wrapKey, (byte) 0);
        }
    }

    private byte[] derive(byte[] label) {
        live();
        return hmac(key, label);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from the JDK", e);
        }
    }

    private void live() {
        if (destroyed) {
            throw new IllegalStateException("the recovery key has been destroyed");
        }
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public void close() {
        destroy();
    }

    @Override
    public String toString() {
        return destroyed ? "RecoveryKey[destroyed]" : "RecoveryKey[32 bytes]";
    }
}
