package io.ucryptfs.core.keys;

/**
 * Which keys of a mount's {@link KeyRing} wrap the FEK of each new file (a mount option; existing files
 * keep the packets they were made with).
 */
public enum NewFileKeys {
    /** Each file key (tag 3 + tag 11 per mount key): the eCryptfs default. */
    MOUNT_KEYS,
    /**
     * Each file key and each public key (tag 1 per public key): the file opens with either, so a lost
     * token leaves the passphrase, and the token alone opens it.
     */
    MOUNT_AND_PUBLIC_KEYS,
    /**
     * Each public key only: the file opens only with a private key (the token), never with the mount
     * passphrase, even while it is loaded.
     */
    PUBLIC_KEYS_ONLY;

    public boolean usesMountKeys() {
        return this != PUBLIC_KEYS_ONLY;
    }

    public boolean usesPublicKeys() {
        return this != MOUNT_KEYS;
    }
}
