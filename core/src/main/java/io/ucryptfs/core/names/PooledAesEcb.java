package io.ucryptfs.core.names;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import io.ucryptfs.core.util.Pool;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import javax.security.auth.Destroyable;

/**
 * AES-ECB without padding under one key, with a pool of initialised JDK {@link Cipher} pairs
 * ({@code Cipher} is not thread-safe, and {@code getInstance} + {@code init} per name would cost more
 * than encrypting the name; a pool rather than one pair per thread, because libfuse's worker threads
 * come and go). This is the kernel's {@code ecb(aes)} key tfm that
 * {@code ecryptfs_get_tfm_and_mutex_for_cipher_name} hands to the tag 70 code, where the kernel
 * serialises on one tfm with a mutex instead.
 *
 * <p>{@link #destroy()} wipes our copy of the key and re-keys every pair's ciphers with zeros, so
 * none of them can be used any more. The JDK keeps internal copies of key material (the expanded key
 * schedule, the key spec's clone) that Java cannot reliably wipe; this is best effort. The registry of
 * pairs (needed to reach them all on destroy) holds as many as were ever in use at once.
 */
final class PooledAesEcb implements Destroyable {

    private final byte[] key;
    private final Set<PerThread> all = ConcurrentHashMap.newKeySet();
    private final Pool<PerThread> pool = new Pool<>(this::newPerThread);
    private volatile boolean destroyed;

    /** @param key 16, 24 or 32 bytes; copied */
    PooledAesEcb(byte[] key) {
        this.key = key.clone();
    }

    byte[] encrypt(byte[] blocks) {
        return run(true, blocks);
    }

    byte[] decrypt(byte[] blocks) {
        return run(false, blocks);
    }

    private byte[] run(boolean encrypt, byte[] blocks) {
        PerThread p = pool.take();
        try {
            return p.run(encrypt, blocks);
        } finally {
            pool.give(p);
        }
    }

    private PerThread newPerThread() {
        checkAlive();
        PerThread p = new PerThread(key);
        all.add(p);
        if (destroyed) { // lost a race with destroy(): make sure this one is wiped too
            p.wipe();
            checkAlive();
        }
        return p;
    }

    private void checkAlive() {
        if (destroyed) {
            throw new IllegalStateException("name cipher key was destroyed");
        }
    }

    @Override
    public void destroy() {
        destroyed = true;
        for (PerThread p : all) {
            p.wipe();
        }
        all.clear();
        pool.drain(p -> { });
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    private static final class PerThread {
        private final Cipher enc;
        private final Cipher dec;
        private final int keyLength;
        private boolean wiped;

        PerThread(byte[] key) {
            keyLength = key.length;
            try {
                enc = Cipher.getInstance("AES/ECB/NoPadding");
                dec = Cipher.getInstance("AES/ECB/NoPadding");
                SecretKeySpec spec = new SecretKeySpec(key, "AES");
                enc.init(Cipher.ENCRYPT_MODE, spec);
                dec.init(Cipher.DECRYPT_MODE, spec);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES/ECB/NoPadding unavailable in this JDK", e);
            }
        }

        // Synchronised only so destroy() on another thread cannot re-key mid-operation; uncontended
        // otherwise (a pair is used by one thread at a time).
        synchronized byte[] run(boolean encrypt, byte[] blocks) {
            if (wiped) {
                throw new IllegalStateException("name cipher key was destroyed");
            }
            try {
                return (encrypt ? enc : dec).doFinal(blocks);
            } catch (GeneralSecurityException e) {
                // Only a length that is not a multiple of 16 can get here; callers check that first.
                throw new IllegalStateException("AES-ECB failed on " + blocks.length + " bytes", e);
            }
        }

        synchronized void wipe() {
            wiped = true;
            try {
                SecretKeySpec zero = new SecretKeySpec(new byte[keyLength], "AES");
                enc.init(Cipher.ENCRYPT_MODE, zero);
                dec.init(Cipher.DECRYPT_MODE, zero);
            } catch (GeneralSecurityException e) {
                // Nothing more we can do; the ciphers are unusable through this object anyway.
            }
        }
    }
}
