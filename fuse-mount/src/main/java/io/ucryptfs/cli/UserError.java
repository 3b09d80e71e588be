package io.ucryptfs.cli;

/**
 * A failure to report as one clear line and an exit code, without a stack trace (that comes with
 * {@code --verbose}). Messages never hold a key, passphrase or PIN.
 */
public class UserError extends Exception {
    private static final long serialVersionUID = 1L;

    /** Exit codes: 1 general failure, 2 wrong passphrase or key. */
    public static final int FAILURE = 1;
    public static final int WRONG_KEY = 2;

    private final int exitCode;

    public UserError(String message) {
        this(FAILURE, message, null);
    }

    public UserError(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public UserError(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
