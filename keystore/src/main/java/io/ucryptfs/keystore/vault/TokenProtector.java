package io.ucryptfs.keystore.vault;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKK_EC;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_PUBLIC_KEY;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_SECRET_KEY;

import io.ucryptfs.core.keys.Secrets;
import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.keystore.pkcs11.AesWrap;
import io.ucryptfs.keystore.pkcs11.EcdhWrap;
import io.ucryptfs.keystore.pkcs11.KeyNotFoundException;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.pkcs11.RsaWrap;
import io.ucryptfs.keystore.pkcs11.TokenAbsentException;
import io.ucryptfs.keystore.pkcs11.TokenException;
import io.ucryptfs.keystore.pkcs11.TokenKey;
import io.ucryptfs.keystore.pkcs11.TokenModule;
import io.ucryptfs.keystore.pkcs11.TokenSession;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * A PKCS#11 token protector: the mount passphrase wrapped by a key that stays on a token. RSA: the
 * mount passphrase encrypted in software to the key pair's public key (RSA-OAEP with SHA-1, or
 * PKCS#1 v1.5 where the token has no OAEP), decrypted on the token; AES: wrapped and unwrapped on
 * the token with a secret key (AES key wrap, RFC 5649 or RFC 3394); EC: ECDH between an ephemeral
 * key pair made in software and the token's key pair, HKDF-SHA256 of the shared secret, AES-256-GCM
 * (as {@link SealedProtector}), the ephemeral public point stored. Unlocking is one login, one
 * decryption, unwrap or derivation, one logout.
 *
 * <pre>
 * kind = pkcs11-token-v1
 * uri = pkcs11:token=...;object=...;id=...?module-path=...   (never a PIN)
 * mechanism = rsa-oaep-sha1 | rsa-pkcs1 | aes-key-wrap-pad | aes-key-wrap | ecdh-p256 | ecdh-p384
 * ephemeral-key = (ECDH only: the ephemeral public point, uncompressed, base64)
 * nonce = (ECDH only: the AES-GCM nonce, 12 bytes, hex)
 * data = (the wrapped or sealed mount passphrase, base64)
 * check = (first 8 bytes of SHA-256 of the lines above, hex)
 * </pre>
 */
public final class TokenProtector extends BaseProtector {

    static final String KIND = "pkcs11-token-v1";
    static final String URI = "uri";
    static final String MECHANISM = "mechanism";
    static final String EPHEMERAL_KEY = "ephemeral-key";
    private static final List<String> CHECKED = List.of(Protectors.KIND, URI, MECHANISM, Protectors.DATA);
    private static final List<String> ECDH_PARAMS = List.of(URI, MECHANISM, EPHEMERAL_KEY);
    private static final List<String> ECDH_CHECKED = SealedProtector.checkedKeys(ECDH_PARAMS);
    private static final byte[] HKDF_INFO = "ucryptfs-protector\0pkcs11-token-v1\0ecdh".getBytes(StandardCharsets.UTF_8);

    /** How the mount passphrase is wrapped, by its name in the {@code mechanism} entry. */
    public enum Mechanism {
        RSA_OAEP_SHA1("rsa-oaep-sha1", RsaWrap.Padding.OAEP_SHA1, null, null),
        RSA_PKCS1("rsa-pkcs1", RsaWrap.Padding.PKCS1_V15, null, null),
        AES_KEY_WRAP_PAD("aes-key-wrap-pad", null, AesWrap.Kind.KEY_WRAP_PAD, null),
        AES_KEY_WRAP("aes-key-wrap", null, AesWrap.Kind.KEY_WRAP, null),
        ECDH_P256("ecdh-p256", null, null, EcdhWrap.Curve.P256),
        ECDH_P384("ecdh-p384", null, null, EcdhWrap.Curve.P384);

        private final String entry;
        final RsaWrap.Padding padding;
        final AesWrap.Kind aes;
        final EcdhWrap.Curve curve;

        Mechanism(String entry, RsaWrap.Padding padding, AesWrap.Kind aes, EcdhWrap.Curve curve) {
            this.entry = entry;
            this.padding = padding;
            this.aes = aes;
            this.curve = curve;
        }

        /** The name stored in the config. */
        public String entry() {
            return entry;
        }

