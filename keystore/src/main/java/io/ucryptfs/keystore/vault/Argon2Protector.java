package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.Secrets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * A passphrase protector: the key is Argon2id (RFC 9106, version 0x13, Bouncy Castle's) of the
 * passphrase's UTF-8 bytes with the stored salt and cost, 32 bytes, which seals the mount passphrase
 * with AES-256-GCM (see {@link SealedProtector}). The cost is chosen when the protector is made
 * ({@link Argon2Settings#forNewProtector()}: about 1 s and 256 MiB, or what the machine allows) and
 * stored, so a vault opens the same on a faster or slower machine.
 *
 * <pre>
 * kind = passphrase-argon2id-v1
 * argon2-memory-kib = 262144
 * argon2-iterations = 3
 * argon2-parallelism = 1
 * salt = (16 random bytes, hex)
 * nonce = (12 random bytes, hex)
 * data = (AES-GCM of the mount passphrase, with its tag, base64)
 * check = (first 8 bytes of SHA-256 of the lines above, hex)
 * </pre>
 */
final class Argon2Protector extends SealedProtector {

    static final String KIND = "passphrase-argon2id-v1";
    static final String MEMORY = "argon2-memory-kib";
    static final String ITERATIONS = "argon2-iterations";
    static final String PARALLELISM = "argon2-parallelism";
    static final String SALT = "salt";
    static final int SALT_BYTES = 16;
    private static final List<String> PARAMS = List.of(MEMORY, ITERATIONS, PARALLELISM, SALT);

    static final KeyModule MODULE = new BaseKeyModule(KIND, PassphraseCredential.class, "passphrase") {
        @Override
        public Protector open(VaultConfig.Section section) throws VaultException {
            return new Argon2Protector(section);
        }

        @Override
        public Map<String, String> protect(String id, byte[] mountPassphrase, Credential credential, SecureRandom rng)
                throws VaultException {
            return Argon2Protector.protect(id, mountPassphrase, Protectors.as(PassphraseCredential.class, credential, this),
                    Argon2Settings.forNewProtector(), rng);
        }
    };

    private final Argon2Settings settings;
    private final byte[] salt;

    private Argon2Protector(VaultConfig.Section section) throws VaultException {
        super(MODULE, section, PARAMS);
        int p = integer(section, PARALLELISM, 1, Argon2Settings.MAX_PARALLELISM);
        this.settings = new Argon2Settings(
                integer(section, MEMORY, 8 * p, Argon2Settings.MAX_MEMORY_KIB),
                integer(section, ITERATIONS, 1, Argon2Settings.MAX_ITERATIONS), p);
        this.salt = hex(section, SALT, SALT_BYTES, 64);
    }

    /** The entries of a new protector with these Argon2 settings (tests pass small ones). */
    static Map<String, String> protect(String id, byte[] mountPassphrase, PassphraseCredential passphrase,
            Argon2Settings settings, SecureRandom rng) throws VaultException {
        byte[] salt = new byte[SALT_BYTES];
        rng.nextBytes(salt);
        Map<String, String> params = new LinkedHashMap<>();
        params.put(MEMORY, Integer.toString(settings.memoryKiB()));
        params.put(ITERATIONS, Integer.toString(settings.iterations()));
        params.put(PARALLELISM, Integer.toString(settings.parallelism()));
        params.put(SALT, HexFormat.of().formatHex(salt));
        byte[] key = derive(passphrase.chars(), salt, settings, "a new protector");
        return seal(KIND, id, params, key, mountPassphrase, rng);
    }

    @Override
    protected byte[] key(Credential credential) throws VaultException {
        return derive(Protectors.as(PassphraseCredential.class, credential, MODULE).chars(), salt, settings,
                "protector " + section.label());
    }

    /** Argon2id of {@code passphrase}: 32 bytes the caller wipes. */
    static byte[] derive(char[] passphrase, byte[] salt, Argon2Settings s, String what) throws VaultException {
        byte[] pass = Secrets.utf8(passphrase);
        byte[] out = new byte[KEY_BYTES];
        try {
            Argon2BytesGenerator g = new Argon2BytesGenerator();
            g.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                    .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                    .withMemoryAsKB(s.memoryKiB())
                    .withIterations(s.iterations())
                    .withParallelism(s.parallelism())
                    .withSalt(salt)
                    .build());
            g.generateBytes(pass, out);
            return out;
        } catch (OutOfMemoryError e) {
            Secrets.wipe(out);
            throw new VaultException(what + " needs " + (s.memoryKiB() / 1024) + " MiB for Argon2id, more than this JVM can get"
                    + " (its heap is at most " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB; raise it with"
                    + " UCRYPTFS_JAVA_OPTS=-Xmx...)");
        } finally {
            Secrets.wipe(pass);
        }
    }

    @Override
    public String details() {
        return settings.toString();
    }
}
