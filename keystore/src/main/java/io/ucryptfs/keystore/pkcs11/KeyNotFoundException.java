package io.ucryptfs.keystore.pkcs11;

/** The token has no key object that matches the URI's object label, id and type (or more than one). */
public final class KeyNotFoundException extends TokenException {
    private static final long serialVersionUID = 1L;

    public KeyNotFoundException(String message) {
        super(message);
    }
}
