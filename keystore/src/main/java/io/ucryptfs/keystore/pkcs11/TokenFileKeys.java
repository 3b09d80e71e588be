package io.ucryptfs.keystore.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKF_DECRYPT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_USER_NOT_LOGGED_IN;

import io.ucryptfs.core.keys.KeyUnavailableException;
import io.ucryptfs.core.keys.PrivateKeyUnwrapper;
import io.ucryptfs.core.keys.RsaKeySig;
import io.ucryptfs.core.keys.RsaPublicKeyWrapper;
import java.io.IOException;

/**
 * A token's RSA key pair as per-file keys (eCryptfs tag 1 packets): the public side for creating
 * files, in software and without a PIN; the private side for opening them, one decryption on the
 * token per file open.
 *
 * <p>Padding is PKCS#1 v1.5 (CKM_RSA_PKCS), never OAEP, even where the token offers OAEP: a tag 1
 * packet names only "RSA", with no field for the padding, and ecryptfs-utils' PKCS#11 key module
 * encrypts with {@code RSA_PKCS1_PADDING} and decrypts with {@code CKM_RSA_PKCS}. Packets we write
 * then open with its module and the other way round. (The vault's token protector, which stores
 * its padding beside the ciphertext, prefers OAEP; see {@link RsaWrap}.)
 */
public final class TokenFileKeys {
    private TokenFileKeys() {}

    /** The public key {@code uri} names (its public key object; no login), for {@code KeyRing}'s public keys. */
    public static RsaPublicKeyWrapper publicKey(TokenSession session, Pkcs11Uri uri) throws TokenException {
        return new RsaPublicKeyWrapper(RsaWrap.publicKey(session, uri));
    }

    /**
     * The private key {@code uri} names, on a session already logged in, which the returned key owns
     * from here (destroying the key closes it; the token's login ends with its last session). Its
     * signature is the public key object's (same URI), so the token needs both halves of the pair.
     */
    public static Unwrapper privateKey(TokenSession loggedIn, Pkcs11Uri uri) throws TokenException {
        if (!loggedIn.supports(CKM_RSA_PKCS, CKF_DECRYPT)) {
            throw new TokenException("token " + loggedIn.tokenLabel() + " offers no CKM_RSA_PKCS decryption,"
                    + " which eCryptfs tag 1 packets need");
        }
        String sig = RsaKeySig.of(RsaWrap.publicKey(loggedIn, uri));
        TokenKey key = loggedIn.findPrivateKey(uri);
        return new Unwrapper(loggedIn, key, sig);
    }

    /** The private side: {@link RsaWrap#decrypt} with PKCS#1 v1.5 on the token, one caller at a time. */
    public static final class Unwrapper implements PrivateKeyUnwrapper {
        private final TokenSession session;
        private final TokenKey key;
        private final String signature;
        private boolean destroyed;

        private Unwrapper(TokenSession session, TokenKey key, String signature) {
            this.session = session;
            this.key = key;
            this.signature = signature;
        }

        @Override
        public String signature() {
            return signature;
        }

        /**
         * @throws KeyUnavailableException the token is gone (or its module was re-initialised), or
         *     the login ended, or this key was destroyed (a locked mount)
         * @throws TokenException the token refused the data (a damaged packet)
         */
        @Override
        public synchronized byte[] decrypt(byte[] encrypted) throws IOException {
            if (destroyed) {
                throw new KeyUnavailableException("token key " + signature + " was put away (the mount was locked)");
            }
            try {
                return RsaWrap.decrypt(session, key, RsaWrap.Padding.PKCS1_V15, encrypted);
            } catch (TokenAbsentException e) {
                throw new KeyUnavailableException("token " + session.tokenLabel() + " is not there: " + e.getMessage(), e);
            } catch (TokenException e) {
                if (e.ckr() == CKR_USER_NOT_LOGGED_IN) {
                    throw new KeyUnavailableException("token " + session.tokenLabel() + " is logged out", e);
                }
                throw e;
            }
        }

        /** Closes the session (no more token operations); idempotent. */
        @Override
        public synchronized void destroy() {
            if (!destroyed) {
                destroyed = true;
                session.close();
            }
        }

        @Override
        public synchronized boolean isDestroyed() {
            return destroyed;
        }

        @Override
        public String toString() {
            return "token private key " + signature + " on " + session.tokenLabel();
        }
    }
}
