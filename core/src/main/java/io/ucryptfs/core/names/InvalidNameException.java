package io.ucryptfs.core.names;

/** Thrown by {@link NameCipher}; the message names the entry but never a key. */
public class InvalidNameException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidNameException(String message) {
        super(message);
    }

    public InvalidNameException(String message, Throwable cause) {
        super(message, cause);
    }
}
