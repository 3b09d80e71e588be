package io.ucryptfs.keystore.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

import java.util.function.LongSupplier;

/**
 * Maps a module's CKR_ code to one of our exceptions: a pure function of the code and of what the
 * token says when asked again, so it is tested without a token.
 *
 * <p>Some codes mean the token is gone whatever the module: CKR_DEVICE_REMOVED,
 * CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_RECOGNIZED, CKR_SESSION_HANDLE_INVALID,
 * CKR_SESSION_CLOSED, CKR_SLOT_ID_INVALID, CKR_CRYPTOKI_NOT_INITIALIZED (the module was
 * finalised under us: re-initialised after a removal). Others may mean it: CKR_GENERAL_ERROR and
 * CKR_DEVICE_ERROR, and a key handle that stopped being valid (SoftHSM2, once its token directory is
 * deleted, answers C_GetTokenInfo with CKR_GENERAL_ERROR and key operations with
 * CKR_*KEY_HANDLE_INVALID). For those the token is asked for its info once more: when that fails
 * too, the token is gone.
 */
final class TokenErrors {
    private TokenErrors() {}

    enum Kind { WRONG_PIN, PIN_LOCKED, GONE, MAYBE_GONE, OTHER }

    static Kind kind(long ckr) {
        if (ckr == CKR_PIN_INCORRECT || ckr == CKR_PIN_INVALID || ckr == CKR_PIN_LEN_RANGE) {
            return Kind.WRONG_PIN;
        }
        if (ckr == CKR_PIN_LOCKED) {
            return Kind.PIN_LOCKED;
        }
        if (ckr == CKR_DEVICE_REMOVED || ckr == CKR_TOKEN_NOT_PRESENT || ckr == CKR_TOKEN_NOT_RECOGNIZED
                || ckr == CKR_SESSION_HANDLE_INVALID || ckr == CKR_SESSION_CLOSED || ckr == CKR_SLOT_ID_INVALID
                || ckr == CKR_CRYPTOKI_NOT_INITIALIZED) {
            return Kind.GONE;
        }
        if (ckr == CKR_GENERAL_ERROR || ckr == CKR_DEVICE_ERROR || ckr == CKR_KEY_HANDLE_INVALID
                || ckr == CKR_OBJECT_HANDLE_INVALID || ckr == CKR_WRAPPING_KEY_HANDLE_INVALID
                || ckr == CKR_UNWRAPPING_KEY_HANDLE_INVALID) {
            return Kind.MAYBE_GONE;
        }
        return Kind.OTHER;
    }

    /**
     * @param ckr        the module's code
     * @param what       what was being done, for the message ("login", "decrypt with key k")
     * @param tokenName  the token's label, for the message
     * @param tokenFlags asks the token for its CK_TOKEN_INFO flags now; a negative value when that
     *                   fails. Called at most once, and only for a PIN error or a code that may
     *                   mean the token is gone.
     */
    static TokenException map(long ckr, String what, String tokenName, LongSupplier tokenFlags) {
        switch (kind(ckr)) {
            case WRONG_PIN: {
                PinCounter counter = PinCounter.of(tokenFlags.getAsLong());
                return counter == PinCounter.LOCKED
                        ? new PinLockedException(tokenName, ckr)
                        : new WrongPinException(tokenName, counter, ckr);
            }
            case PIN_LOCKED:
                return new PinLockedException(tokenName, ckr);
            case GONE:
                return removed(ckr, what, tokenName);
            case MAYBE_GONE:
                if (tokenFlags.getAsLong() < 0) {
                    return removed(ckr, what, tokenName);
                }
                return new TokenException(what + " on token " + tokenName + " failed", ckr, null);
            default:
                return new TokenException(what + " on token " + tokenName + " failed", ckr, null);
        }
    }

    private static TokenAbsentException removed(long ckr, String what, String tokenName) {
        return new TokenAbsentException("token " + tokenName + " was removed (" + what + " failed)", ckr);
    }
}
