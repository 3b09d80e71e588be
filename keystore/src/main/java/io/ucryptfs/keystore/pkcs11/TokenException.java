package io.ucryptfs.keystore.pkcs11;

import java.io.IOException;
import org.xipki.pkcs11.wrapper.PKCS11Constants;

/**
 * A token operation failed. The message is one line that says what was being done and, where the
 * module gave one, its CKR_ code by name; it never holds a PIN, key material or wrapped data.
 * Subclasses are the failures a caller acts on: {@link WrongPinException}, {@link
 * PinLockedException}, {@link TokenAbsentException}, {@link KeyNotFoundException}.
 */
public class TokenException extends IOException {
    private static final long serialVersionUID = 1L;
    /** No CKR_ code: the failure was found by our code, not returned by the module. */
    public static final long NO_CODE = -1;

    private final long ckr;

    public TokenException(String message) {
        this(message, NO_CODE, null);
    }

    public TokenException(String message, long ckr, Throwable cause) {
        super(ckr == NO_CODE ? message : message + " (" + ckrName(ckr) + ")", cause);
        this.ckr = ckr;
    }

    /** The module's CKR_ return value, or {@link #NO_CODE}. */
    public long ckr() {
        return ckr;
    }

    static String ckrName(long ckr) {
        String name = PKCS11Constants.ckrCodeToName(ckr);
        // the wrapper names a code it does not know "CKR_0X..."
        return name != null && name.matches("CKR_[A-Z][A-Z0-9_]*") ? name : String.format("CKR 0x%08X", ckr);
    }
}
