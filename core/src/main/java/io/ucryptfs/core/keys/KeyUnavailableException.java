package io.ucryptfs.core.keys;

import java.io.IOException;

/**
 * A key the mount holds cannot be used now: its token was removed, its session ended, or the key was
 * destroyed. Opening a file that needs it fails as if the mount did not hold it (EACCES). The message
 * names the key and the reason, never key material.
 */
public class KeyUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    public KeyUnavailableException(String message) {
        super(message);
    }

    public KeyUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
