package io.ucryptfs.keystore.vault;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * A key-file protector: the key is HKDF-SHA256 (RFC 5869) of the key file's bytes with the stored
 * salt and the info string {@value #INFO}, 32 bytes, which seals the mount passphrase with
 * AES-256-GCM (see {@link SealedProtector}). The file must hold at least 32 bytes; it is meant to
 * be random (no stretching is done: a key file is not a passphrase).
 *
 * <pre>
 * kind = keyfile-hkdf-sha256-v1
 * salt = (32 random bytes, hex)
 * nonce = (12 random bytes, hex)
 * data = (AES-GCM of the mount passphrase, with its tag, base64)
 * check = (first 8 bytes of SHA-256 of the lines above, hex)
 * </pre>
 */
final class KeyFileProtector extends SealedProtector {

    static final String KIND = "keyfile-hkdf-sha256-v1";
    static final String SALT = "salt";
    static final int SALT_BYTES = 32;
    static final String INFO = "ucryptfs keyfile protector v1";

    static final KeyModule MODULE = new BaseKeyModule(KIND, KeyFileCredential.class, "keyfile") {
        @Override
        public Protector open(VaultConfig.Section section) throws VaultException {
            return new KeyFileProtector(section);
        }

        @Override
        public Map<String, String> protect(String id, byte[] mountPassphrase, Credential credential, SecureRandom rng) {
            KeyFileCredential file = Protectors.as(KeyFileCredential.class, credential, this);
            byte[] salt = new byte[SALT_BYTES];
            rng.nextBytes(salt);
            return seal(KIND, id, Map.of(SALT, HexFormat.of().formatHex(salt)), derive(file, salt), mountPassphrase, rng);
        }
    };

    private final byte[] salt;

    private KeyFileProtector(VaultConfig.Section section) throws VaultException {
        super(MODULE, section, List.of(SALT));
        this.salt = hex(section, SALT, SALT_BYTES, SALT_BYTES);
    }

    @Override
    protected byte[] key(Credential credential) {
        return derive(Protectors.as(KeyFileCredential.class, credential, MODULE), salt);
    }

    private static byte[] derive(KeyFileCredential file, byte[] salt) {
        HKDFBytesGenerator h = new HKDFBytesGenerator(new SHA256Digest());
        h.init(new HKDFParameters(file.bytes(), salt, INFO.getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[KEY_BYTES];
        h.generateBytes(out, 0, out.length);
        return out;
    }

    @Override
    public String details() {
        return "HKDF-SHA256 of a key file";
    }
}
