package io.ucryptfs.keystore.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EC_PARAMS;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_EC_POINT;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKD_NULL;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKF_DERIVE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_GENERIC_SECRET;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_ECDH1_DERIVE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_SECRET_KEY;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.KeyAgreement;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.params.ECDH1_DERIVE_PARAMS;

/**
 * A shared secret between a token's EC key pair and an ephemeral key pair made in software (ECDH,
 * P-256 or P-384). Making it needs only the token's public key (CKA_EC_PARAMS and CKA_EC_POINT,
 * read without a PIN): {@link #agree} makes the ephemeral pair with the JDK and returns its public
 * point and the secret; the ephemeral private key is dropped. Getting the secret back needs the
 * token's private key, which never leaves it: {@link #derive} does CKM_ECDH1_DERIVE (no KDF) with
 * the stored ephemeral point into a session object (generic secret, not sensitive, extractable, not
 * on the token), reads its value and destroys it. The secret is the x-coordinate of the shared
 * point, as many bytes as the curve's field; callers put it through a KDF.
 */
public final class EcdhWrap {
    private EcdhWrap() {}

    /** The curves taken, by their CKA_EC_PARAMS (the DER of the named curve's OID). */
    public enum Curve {
        P256("secp256r1", "06082a8648ce3d030107", 32),
        P384("secp384r1", "06052b81040022", 48);

        private final String jdkName;
        private final byte[] ecParams;
        private final int fieldBytes;

        Curve(String jdkName, String ecParamsHex, int fieldBytes) {
            this.jdkName = jdkName;
            this.ecParams = HexFormat.of().parseHex(ecParamsHex);
            this.fieldBytes = fieldBytes;
        }

        /** The length of the shared secret, and of each coordinate. */
        public int fieldBytes() {
            return fieldBytes;
        }

        /** The length of an uncompressed point: 0x04, x, y. */
        public int pointBytes() {
            return 1 + 2 * fieldBytes;
        }

        static Optional<Curve> of(byte[] ecParams) {
            for (Curve c : values()) {
                if (Arrays.equals(c.ecParams, ecParams)) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }

        ECParameterSpec spec() throws GeneralSecurityException {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec(jdkName));
            return p.getParameterSpec(ECParameterSpec.class);
        }
    }

    /** A token's EC public key and its curve. */
    public record TokenPublicKey(Curve curve, ECPublicKey key) {}

    /** What {@link #agree} gives: the ephemeral public point (uncompressed) and the secret (the caller wipes it). */
    public record Agreement(byte[] ephemeralPoint, byte[] secret) {}

    /** Whether the token offers CKM_ECDH1_DERIVE for derivation. */
    public static boolean supported(TokenSession session) {
        return session.supports(CKM_ECDH1_DERIVE, CKF_DERIVE);
    }

    /** The EC public key of the public key object {@code key} (no login needed). */
    public static TokenPublicKey publicKey(TokenSession session, TokenKey key, Pkcs11Uri uri) throws TokenException {
        String name = TokenSession.keyName(uri);
        AttributeVector attrs = session.call("reading public key " + name,
                s -> s.getAttrValues(key.handle(), CKA_EC_PARAMS, CKA_EC_POINT));
        byte[] params = attrs.ecParams();
        byte[] point = attrs.ecPoint();
        if (params == null || point == null) {
            throw new TokenException("public key " + name + " on token " + session.tokenLabel() + " is not an EC key");
        }
        Curve curve = Curve.of(params).orElseThrow(() -> new TokenException("public key " + name + " on token "
                + session.tokenLabel() + " is on a curve not taken (only P-256 and P-384)"));
        byte[] raw = unwrapOctetString(point, curve.pointBytes());
        try {
            return new TokenPublicKey(curve, publicKey(curve, raw));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new TokenException("public key " + name + " on token " + session.tokenLabel()
                    + " is not a usable EC key: " + e.getMessage());
        }
    }

    /** CKA_EC_POINT is a DER OCTET STRING holding the point; some modules give the bare point. */
    static byte[] unwrapOctetString(byte[] ecPoint, int pointBytes) {
        if (ecPoint.length == pointBytes + 2 && ecPoint[0] == 0x04 && (ecPoint[1] & 0xff) == pointBytes) {
            return Arrays.copyOfRange(ecPoint, 2, ecPoint.length);
        }
        return ecPoint;
    }

    /** The public key at the uncompressed point {@code point} of {@code curve}. */
    static ECPublicKey publicKey(Curve curve, byte[] point) throws GeneralSecurityException {
        if (point.length != curve.pointBytes() || point[0] != 0x04) {
            throw new IllegalArgumentException("not an uncompressed point of " + curve);
        }
        int n = curve.fieldBytes();
        ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 1 + n)),
                new BigInteger(1, Arrays.copyOfRange(point, 1 + n, point.length)));
        return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, curve.spec()));
    }

    /** The uncompressed encoding of {@code key}'s point. */
    static byte[] encode(Curve curve, ECPublicKey key) {
        int n = curve.fieldBytes();
        byte[] out = new byte[curve.pointBytes()];
        out[0] = 0x04;
        copyFixed(key.getW().getAffineX(), out, 1, n);
        copyFixed(key.getW().getAffineY(), out, 1 + n, n);
        return out;
    }

    private static void copyFixed(BigInteger v, byte[] out, int off, int len) {
        byte[] b = v.toByteArray(); // may have a leading zero, or be shorter
        int from = Math.max(0, b.length - len);
        int n = b.length - from;
        System.arraycopy(b, from, out, off + len - n, n);
    }

    /**
     * ECDH in software between a new ephemeral key pair on the token key's curve and the token's
     * public key. The ephemeral private key is not kept.
     */
    public static Agreement agree(TokenPublicKey token, SecureRandom rng) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(token.key().getParams(), rng);
            KeyPair eph = g.generateKeyPair();
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(eph.getPrivate());
            ka.doPhase(token.key(), true);
            byte[] secret = ka.generateSecret();
            return new Agreement(encode(token.curve(), (ECPublicKey) eph.getPublic()), secret);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDH from the JDK failed: " + e.getMessage(), e);
        }
    }

    /**
     * The shared secret of the token's private key {@code key} (found after login) and the
     * uncompressed point {@code ephemeralPoint}, derived on the token: one C_DeriveKey, one read of
     * CKA_VALUE, the session object destroyed. The result is the caller's to wipe.
     */
    public static byte[] derive(TokenSession session, TokenKey key, Curve curve, byte[] ephemeralPoint)
            throws TokenException {
        Mechanism m = new Mechanism(CKM_ECDH1_DERIVE, new ECDH1_DERIVE_PARAMS(CKD_NULL, null, ephemeralPoint));
        AttributeVector template = new AttributeVector().class_(CKO_SECRET_KEY).keyType(CKK_GENERIC_SECRET)
                .token(false).private_(true).sensitive(false).extractable(true).valueLen(curve.fieldBytes());
        long tmp = session.call("deriving with private key " + key.label(), s -> s.deriveKey(m, key.handle(), template));
        try {
            byte[] v = session.call("reading the derived secret", s -> s.getAttrValues(tmp, CKA_VALUE).value());
            if (v == null || v.length != curve.fieldBytes()) {
                throw new TokenException("token " + session.tokenLabel() + " would not reveal the derived secret");
            }
            return v;
        } finally {
            AesWrap.destroy(session, tmp);
        }
    }
}
