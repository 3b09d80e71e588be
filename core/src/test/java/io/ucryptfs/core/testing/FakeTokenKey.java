package io.ucryptfs.core.testing;

import io.ucryptfs.core.keys.KeyUnavailableException;
import io.ucryptfs.core.keys.PrivateKeyUnwrapper;
import io.ucryptfs.core.keys.RsaKeySig;
import io.ucryptfs.core.keys.RsaPublicKeyWrapper;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;

/**
 * An in-memory RSA key pair standing in for a token's: {@link #publicKey()} as the mount would read it,
 * {@link #privateKey()} as a token-backed unwrapper, counting its operations, and {@link #remove()} to
 * take the "token" away (later decryptions fail with {@link KeyUnavailableException}).
 */
public final class FakeTokenKey {
    private static KeyPair shared;

    private final KeyPair pair;
    public final AtomicInteger decryptions = new AtomicInteger();
    private volatile boolean removed;

    private FakeTokenKey(KeyPair pair) {
        this.pair = pair;
    }

    /** A key pair made once per JVM (RSA-2048 key generation is slow). */
    public static synchronized FakeTokenKey shared() {
        if (shared == null) {
            shared = generate(2048);
        }
        return new FakeTokenKey(shared);
    }

    public static FakeTokenKey fresh(int bits) {
        return new FakeTokenKey(generate(bits));
    }

    private static KeyPair generate(int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public KeyPair pair() {
        return pair;
    }

    public String signature() {
        return RsaKeySig.of((RSAPublicKey) pair.getPublic());
    }

    /** A new public-key wrapper (a ring destroys the ones it holds). */
    public RsaPublicKeyWrapper publicKey() {
        return new RsaPublicKeyWrapper((RSAPublicKey) pair.getPublic());
    }

    /** The "token" goes away. */
    public void remove() {
        removed = true;
    }

    /** A new private-key unwrapper over this pair, counting into {@link #decryptions}. */
    public PrivateKeyUnwrapper privateKey() {
        return new PrivateKeyUnwrapper() {
            private volatile boolean destroyed;

            @Override
            public String signature() {
                return FakeTokenKey.this.signature();
            }

            @Override
            public byte[] decrypt(byte[] encrypted) throws IOException {
                if (removed || destroyed) {
                    throw new KeyUnavailableException("fake token key " + signature() + " is gone");
                }
                decryptions.incrementAndGet();
                try {
                    Cipher c = Cipher.getInstance("RSA/ECB/PKCS1Padding");
                    c.init(Cipher.DECRYPT_MODE, pair.getPrivate());
                    return c.doFinal(encrypted);
                } catch (GeneralSecurityException e) {
                    throw new IOException("decryption failed: " + e.getMessage(), e);
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
        };
    }
}
