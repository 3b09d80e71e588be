package io.ucryptfs.keystore.vault;


/**
 * A vault's mount passphrase as a protector gave it, already checked against the vault's key
 * signatures (so it is the vault's), and which protector gave it. Only {@link Vault} makes one.
 */
public final class MountPassphrase extends SecretBytes implements AutoCloseable {
    private final String protectorId;

    MountPassphrase(byte[] bytes, String protectorId) {
        super(bytes);
        this.protectorId = protectorId;
    }

    /** The id of the protector that opened, or "" when the mount passphrase was given directly. */
    public String protectorId() {
        return protectorId;
    }

    /** A copy of the passphrase's bytes; the caller wipes it. */
    public byte[] bytes() {
        return secret().clone();
    }

    @Override
    public void close() {
        destroy();
    }

    @Override
    public String toString() {
        return "MountPassphrase[from " + protectorId + "]";
    }
}
