package io.ucryptfs.keystore.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_MODULUS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_PUBLIC_EXPONENT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKF_DECRYPT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKG_MGF1_SHA1;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_RSA_PKCS_OAEP;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_SHA_1;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_PUBLIC_KEY;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKZ_DATA_SPECIFIED;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.params.RSA_PKCS_OAEP_PARAMS;

/**
 * A secret encrypted to a token's RSA key: encryption in software with the public key (from the
 * token's public key object, or any copy of modulus and exponent: making a protector needs no PIN),
 * decryption on the token with the private key, which never leaves it.
 *
 * <p>Padding is OAEP with SHA-1 and MGF1-SHA-1, the only OAEP SoftHSM2 2.6 takes, and PKCS#1 v1.5
 * where the token does not offer CKM_RSA_PKCS_OAEP for decryption ({@link #padding}). The padding
 * used must be kept with the ciphertext.
 */
public final class RsaWrap {
    private RsaWrap() {}

    public enum Padding {
        /** CKM_RSA_PKCS_OAEP, hash SHA-1, MGF1 with SHA-1, no label. */
        OAEP_SHA1,
        /** CKM_RSA_PKCS: PKCS#1 v1.5 encryption padding. */
        PKCS1_V15
    }

    /** The best padding the session's token offers for decryption. */
    public static Padding padding(TokenSession session) throws TokenException {
        if (session.supports(CKM_RSA_PKCS_OAEP, CKF_DECRYPT)) {
            return Padding.OAEP_SHA1;
        }
        if (session.supports(CKM_RSA_PKCS, CKF_DECRYPT)) {
            return Padding.PKCS1_V15;
        }
        throw new TokenException("token " + session.tokenLabel() + " offers no RSA decryption"
                + " (neither CKM_RSA_PKCS_OAEP nor CKM_RSA_PKCS)");
    }

    /** The RSA public key the URI names, read from its public key object (no login needed). */
    public static RSAPublicKey publicKey(TokenSession session, Pkcs11Uri uri) throws TokenException {
        return publicKey(session, session.findKey(uri, CKO_PUBLIC_KEY), uri);
    }

    /** The RSA public key of the public key object {@code key}, which {@code uri} named. */
    public static RSAPublicKey publicKey(TokenSession session, TokenKey key, Pkcs11Uri uri) throws TokenException {
        AttributeVector attrs = session.call("reading public key " + TokenSession.keyName(uri),
                s -> s.getAttrValues(key.handle(), CKA_MODULUS, CKA_PUBLIC_EXPONENT));
        BigInteger n = attrs.modulus();
        BigInteger e = attrs.publicExponent();
        if (n == null || e == null) {
            throw new TokenException("public key " + TokenSession.keyName(uri) + " on token "
                    + session.tokenLabel() + " is not an RSA key");
        }
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
        } catch (GeneralSecurityException ex) {
            throw new TokenException("public key " + TokenSession.keyName(uri) + " is not a usable RSA key: "
                    + ex.getMessage());
        }
    }

    /** Encrypts {@code secret} to {@code key} in software. */
    public static byte[] encrypt(RSAPublicKey key, Padding padding, byte[] secret) {
        try {
            Cipher c;
            if (padding == Padding.OAEP_SHA1) {
                c = Cipher.getInstance("RSA/ECB/OAEPPadding");
                c.init(Cipher.ENCRYPT_MODE, key, new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1,
                        PSource.PSpecified.DEFAULT));
            } else {
                c = Cipher.getInstance("RSA/ECB/PKCS1Padding");
                c.init(Cipher.ENCRYPT_MODE, key);
            }
            return c.doFinal(secret);
        } catch (GeneralSecurityException e) {
            // a secret too long for the key, or a JDK without RSA: a bug of the caller, no secret in it
            throw new IllegalArgumentException("RSA encryption failed: " + e.getMessage(), e);
        }
    }

    /**
     * Decrypts on the token with the private key {@code key} (found after login). The result is the
     * caller's to wipe.
     */
    public static byte[] decrypt(TokenSession session, TokenKey key, Padding padding, byte[] ciphertext)
            throws TokenException {
        Mechanism mechanism = padding == Padding.OAEP_SHA1
                ? new Mechanism(CKM_RSA_PKCS_OAEP,
                        new RSA_PKCS_OAEP_PARAMS(CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, null))
                : new Mechanism(CKM_RSA_PKCS);
        return session.call("decrypting with private key " + key.label(),
                s -> s.decryptSingle(mechanism, key.handle(), ciphertext));
    }
}
