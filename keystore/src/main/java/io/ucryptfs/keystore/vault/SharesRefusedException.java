package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.WrongPassphraseException;

/**
 * Recovery shares that do not open a vault, and why: too few, one mistyped (named), of another set,
 * repeated, or not this vault's key. The reason never holds a share's content.
 */
public final class SharesRefusedException extends WrongPassphraseException {
    private static final long serialVersionUID = 1L;
    private final String why;

    SharesRefusedException(String why) {
        super(why);
        this.why = why;
    }

    /** The reason, for the user: "too few shares (2 of 3 needed)", "share 4 (the 2nd given) is mistyped ...". */
    public String why() {
        return why;
    }
}
