package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.WrongPassphraseException;

/**
 * One stored way to get a vault's mount passphrase: a {@code [protector ID]} section of its config,
 * read by the {@link KeyModule} registered for its {@code kind} in {@link Protectors}. Each protector
 * holds the same mount passphrase, so protectors can be added or removed without re-encrypting
 * anything.
 */
public interface Protector {

    /** The module that reads it. */
    KeyModule module();

    /** Its id: the section's name. */
    String id();

    /** Parameters worth showing (never secret), e.g. "argon2id 256 MiB, 3 passes, 1 lane"; may be empty. */
    default String details() {
        return "";
    }

    /**
     * The mount passphrase, given the user's credential (of {@code module().credential()}'s type).
     *
     * @return the mount passphrase bytes; the caller wipes them
     * @throws WrongPassphraseException the credential does not open this protector (and it is intact)
     * @throws VaultException the protector is damaged
     */
    byte[] unlock(Credential credential) throws WrongPassphraseException, VaultException;
}
