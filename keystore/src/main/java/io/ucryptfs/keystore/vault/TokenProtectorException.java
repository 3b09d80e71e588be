package io.ucryptfs.keystore.vault;

import io.ucryptfs.keystore.pkcs11.PinLockedException;
import io.ucryptfs.keystore.pkcs11.TokenAbsentException;
import io.ucryptfs.keystore.pkcs11.TokenException;
import io.ucryptfs.keystore.pkcs11.WrongPinException;

/**
 * A token protector could not use its token: a wrong PIN ({@link #wrongPin()}, with what the token
 * says of the tries left in the message), a locked PIN, a token that is not there, its key missing,
 * or an operation that failed. The cause is the token layer's {@link TokenException}. Unlocking stops
 * at the first of these: no other protector is tried with the same PIN, so a wrong PIN is spent
 * once.
 */
public final class TokenProtectorException extends VaultException {
    private static final long serialVersionUID = 1L;

    TokenProtectorException(String message, TokenException cause) {
        super(message, cause);
    }

    @Override
    public synchronized TokenException getCause() {
        return (TokenException) super.getCause();
    }

    /** The token refused the PIN. */
    public boolean wrongPin() {
        return getCause() instanceof WrongPinException;
    }

    /** The token's PIN is locked. */
    public boolean pinLocked() {
        return getCause() instanceof PinLockedException;
    }

    /** The token is not there. */
    public boolean absent() {
        return getCause() instanceof TokenAbsentException;
    }
}
