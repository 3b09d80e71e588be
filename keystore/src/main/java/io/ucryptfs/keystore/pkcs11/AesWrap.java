package io.ucryptfs.keystore.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_VALUE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKF_UNWRAP;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKF_WRAP;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_GENERIC_SECRET;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_AES_KEY_WRAP;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKM_AES_KEY_WRAP_PAD;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_SECRET_KEY;

import io.ucryptfs.core.keys.Secrets;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;

/**
 * A short secret (the mount passphrase, up to {@link #MAX_SECRET} bytes) wrapped with an AES key
 * that stays on the token, by AES key wrap: RFC 5649 (CKM_AES_KEY_WRAP_PAD) or RFC 3394
 * (CKM_AES_KEY_WRAP), whichever the token offers for both wrap and unwrap ({@link #mechanism}).
 *
 * <p>Tokens wrap keys, not bytes: the secret goes into a session object (a generic secret key,
 * extractable, not on the token, destroyed at once), which is wrapped with C_WrapKey; unwrapping
 * makes such an object with C_UnwrapKey, reads its value and destroys it.
 *
 * <p>The wrapped value is not the bare secret but a frame: its length (2 bytes, big-endian), the
 * secret, zeros to a multiple of 8 bytes and at least 16. That lets RFC 3394 (which needs 8-byte
 * multiples) carry any length, and works round SoftHSM2 2.6, whose CKM_AES_KEY_WRAP_PAD unwrap
 * gives the value with its padding zeros still on (a framed value needs no padding).
 */
public final class AesWrap {
    private AesWrap() {}

    /** The longest secret wrapped. */
    public static final int MAX_SECRET = 1024;

    public enum Kind {
        KEY_WRAP_PAD(CKM_AES_KEY_WRAP_PAD),
        KEY_WRAP(CKM_AES_KEY_WRAP);

        final long ckm;

        Kind(long ckm) {
            this.ckm = ckm;
        }
    }

    /** The key wrap the session's token offers for both wrap and unwrap, RFC 5649 first. */
    public static Kind mechanism(TokenSession session) throws TokenException {
        for (Kind k : Kind.values()) {
            if (session.supports(k.ckm, CKF_WRAP) && session.supports(k.ckm, CKF_UNWRAP)) {
                return k;
            }
        }
        throw new TokenException("token " + session.tokenLabel() + " offers no AES key wrap"
                + " (neither CKM_AES_KEY_WRAP_PAD nor CKM_AES_KEY_WRAP)");
    }

    /** Wraps {@code secret} with the token's secret key {@code key}. */
    public static byte[] wrap(TokenSession session, TokenKey key, Kind kind, byte[] secret) throws TokenException {
        byte[] frame = frame(secret);
        AttributeVector template = sessionSecret().value(frame).extractable(true);
        try {
            long tmp = session.call("storing the secret to wrap", s -> s.createObject(template));
            try {
                return session.call("wrapping with secret key " + key.label(),
                        s -> s.wrapKey(new Mechanism(kind.ckm), key.handle(), tmp));
            } finally {
                destroy(session, tmp);
            }
        } finally {
            Secrets.wipe(frame);
            template.value(new byte[frame.length]); // the template's copy of the frame
        }
    }

    /** Unwraps what {@link #wrap} gave; the result is the caller's to wipe. */
    public static byte[] unwrap(TokenSession session, TokenKey key, Kind kind, byte[] wrapped) throws TokenException {
        long tmp = session.call("unwrapping with secret key " + key.label(), s -> s.unwrapKey(new Mechanism(kind.ckm),
                key.handle(), wrapped, sessionSecret().extractable(true))); // readable needs extractable and not sensitive
        byte[] frame = null;
        try {
            frame = session.call("reading the unwrapped secret", s -> s.getAttrValues(tmp, CKA_VALUE).value());
            return unframe(frame);
        } finally {
            Secrets.wipe(frame);
            destroy(session, tmp);
        }
    }

    private static AttributeVector sessionSecret() {
        return new AttributeVector().class_(CKO_SECRET_KEY).keyType(CKK_GENERIC_SECRET).token(false)
                .sensitive(false).private_(true);
    }

    /** Destroys a session object; a token already gone took it with it. */
    static void destroy(TokenSession session, long handle) {
        try {
            session.call("destroying a session object", s -> {
                s.destroyObject(handle);
                return null;
            });
        } catch (TokenException e) {
            // the token is gone, and the session object with it
        }
    }

    static byte[] frame(byte[] secret) {
        if (secret.length > MAX_SECRET) {
            throw new IllegalArgumentException("secret longer than " + MAX_SECRET + " bytes");
        }
        int len = Math.max(16, (2 + secret.length + 7) / 8 * 8);
        byte[] frame = new byte[len];
        frame[0] = (byte) (secret.length >> 8);
        frame[1] = (byte) secret.length;
        System.arraycopy(secret, 0, frame, 2, secret.length);
        return frame;
    }

    static byte[] unframe(byte[] frame) throws TokenException {
        if (frame == null) {
            throw new TokenException("the token would not reveal the unwrapped value");
        }
        if (frame.length < 2) {
            throw new TokenException("the unwrapped value is not one of ours (too short)");
        }
        int len = (frame[0] & 0xff) << 8 | frame[1] & 0xff;
        if (len > frame.length - 2 || len > MAX_SECRET) {
            throw new TokenException("the unwrapped value is not one of ours (bad length)");
        }
        for (int i = 2 + len; i < frame.length; i++) {
            if (frame[i] != 0) {
                throw new TokenException("the unwrapped value is not one of ours (bad padding)");
            }
        }
        byte[] out = new byte[len];
        System.arraycopy(frame, 2, out, 0, len);
        return out;
    }
}
