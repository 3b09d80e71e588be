package io.ucryptfs.core.keys;

import java.io.IOException;

/**
 * A key file ({@code wrapped-passphrase}, {@code Private.sig}) that cannot be used as it is:
 * truncated, garbled, not such a file at all, or of a version we do not know. The message names the
 * file and what is wrong with it; it never holds a passphrase or key material.
 */
public class KeyFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public KeyFileException(String message) {
        super(message);
    }

    public KeyFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
