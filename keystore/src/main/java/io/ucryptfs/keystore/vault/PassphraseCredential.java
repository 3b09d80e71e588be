package io.ucryptfs.keystore.vault;

import java.util.Arrays;

/** A passphrase, held as a copy the holder wipes with {@link #destroy()}. */
public final class PassphraseCredential implements Credential {
    private final char[] chars;
    private boolean destroyed;

    /** A copy of {@code passphrase}; the caller still wipes its own array. */
    public PassphraseCredential(char[] passphrase) {
        this.chars = passphrase.clone();
    }

    /** The passphrase itself (not a copy): do not keep or change it. */
    char[] chars() {
        if (destroyed) {
            throw new IllegalStateException("passphrase already wiped");
        }
        return chars;
    }

    @Override
    public String describe() {
        return "a passphrase";
    }

    @Override
    public void destroy() {
        Arrays.fill(chars, '\0');
        destroyed = true;
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "PassphraseCredential";
    }
}