        static Optional<Mechanism> of(String entry) {
            for (Mechanism m : values()) {
                if (m.entry.equals(entry)) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }

        static Mechanism of(RsaWrap.Padding p) {
            return p == RsaWrap.Padding.OAEP_SHA1 ? RSA_OAEP_SHA1 : RSA_PKCS1;
        }

        static Mechanism of(AesWrap.Kind k) {
            return k == AesWrap.Kind.KEY_WRAP_PAD ? AES_KEY_WRAP_PAD : AES_KEY_WRAP;
        }

        static Mechanism of(EcdhWrap.Curve c) {
            return c == EcdhWrap.Curve.P256 ? ECDH_P256 : ECDH_P384;
        }
    }

    static final KeyModule MODULE = new BaseKeyModule(KIND, TokenCredential.class, "token") {
        @Override
        public Protector open(VaultConfig.Section section) throws VaultException {
            return new TokenProtector(section);
        }

        @Override
        public Map<String, String> protect(String id, byte[] mountPassphrase, Credential credential, SecureRandom rng)
                throws VaultException {
            TokenCredential tc = Protectors.as(TokenCredential.class, credential, this);
            Pkcs11Uri uri = tc.uri();
            Wrapped w;
            try (TokenSession s = session(uri)) {
                w = wrap(s, uri, tc, mountPassphrase, rng);
            } catch (TokenException e) {
                throw failure(uri, "adding a token protector", e);
            }
            if (w.mechanism().curve != null) {
                Map<String, String> params = new LinkedHashMap<>();
                params.put(URI, uri.format());
                params.put(MECHANISM, w.mechanism().entry());
                params.put(EPHEMERAL_KEY, Base64.getEncoder().encodeToString(w.data()));
                return SealedProtector.seal(KIND, id, params, hkdf(w.secret(), w.data()), mountPassphrase, rng);
            }
            Map<String, String> e = new LinkedHashMap<>();
            e.put(Protectors.KIND, KIND);
            e.put(URI, uri.format());
            e.put(MECHANISM, w.mechanism().entry());
            e.put(Protectors.DATA, Base64.getEncoder().encodeToString(w.data()));
            e.put(Protectors.CHECK, Protectors.check(e, CHECKED));
            return e;
        }
    };

    /**
     * What {@link #wrap} made: the wrapped mount passphrase (RSA, AES); for ECDH the ephemeral public
     * point and the shared secret, which {@link #hkdf} turns into the sealing key.
     */
    private record Wrapped(Mechanism mechanism, byte[] data, byte[] secret) {}

    private final Pkcs11Uri uri;
    private final Mechanism mechanism;
    private final byte[] data;
    private final byte[] ephemeralPoint; // ECDH only
    private final byte[] nonce; // ECDH only

    private TokenProtector(VaultConfig.Section section) throws VaultException {
        super(MODULE, section);
        boolean ecdh = section.get(MECHANISM).flatMap(Mechanism::of).filter(m -> m.curve != null).isPresent();
        Protectors.verifyCheck(section, ecdh ? ECDH_CHECKED : CHECKED);
        try {
            this.uri = Pkcs11Uri.parse(section.get(URI).orElseThrow());
        } catch (IllegalArgumentException e) {
            throw Protectors.damaged(section, "its uri is not a PKCS#11 URI");
        }
        if (uri.modulePath().isEmpty() || uri.object().isEmpty() && uri.id().isEmpty()) {
            throw Protectors.damaged(section, "its uri names no module-path or no key");
        }
        this.mechanism = Mechanism.of(section.get(MECHANISM).orElseThrow())
                .orElseThrow(() -> Protectors.damaged(section, "its mechanism is unknown"));
        if (mechanism.curve != null) {
            byte[][] nd = SealedProtector.nonceAndData(section);
            this.nonce = nd[0];
            this.data = nd[1];
            this.ephemeralPoint = Protectors.base64(section, EPHEMERAL_KEY, section.get(EPHEMERAL_KEY).orElseThrow());
            if (ephemeralPoint.length != mechanism.curve.pointBytes() || ephemeralPoint[0] != 0x04) {
                throw Protectors.damaged(section, "its " + EPHEMERAL_KEY + " is not an uncompressed point of "
                        + mechanism.entry());
            }
            return;
        }
        this.nonce = null;
        this.ephemeralPoint = null;
        this.data = Protectors.base64(section, Protectors.DATA, section.get(Protectors.DATA).orElseThrow());
        if (data.length == 0) {
            throw Protectors.damaged(section, "its data is empty");
        }
    }

