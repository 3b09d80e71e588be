package io.ucryptfs.keystore.pkcs11;

/**
 * The token is not there: no slot holds a token that matches, or it went away while in use
 * (CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_SESSION_HANDLE_INVALID, ..., or an error the
 * module gives for a token it lost, such as SoftHSM2's CKR_GENERAL_ERROR once the token's directory
 * is gone). Sessions on it are dead; when it comes back a new {@link TokenSession} is needed, and
 * with some modules a re-initialised module ({@link TokenModule#reinitialize()}).
 */
public final class TokenAbsentException extends TokenException {
    private static final long serialVersionUID = 1L;

    public TokenAbsentException(String message, long ckr) {
        super(message, ckr, null);
    }
}
