package io.ucryptfs.core.keys;

import java.io.IOException;
import javax.security.auth.Destroyable;

/**
 * The private half of a per-file key: decrypts a tag 1 packet's encrypted session-key message. The
 * key may live on a token, so each call can be a token operation (one per file open: an open file
 * keeps its FEK). Implementations must be safe to call from several threads.
 *
 * <p>A mount key like the others: held in a {@link KeyRing}, destroyed when the mount is locked
 * (after which {@link #decrypt} fails with {@link KeyUnavailableException}).
 */
public interface PrivateKeyUnwrapper extends Destroyable {

    /** The 16-hex-character key identifier the tag 1 packets name ({@link RsaKeySig}). */
    String signature();

    /**
     * Decrypts {@code encrypted}; the result is the caller's to wipe.
     *
     * @throws KeyUnavailableException when the key cannot be used now (token removed, logged out,
     *     destroyed): the file then has no key in this mount
     * @throws IOException when the key refused the data (a damaged packet, or a wrong key)
     */
    byte[] decrypt(byte[] encrypted) throws IOException;
}
