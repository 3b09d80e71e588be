package io.ucryptfs.core.format;

/**
 * A lower file is not a valid encrypted file: the message names the file and the reason
 * ("bad marker", "unknown version 4", ...). Never carries key material.
 */
public class FormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The same failure with the lower file's name in front, for callers that know it. */
    public FormatException inFile(String file) {
        FormatException e = new FormatException(file + ": " + getMessage(), getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
