package io.ucryptfs.keystore.recovery;

/**
 * Recovery shares cannot give the recovery key: one is mistyped, they are too few, from different
 * sets or not this vault's, or a share or the stored check value is damaged. The message is one line
 * meant for the person typing the shares; it names shares by their number and never holds share or
 * key bytes.
 */
public class RecoveryException extends Exception {
    private static final long serialVersionUID = 1L;

    public RecoveryException(String message) {
        super(message);
    }

    public RecoveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
