package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.WrongPassphraseException;

/**
 * One way to get a vault's mount passphrase: a {@code [protector NAME]} section of its config, read
 * by the implementation registered for its {@code kind} in {@link Protectors}. Each protector holds
 * the same mount passphrase, so protectors can be added or removed without re-encrypting anything.
 */
public interface Protector {

    /** The section's {@code kind}. */
    String kind();

    /**
     * The mount passphrase, given the user's secret (a passphrase, a PIN).
     *
     * @return the mount passphrase bytes; the caller wipes them
     * @throws WrongPassphraseException the secret does not open this protector (and it is intact)
     * @throws VaultException the protector is damaged
     */
    byte[] unlock(char[] secret) throws WrongPassphraseException, VaultException;
}