    /**
     * The AES-256-GCM key of an ECDH protector: HKDF-SHA256 with the shared secret as input key
     * material, the ephemeral public point as salt and {@link #HKDF_INFO} as info. Wipes {@code secret}.
     */
    static byte[] hkdf(byte[] secret, byte[] ephemeralPoint) {
        try {
            HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
            g.init(new HKDFParameters(secret, ephemeralPoint, HKDF_INFO));
            byte[] key = new byte[SealedProtector.KEY_BYTES];
            g.generateBytes(key, 0, key.length);
            return key;
        } finally {
            Secrets.wipe(secret);
        }
    }

    /** The stored URI of every readable token protector of {@code c}, in file order, each once. */
    public static List<Pkcs11Uri> uris(VaultConfig c) {
        List<Pkcs11Uri> out = new ArrayList<>();
        for (VaultConfig.Section s : c.protectors()) {
            if (s.get(Protectors.KIND).filter(KIND::equals).isPresent()) {
                try {
                    Pkcs11Uri u = new TokenProtector(s).uri;
                    if (!out.contains(u)) {
                        out.add(u);
                    }
                } catch (VaultException e) {
                    // damaged: unlocking will say so
                }
            }
        }
        return out;
    }

    /**
     * The stored URI of protector {@code protectorId} of {@code c}, when it is a readable token
     * protector: which token opened a vault (the mount daemon watches it).
     */
    public static Optional<Pkcs11Uri> uriOf(VaultConfig c, String protectorId) {
        for (VaultConfig.Section s : c.protectors()) {
            if (s.name().equals(protectorId) && s.get(Protectors.KIND).filter(KIND::equals).isPresent()) {
                try {
                    return Optional.of(new TokenProtector(s).uri);
                } catch (VaultException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the token of {@code uri} is there, asked without a login. Empty when it is; else why
     * not, in one line ("token X not present ...", or the module failing to load).
     */
    public static Optional<String> absence(Pkcs11Uri uri) {
        try {
            TokenModule.load(uri).find(uri);
            return Optional.empty();
        } catch (TokenAbsentException e) {
            return Optional.of(notPresent(uri, e));
        } catch (TokenException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The URI's token by label (or serial), for messages. */
    public static String tokenName(Pkcs11Uri uri) {
        return uri.token().orElse(uri.serial().map(s -> "with serial " + s).orElse("(any)"));
    }

    private static String notPresent(Pkcs11Uri uri, TokenAbsentException e) {
        return "token " + tokenName(uri) + " not present (" + e.getMessage() + ")";
    }

    static TokenSession session(Pkcs11Uri uri) throws TokenException {
        return TokenSession.open(TokenModule.load(uri), uri);
    }

    /** A token-layer failure as a vault one, saying what was done; never retried. */
    static TokenProtectorException failure(Pkcs11Uri uri, String what, TokenException e) {
        String msg = e instanceof TokenAbsentException a ? notPresent(uri, a) : e.getMessage();
        return new TokenProtectorException(what + ": " + msg, e);
    }

    static void login(TokenSession s, TokenCredential tc) throws TokenException {
        if (tc.hasPin()) {
            s.login(tc.pinCopy()); // wiped by login
        } else if (s.hasPinPad()) {
            s.loginOnPinPad();
        } else {
            throw new TokenException("token " + s.tokenLabel() + " needs its PIN (it has no PIN pad)");
        }
    }

    /**
     * Wraps with the key the URI names: an RSA public key (read without login) when the token has
     * one, else a secret key (after login). An RSA protector is tried once on the token before it is
     * stored, so that the private key, the padding and the PIN are known to work.
     */
    private static Wrapped wrap(TokenSession s, Pkcs11Uri uri, TokenCredential tc, byte[] mp, SecureRandom rng)
            throws TokenException {
        boolean secretKey = uri.type().filter("secret-key"::equals).isPresent();
        RSAPublicKey pub = null;
        EcdhWrap.TokenPublicKey ecPub = null;
        if (!secretKey) {
            try {
                TokenKey key = s.findKey(uri, CKO_PUBLIC_KEY);
                if (s.keyType(key) == CKK_EC) {
                    ecPub = EcdhWrap.publicKey(s, key, uri);
                } else {
                    pub = RsaWrap.publicKey(s, key, uri);
                }
            } catch (KeyNotFoundException e) {
                if (uri.type().isPresent()) {
                    throw e; // type=public or private: it must be an RSA or EC key pair
                }
            }
        }
        if (ecPub != null && !EcdhWrap.supported(s)) {
            throw new TokenException("token " + s.tokenLabel() + " offers no CKM_ECDH1_DERIVE for its EC key");
        }
        login(s, tc);
        try {
            if (ecPub != null) {
                EcdhWrap.Agreement a = EcdhWrap.agree(ecPub, rng);
                byte[] back = EcdhWrap.derive(s, s.findPrivateKey(uri), ecPub.curve(), a.ephemeralPoint());
                boolean same = MessageDigest.isEqual(back, a.secret());
                Secrets.wipe(back);
                if (!same) {
                    Secrets.wipe(a.secret());
                    throw new TokenException("the private key " + uri.object().orElse("") + " on token "
                            + s.tokenLabel() + " does not match its public key");
                }
                return new Wrapped(Mechanism.of(ecPub.curve()), a.ephemeralPoint(), a.secret());
            }
            if (pub != null) {
                RsaWrap.Padding padding = RsaWrap.padding(s);
                byte[] data = RsaWrap.encrypt(pub, padding, mp);
                byte[] back = RsaWrap.decrypt(s, s.findPrivateKey(uri), padding, data);
                boolean same = MessageDigest.isEqual(back, mp);
                Secrets.wipe(back);
                if (!same) {
                    throw new TokenException("the private key " + uri.object().orElse("") + " on token "
                            + s.tokenLabel() + " does not match its public key");
                }
                return new Wrapped(Mechanism.of(padding), data, null);
            }
            TokenKey key = s.findKey(uri, CKO_SECRET_KEY);
            AesWrap.Kind kind = AesWrap.mechanism(s);
            return new Wrapped(Mechanism.of(kind), AesWrap.wrap(s, key, kind, mp), null);
        } finally {
            s.logout();
        }
    }

    @Override
    public String details() {
        return "token " + tokenName(uri) + ", key " + keyName(uri)
                + ", " + mechanism.entry();
    }

    /** The token and key this protector needs. */
    public Pkcs11Uri uri() {
        return uri;
    }

    /**
     * One login, one decryption (RSA), unwrap (AES) or derivation (ECDH, then HKDF and AES-GCM in
     * software) on the token, one logout. A credential for
     * another token is a {@link WrongPassphraseException}; every token failure (wrong or locked PIN,
     * absent token, missing key, failed operation) a {@link TokenProtectorException}.
     */
    @Override
    public byte[] unlock(Credential credential) throws WrongPassphraseException, VaultException {
        TokenCredential tc = Protectors.as(TokenCredential.class, credential, MODULE);
        if (!tc.selects(uri)) {
            throw new WrongPassphraseException("protector " + section.label() + " is for token " + tokenName(uri));
        }
        // the module may live elsewhere on this machine: the credential's module-path wins
        Pkcs11Uri u = tc.uri().modulePath().map(p -> uri.withQuery(Pkcs11Uri.MODULE_PATH, p)).orElse(uri);
        byte[] secret;
        try (TokenSession s = session(u)) {
            login(s, tc);
            try {
                if (mechanism.curve != null) {
                    secret = EcdhWrap.derive(s, s.findPrivateKey(u), mechanism.curve, ephemeralPoint);
                } else if (mechanism.padding != null) {
                    return RsaWrap.decrypt(s, s.findPrivateKey(u), mechanism.padding, data);
                } else {
                    return AesWrap.unwrap(s, s.findKey(u, CKO_SECRET_KEY), mechanism.aes, data);
                }
            } finally {
                s.logout();
            }
        } catch (TokenException e) {
            throw failure(u, "protector " + section.label(), e);
        }
        try {
            return SealedProtector.unseal(section, KIND, hkdf(secret, ephemeralPoint), nonce, data);
        } catch (AEADBadTagException e) {
            throw failure(u, "protector " + section.label(), new TokenException("the key " + keyName(u)
                    + " on token " + tokenName(u) + " is not the one this protector was made with"));
        }
    }

    private static String keyName(Pkcs11Uri u) {
        return u.object().map(o -> "\"" + o + "\"").orElse("by id");
    }
}
