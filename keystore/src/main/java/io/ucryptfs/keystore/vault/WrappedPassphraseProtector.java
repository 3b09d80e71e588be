package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.KeyFileException;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.WrappedPassphrase;
import io.ucryptfs.core.keys.WrongPassphraseException;
import java.security.SecureRandom;
import java.util.Map;

/**
 * The mount passphrase wrapped under the user's passphrase exactly as ecryptfs-utils writes
 * {@code ~/.ecryptfs/wrapped-passphrase} (version 2: random salt, the wrapping key's signature,
 * AES-128-ECB), so its {@code data} decoded is such a file. The stored signature tells a wrong
 * passphrase from a right one; {@code check} covers {@code data} only.
 */
final class WrappedPassphraseProtector extends BaseProtector {

    static final String KIND = "ecryptfs-wrapped-passphrase-v2";

    static final KeyModule MODULE = new BaseKeyModule(KIND, PassphraseCredential.class, "ecryptfs-wrapped") {
        @Override
        public Protector open(VaultConfig.Section section) throws VaultException {
            return WrappedPassphraseProtector.open(section);
        }

        @Override
        public Map<String, String> protect(String id, byte[] mountPassphrase, Credential credential, SecureRandom rng) {
            return WrappedPassphraseProtector.protect(mountPassphrase,
                    Protectors.as(PassphraseCredential.class, credential, this).chars(), rng);
        }
    };

    private final byte[] wrapped;

    private WrappedPassphraseProtector(VaultConfig.Section section, byte[] wrapped) {
        super(MODULE, section);
        this.wrapped = wrapped;
    }

    static Protector open(VaultConfig.Section section) throws VaultException {
        byte[] data = Protectors.data(section);
        try {
            if (WrappedPassphrase.version(data) != 2) {
                throw Protectors.damaged(section, "not a version 2 wrapped passphrase");
            }
        } catch (KeyFileException e) {
            throw Protectors.damaged(section, "not a wrapped passphrase");
        }
        return new WrappedPassphraseProtector(section, data);
    }

    /** The config entries of a new protector holding {@code mountPassphrase} under {@code passphrase}. */
    static Map<String, String> protect(byte[] mountPassphrase, char[] passphrase, SecureRandom rng) {
        byte[] data = WrappedPassphrase.wrapV2(mountPassphrase, passphrase, rng);
        return Protectors.entries(KIND, data);
    }

    @Override
    public String details() {
        return "ecryptfs-utils wrapped-passphrase v2";
    }

    @Override
    public byte[] unlock(Credential credential) throws WrongPassphraseException, VaultException {
        char[] secret = Protectors.as(PassphraseCredential.class, credential, MODULE).chars();
        try {
            return WrappedPassphrase.unwrap(wrapped, secret, PassphraseKey.DEFAULT_SALT, "protector " + section.label());
        } catch (KeyFileException e) {
            throw new VaultException(e.getMessage(), e);
        }
    }
}
