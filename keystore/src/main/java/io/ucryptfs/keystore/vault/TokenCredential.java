package io.ucryptfs.keystore.vault;

import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import java.util.Arrays;
import java.util.Map;

/**
 * A PKCS#11 token and its user PIN: what opens a {@link TokenProtector}. The URI names the token
 * and key (an RFC 7512 {@code pkcs11:} URI; to add a protector, the key it is made with; to unlock,
 * enough of it to pick the protectors it is for, see {@link #selects}); a PIN given in the URI
 * ({@code pin-value}) is never used and never stored. The PIN is a copy that {@link #destroy()}
 * wipes; no PIN ({@code null}) means the token reads it on its own PIN pad.
 */
public final class TokenCredential implements Credential {
    private final Pkcs11Uri uri;
    /** The PIN, held and wiped as a passphrase is; null for a PIN pad. */
    private final PassphraseCredential pin;

    /**
     * @param uri the token and key
     * @param pin the user PIN (copied; the caller still wipes its own array), or null for a PIN pad
     */
    public TokenCredential(Pkcs11Uri uri, char[] pin) {
        this.uri = uri.withQuery(Pkcs11Uri.PIN_VALUE, null).withQuery(Pkcs11Uri.PIN_SOURCE, null);
        this.pin = pin == null ? null : new PassphraseCredential(pin);
    }

    /** The URI, without any pin-value or pin-source. */
    public Pkcs11Uri uri() {
        return uri;
    }

    /** Whether a PIN was given (else the token's PIN pad is used). */
    public boolean hasPin() {
        return pin != null;
    }

    /**
     * A copy of the PIN, for a login that wipes what it is given (or for handing it to the mount
     * daemon, which logs in to the vault's file-key token itself); the caller wipes it.
     */
    public char[] pinCopy() {
        return pin.chars().clone();
    }

    /**
     * Whether this credential is for the token and key of {@code stored} (a protector's URI): every
     * path attribute this URI gives, but {@code type}, has the same value there. A URI that gives
     * only {@code token=} selects every protector of that token.
     */
    boolean selects(Pkcs11Uri stored) {
        Map<String, byte[]> theirs = stored.pathAttributes();
        for (Map.Entry<String, byte[]> e : uri.pathAttributes().entrySet()) {
            if (!e.getKey().equals(Pkcs11Uri.TYPE) && !Arrays.equals(e.getValue(), theirs.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String describe() {
        return "the PIN of token " + uri.token().orElse(uri.serial().map(s -> "with serial " + s).orElse("(any)"));
    }

    @Override
    public void destroy() {
        if (pin != null) {
            pin.destroy();
        }
    }

    @Override
    public boolean isDestroyed() {
        return pin == null || pin.isDestroyed();
    }

    @Override
    public String toString() {
        return "TokenCredential[" + uri + "]";
    }
}
