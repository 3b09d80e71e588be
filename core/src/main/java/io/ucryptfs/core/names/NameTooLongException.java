package io.ucryptfs.core.names;

/** Thrown by {@link NameCipher}; the message names the entry but never a key. */
public class NameTooLongException extends Exception {
    private static final long serialVersionUID = 1L;

    public NameTooLongException(String message) {
        super(message);
    }

    public NameTooLongException(String message, Throwable cause) {
        super(message, cause);
    }
}
