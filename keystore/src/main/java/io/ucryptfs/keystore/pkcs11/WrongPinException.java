package io.ucryptfs.keystore.pkcs11;

/**
 * The token refused the PIN (CKR_PIN_INCORRECT, or a PIN of invalid length or characters). {@link
 * #counter()} says what the token tells of the tries left. Nothing retries: the caller asks the
 * user again, or stops.
 */
public final class WrongPinException extends TokenException {
    private static final long serialVersionUID = 1L;
    private final PinCounter counter;

    public WrongPinException(String tokenName, PinCounter counter, long ckr) {
        super("wrong PIN for token " + tokenName + counter.sentence(), ckr, null);
        this.counter = counter;
    }

    public PinCounter counter() {
        return counter;
    }
}
