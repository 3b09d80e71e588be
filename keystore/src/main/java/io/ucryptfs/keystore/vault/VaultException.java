package io.ucryptfs.keystore.vault;

import java.io.IOException;

/**
 * A vault cannot be made or opened, for a reason other than a wrong passphrase: its config is
 * damaged, garbled or of a newer format, a protector unwraps to a key that is not the vault's, or
 * the place asked for is taken. The message is one line that names the file; it never holds a
 * passphrase or key material.
 */
public class VaultException extends IOException {
    private static final long serialVersionUID = 1L;

    public VaultException(String message) {
        super(message);
    }

    public VaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
