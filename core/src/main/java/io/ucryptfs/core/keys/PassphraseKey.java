package io.ucryptfs.core.keys;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.Destroyable;

/**
 * A passphrase-derived key as ecryptfs-utils makes it (an eCryptfs "auth tok"): the 64-byte session
 * key {@code k = SHA-512^65536(salt ‖ passphrase)} and its signature, the hex of the first 8 bytes of
 * {@code SHA-512(k)}.
 *
 * <p>The kernel uses the first {@code key_bytes} of {@code k} as the AES key that wraps each file's
 * FEK (tag 3 packets) or each name (tag 70 packets); the signature names the key in every packet.
 * Mirrors ecryptfs-utils {@code generate_passphrase_sig} and {@code do_hash} in
 * {@code src/libecryptfs/main.c}.
 *
 * <p>The key is wiped by {@link #destroy()}; {@link #toString()} never shows it.
 */
public final class PassphraseKey implements Destroyable {

    /** ecryptfs-utils' default salt ({@code ECRYPTFS_DEFAULT_SALT_HEX}). */
    public static final byte[] DEFAULT_SALT = HexFormat.of().parseHex("0011223344556677");
    /**
     * The salt ecryptfs-utils uses for the file-name key: the 8 ASCII bytes "99887766" (its
     * {@code ECRYPTFS_DEFAULT_SALT_FNEK_HEX} is used unparsed), whatever the file salt.
     */
    public static final byte[] FNEK_SALT = "99887766".getBytes(StandardCharsets.US_ASCII);

    public static final int SALT_BYTES = 8;
    public static final int KEY_BYTES = 64;
    /** {@code ECRYPTFS_DEFAULT_NUM_HASH_ITERATIONS}: the first hash plus 65,535 more. */
    static final int HASH_ITERATIONS = 65536;

    private final byte[] key;
    private final byte[] salt;
    private final String signature;
    private volatile boolean destroyed;

    private PassphraseKey(byte[] key, byte[] salt) {
        this.key = key;
        this.salt = salt.clone();
        this.signature = signatureOf(key);
    }

    /**
     * Derives the key of {@code passphrase} (its UTF-8 bytes, as the tools read them from a
     * terminal) with an 8-byte salt.
     */
    public static PassphraseKey derive(byte[] passphrase, byte[] salt) {
        if (salt.length != SALT_BYTES) {
            throw new IllegalArgumentException("salt must be " + SALT_BYTES + " bytes, got " + salt.length);
        }
        MessageDigest sha512 = sha512();
        sha512.update(salt);
        sha512.update(passphrase);
        byte[] k = sha512.digest();
        try {
            for (int i = 1; i < HASH_ITERATIONS; i++) {
                sha512.update(k);
                sha512.digest(k, 0, KEY_BYTES);
            }
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        return new PassphraseKey(k, salt);
    }

    /** Convenience: {@link #derive(byte[], byte[])} of a passphrase given as text (UTF-8). */
    public static PassphraseKey derive(char[] passphrase, byte[] salt) {
        byte[] bytes = Secrets.utf8(passphrase);
        try {
            return derive(bytes, salt);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Builds a key from raw 64-byte session-key material (e.g. from a token); the array is copied. */
    public static PassphraseKey fromRawKey(byte[] rawKey) {
        if (rawKey.length != KEY_BYTES) {
            throw new IllegalArgumentException("raw key must be " + KEY_BYTES + " bytes");
        }
        return new PassphraseKey(rawKey.clone(), DEFAULT_SALT);
    }

    /**
     * The salt the key was derived with. The kernel copies it into every tag 3 packet (it is not
     * secret and not used on reading: keys are found by signature).
     */
    public byte[] salt() {
        return salt.clone();
    }

    /** The 16 lowercase hex characters that name this key in key packets and mount options. */
    public String signature() {
        return signature;
    }

    /** The signature as the 8 raw bytes stored in tag 11 packets. */
    public byte[] signatureBytes() {
        return HexFormat.of().parseHex(signature);
    }

    /**
     * A copy of the first {@code n} key bytes: the AES key (the kernel's
     * {@code auth_tok->token.password.session_key_encryption_key}, used with key_bytes of the cipher).
     * The caller wipes it.
     */
    public byte[] aesKey(int n) {
        checkAlive();
        if (n < 1 || n > KEY_BYTES) {
            throw new IllegalArgumentException("key length " + n);
        }
        return Arrays.copyOf(key, n);
    }

    /**
     * AES-ECB without padding of {@code data} under the first {@code n} key bytes ({@code mode}:
     * {@link Cipher#ENCRYPT_MODE} or {@link Cipher#DECRYPT_MODE}): how a file's key is wrapped in a
     * tag 3 packet.
     *
     * <p>Why here: every create wraps a file key and every open unwraps one. Initialising a pooled
     * cipher with this key each time, then with zeros so that no schedule of it stayed in a shared
     * pool, was two {@code Cipher.init}s (about 5 µs) a file. The ciphers initialised with this key are
     * now this key's own, reused, and wiped with it by {@link #destroy}.
     */
    public byte[] ecb(int mode, int n, byte[] data) {
        checkAlive();
        if (n < 1 || n > KEY_BYTES || (mode != Cipher.ENCRYPT_MODE && mode != Cipher.DECRYPT_MODE)) {
            throw new IllegalArgumentException("AES-ECB: key length " + n + ", mode " + mode);
        }
        Queue<Cipher> pool = ecbCiphers.computeIfAbsent(mode * 256 + n, k -> new ConcurrentLinkedQueue<>());
        Cipher c = pool.poll();
        byte[] out;
        try {
            if (c == null) {
                c = Cipher.getInstance("AES/ECB/NoPadding");
                byte[] k = Arrays.copyOf(key, n);
                try {
                    c.init(mode, new SecretKeySpec(k, "AES"));
                } finally {
                    Arrays.fill(k, (byte) 0);
                }
            }
            out = c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-ECB failed", e); // the cipher is dropped
        }
        pool.offer(c);
        if (destroyed) {
            wipeCiphers(); // destroyed meanwhile: this cipher goes too, and a result of a wiped key is none
            throw new IllegalStateException("key " + signature + " was destroyed");
        }
        return out;
    }

    /** Ciphers initialised with this key, by {@code mode * 256 + n}: see {@link #ecb}. */
    private final Map<Integer, Queue<Cipher>> ecbCiphers = new ConcurrentHashMap<>();

    /** A key of zeros: a cipher re-initialised with it keeps no schedule of ours. */
    private static final SecretKeySpec ZERO_KEY = new SecretKeySpec(new byte[16], "AES");

    private void wipeCiphers() {
        for (Queue<Cipher> q : ecbCiphers.values()) {
            for (Cipher c = q.poll(); c != null; c = q.poll()) {
                try {
                    c.init(Cipher.ENCRYPT_MODE, ZERO_KEY);
                } catch (GeneralSecurityException e) {
                    // AES with a 16-byte key cannot be refused; the cipher is dropped either way
                }
            }
        }
    }

    static String signatureOf(byte[] key) {
        byte[] h = sha512().digest(key);
        String sig = HexFormat.of().formatHex(h, 0, 8);
        Arrays.fill(h, (byte) 0);
        return sig;
    }

    private static MessageDigest sha512() {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 missing from the JDK", e);
        }
    }

    private void checkAlive() {
        if (destroyed) {
            throw new IllegalStateException("key " + signature + " was destroyed");
        }
    }

    @Override
    public void destroy() {
        Arrays.fill(key, (byte) 0);
        destroyed = true;
        wipeCiphers();
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "PassphraseKey[sig=" + signature + "]";
    }
}
