package io.ucryptfs.core.keys;

import java.security.GeneralSecurityException;

/**
 * The passphrase given does not open the key it was asked to open: for a {@code wrapped-passphrase}
 * file, the signature of the key derived from it differs from the one stored in the file (which is
 * how ecryptfs-utils detects a wrong login passphrase). The file itself is fine, so a caller may ask
 * again. The message says which file; it never holds the passphrase.
 */
public class WrongPassphraseException extends GeneralSecurityException {
    private static final long serialVersionUID = 1L;

    public WrongPassphraseException(String context) {
        super("wrong passphrase: " + context);
    }
}
