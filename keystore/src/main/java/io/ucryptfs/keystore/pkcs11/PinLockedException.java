package io.ucryptfs.keystore.pkcs11;

/** The token's user PIN is locked (CKR_PIN_LOCKED, or CKF_USER_PIN_LOCKED after a wrong PIN). */
public final class PinLockedException extends TokenException {
    private static final long serialVersionUID = 1L;

    public PinLockedException(String tokenName, long ckr) {
        super("the PIN of token " + tokenName + " is locked: unlock it with the security officer PIN"
                + " (the token's own tool), or use another protector", ckr, null);
    }
}
