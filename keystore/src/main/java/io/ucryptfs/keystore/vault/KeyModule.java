package io.ucryptfs.keystore.vault;

import java.security.SecureRandom;
import java.util.Map;

/**
 * A kind of protector, in the spirit of eCryptfs's {@code ecryptfs_key_mod_ops}: how the mount
 * passphrase is wrapped under one kind of user secret ({@link #protect}, eCryptfs's {@code encrypt})
 * and how a stored protector is read and opened again ({@link #open} then {@link Protector#unlock},
 * eCryptfs's {@code decrypt}). A new kind is one class implementing this and one entry in
 * {@link Protectors}.
 *
 * <p>A protector is a {@code [protector ID]} section of the vault config. The module owns the
 * section's {@code kind} and its own entries; {@link VaultProtectors} adds {@code label},
 * {@code created} and {@code changed}, which no module reads. Implementations never log a secret
 * and never put one in an exception message.
 */
public interface KeyModule {

    /** The section's {@code kind}. */
    String kind();

    /** The credential type this kind opens with; protectors of other kinds are not tried with it. */
    Class<? extends Credential> credential();

    /** How new protectors of this kind are named: "passphrase", then "passphrase-2", ... */
    String idPrefix();

    /**
     * Reads a stored protector. Checks its entries (presence, ranges, the {@code check} value) so
     * that damage is reported here, as damage, and not later as a wrong secret.
     *
     * @throws VaultException the section is damaged
     */
    Protector open(VaultConfig.Section section) throws VaultException;

    /**
     * Wraps {@code mountPassphrase} under {@code credential} for a new protector section {@code id}.
     *
     * @return the section's entries, {@code kind} first
     * @throws IllegalArgumentException the credential is not of {@link #credential()}'s type
     */
    Map<String, String> protect(String id, byte[] mountPassphrase, Credential credential, SecureRandom rng)
            throws VaultException;
}
