package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.NewFileKeys;
import io.ucryptfs.core.keys.RsaKeySig;
import io.ucryptfs.core.keys.RsaPublicKeyWrapper;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.pkcs11.TokenException;
import io.ucryptfs.keystore.pkcs11.TokenFileKeys;
import io.ucryptfs.keystore.pkcs11.TokenSession;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A vault's per-file token key: the {@code [file-keys]} section of its config. New files' FEKs are
 * also (or only) encrypted to a token's RSA public key, in eCryptfs tag 1 packets; opening such a
 * file without a tag 3 packet needs the token's private key (a login with its PIN).
 *
 * <pre>
 * [file-keys]
 * mode = mount+token          what new files get: mount | mount+token | token
 * uri = pkcs11:token=t;object=k?module-path=/usr/lib/softhsm/libsofthsm2.so   no PIN, no pin-source
 * public-key = MIIBIj...      base64 of the RSA public key's X.509 SubjectPublicKeyInfo (DER)
 * key-sig = 0123456789abcdef  its tag 1 key identifier (RsaKeySig), what tag 1 packets name
 * created = 2026-11-30T12:00:00Z
 * check = 1a2b3c4d5e6f7081    first 8 bytes of SHA-256 over uri, public-key, key-sig (as protectors' checks)
 * </pre>
 *
 * <p>The public key lives in the config, so files are created without the token. {@code mode}
 * applies to files created from the next mount on; files keep the packets they were made with.
 */
public final class FileKeys {
    public static final String SECTION = "file-keys";
    static final String MODE = "mode";
    static final String URI = "uri";
    static final String PUBLIC_KEY = "public-key";
    static final String KEY_SIG = "key-sig";
    private static final List<String> CHECKED = List.of(URI, PUBLIC_KEY, KEY_SIG);

    /** What new files get. */
    public enum Mode {
        /** Tag 3 only: the token key only opens files made in another mode. */
        MOUNT("mount", NewFileKeys.MOUNT_KEYS),
        /** Tag 3 and tag 1: the mount key or the token opens them. */
        MOUNT_AND_TOKEN("mount+token", NewFileKeys.MOUNT_AND_PUBLIC_KEYS),
        /** Tag 1 only: only the token opens them. */
        TOKEN("token", NewFileKeys.PUBLIC_KEYS_ONLY);

        private final String entry;
        private final NewFileKeys newFileKeys;

        Mode(String entry, NewFileKeys newFileKeys) {
            this.entry = entry;
            this.newFileKeys = newFileKeys;
        }

        public String entry() {
            return entry;
        }

        public NewFileKeys newFileKeys() {
            return newFileKeys;
        }

        /** The mode an entry (or the command line) names, or empty. */
        public static Optional<Mode> of(String entry) {
            return Arrays.stream(values()).filter(m -> m.entry.equals(entry)).findFirst();
        }
    }

    private final VaultConfig.Section section;
    private final Mode mode;
    private final Pkcs11Uri uri;
    private final RSAPublicKey publicKey;
    private final String keySig;

    private FileKeys(VaultConfig.Section section) throws VaultException {
        this.section = section;
        Protectors.verifyCheck(section, CHECKED);
        String m = Protectors.require(section, MODE);
        this.mode = Mode.of(m).orElseThrow(() -> damaged("its mode '" + m + "' is not mount, mount+token or token"));
        try {
            this.uri = Pkcs11Uri.parse(section.get(URI).orElseThrow());
        } catch (IllegalArgumentException e) {
            throw damaged("its uri: " + e.getMessage());
        }
        byte[] der = Protectors.base64(section, PUBLIC_KEY, section.get(PUBLIC_KEY).orElseThrow());
        try {
            PublicKey k = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
            this.publicKey = (RSAPublicKey) k;
        } catch (GeneralSecurityException | ClassCastException e) {
            throw damaged("its public-key is not an RSA public key");
        }
        this.keySig = section.get(KEY_SIG).orElseThrow();
        if (!RsaKeySig.of(publicKey).equals(keySig)) {
            throw damaged("its key-sig is not its public key's");
        }
    }

    private VaultException damaged(String why) {
        return new VaultException(section.label() + " is damaged: " + why);
    }

    /** The vault's file keys, if it has them; a damaged section is a {@link VaultException}. */
    public static Optional<FileKeys> of(VaultConfig c) throws VaultException {
        Optional<VaultConfig.Section> s = c.section(SECTION, "");
        return s.isEmpty() ? Optional.empty() : Optional.of(new FileKeys(s.get()));
    }

    /**
     * Stores in {@code c} the public key of {@code uri} (read from the token without a PIN) as its
     * file keys, with {@code mode}; replaces any there were.
     */
    public static FileKeys put(VaultConfig c, Pkcs11Uri uri, RSAPublicKey key, Mode mode) throws VaultException {
        new RsaPublicKeyWrapper(key); // refuses a size tag 1 packets cannot hold
        Map<String, String> e = new LinkedHashMap<>();
        e.put(MODE, mode.entry());
        e.put(URI, uri.withQuery(Pkcs11Uri.PIN_VALUE, null).withQuery(Pkcs11Uri.PIN_SOURCE, null).format());
        e.put(PUBLIC_KEY, Base64.getEncoder().encodeToString(key.getEncoded()));
        e.put(KEY_SIG, RsaKeySig.of(key));
        e.put(VaultProtectors.CREATED, VaultProtectors.now());
        e.put(Protectors.CHECK, Protectors.check(e, CHECKED));
        c.putSection(SECTION, "", e);
        return of(c).orElseThrow();
    }

    /** Sets the mode of new files in {@code c} (which must have file keys). */
    public static void setMode(VaultConfig c, Mode mode) throws VaultException {
        FileKeys k = of(c).orElseThrow(() -> new VaultException(c.source() + " has no file keys"));
        Map<String, String> e = new LinkedHashMap<>(k.section.entries());
        e.put(MODE, mode.entry());
        c.putSection(SECTION, "", e);
    }

    public Mode mode() {
        return mode;
    }

    /** The token and key, without PIN. */
    public Pkcs11Uri uri() {
        return uri;
    }

    public String keySig() {
        return keySig;
    }

    public RSAPublicKey publicKey() {
        return publicKey;
    }

    /** A new wrapper for the public key (a mount's ring owns and destroys it). */
    public RsaPublicKeyWrapper publicWrapper() {
        return new RsaPublicKeyWrapper(publicKey);
    }

    /** Whether {@code other} (a token protector's or the user's URI) names the same token: label and serial agree where both give them. */
    public boolean sameToken(Pkcs11Uri other) {
        return agree(uri.token(), other.token()) && agree(uri.serial(), other.serial())
                && (other.token().isPresent() || other.serial().isPresent());
    }

    private static boolean agree(Optional<String> a, Optional<String> b) {
        return a.isEmpty() || b.isEmpty() || a.equals(b);
    }

    /** Whether the token is there, asked without a login: empty when it is, else why not in one line. */
    public Optional<String> absence() {
        return TokenProtector.absence(uri);
    }

    /**
     * The private key on the token, for opening tag 1 packets: a session, one login with the
     * credential's PIN (wiped; a PIN pad when it has none), the key found and checked to be the
     * stored public key's. The returned key owns the session (destroying it closes it).
     *
     * @throws TokenProtectorException a wrong or locked PIN ({@link TokenProtectorException#wrongPin()}),
     *     the token absent, the key missing or not the stored one
     */
    public TokenFileKeys.Unwrapper privateKey(TokenCredential pin) throws TokenProtectorException {
        Pkcs11Uri u = pin.uri().modulePath().map(p -> uri.withQuery(Pkcs11Uri.MODULE_PATH, p)).orElse(uri);
        TokenSession s = null;
        try {
            s = TokenProtector.session(u);
            TokenProtector.login(s, pin);
            TokenFileKeys.Unwrapper k = TokenFileKeys.privateKey(s, u);
            if (!k.signature().equals(keySig)) {
                k.destroy();
                s = null;
                throw new TokenException("the key " + TokenProtector.tokenName(u) + " names is " + k.signature()
                        + ", not the vault's file key " + keySig);
            }
            s = null; // the key owns it now
            return k;
        } catch (TokenException e) {
            throw TokenProtector.failure(u, "file keys " + section.label(), e);
        } finally {
            if (s != null) {
                s.close();
            }
        }
    }

    @Override
    public String toString() {
        return "FileKeys[" + mode.entry() + ", token " + TokenProtector.tokenName(uri) + ", key " + keySig + "]";
    }
}
