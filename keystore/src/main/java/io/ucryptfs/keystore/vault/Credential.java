package io.ucryptfs.keystore.vault;

import javax.security.auth.Destroyable;

/**
 * What a user presents to open a protector: a passphrase, the contents of a key file (later a token
 * PIN, recovery shares). Each {@link KeyModule} names the one type it takes. The secret lives in an
 * array that {@link #destroy()} wipes; it is never part of {@link #toString()} or any message.
 */
public interface Credential extends Destroyable {

    /** What it is, for messages: "a passphrase", "key file /path". Never the secret. */
    String describe();

    @Override
    void destroy();
}
