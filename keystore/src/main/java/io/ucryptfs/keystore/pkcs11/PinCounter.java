package io.ucryptfs.keystore.pkcs11;

import org.xipki.pkcs11.wrapper.PKCS11Constants;

/**
 * What a token tells of its user PIN's retry counter, from the CKF_USER_PIN_* flags of its token
 * info. Tokens give no number: only "low", "final try" and "locked" (and SoftHSM2 sets COUNT_LOW
 * after any wrong PIN and never locks).
 */
public enum PinCounter {
    /** No flag set, or the flags could not be read. */
    UNKNOWN(""),
    /** CKF_USER_PIN_COUNT_LOW: a wrong PIN was entered since the last right one. */
    COUNT_LOW(": wrong PINs have been entered, the token may lock after a few more"),
    /** CKF_USER_PIN_FINAL_TRY: one more wrong PIN locks the token. */
    FINAL_TRY(": one try left, the next wrong PIN locks the token"),
    /** CKF_USER_PIN_LOCKED. */
    LOCKED(": the PIN is now locked");

    private final String sentence;

    PinCounter(String sentence) {
        this.sentence = sentence;
    }

    /** The end of a message sentence, starting with ": ", or empty. */
    String sentence() {
        return sentence;
    }

    /** From CK_TOKEN_INFO.flags; a negative value (flags unknown) gives UNKNOWN. */
    public static PinCounter of(long tokenFlags) {
        if (tokenFlags < 0) {
            return UNKNOWN;
        }
        if ((tokenFlags & PKCS11Constants.CKF_USER_PIN_LOCKED) != 0) {
            return LOCKED;
        }
        if ((tokenFlags & PKCS11Constants.CKF_USER_PIN_FINAL_TRY) != 0) {
            return FINAL_TRY;
        }
        if ((tokenFlags & PKCS11Constants.CKF_USER_PIN_COUNT_LOW) != 0) {
            return COUNT_LOW;
        }
        return UNKNOWN;
    }
}
