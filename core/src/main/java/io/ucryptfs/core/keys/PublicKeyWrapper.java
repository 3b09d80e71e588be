package io.ucryptfs.core.keys;

import javax.security.auth.Destroyable;

/**
 * The public half of a per-file key: encrypts each new file's session-key message (the FEK with its
 * cipher code and checksum) into an eCryptfs tag 1 packet. Needs no secret and no token: a file is
 * created with the public key alone. Like eCryptfs's PKI key modules, the only algorithm is RSA with
 * PKCS#1 v1.5 padding ({@link RsaPublicKeyWrapper}).
 *
 * <p>A mount key like the others: held in a {@link KeyRing}, destroyed when the mount is locked.
 */
public interface PublicKeyWrapper extends Destroyable {

    /** The 16-hex-character key identifier written in the tag 1 packet ({@link RsaKeySig}). */
    String signature();

    /** Encrypts {@code message}; the result is at most 512 bytes (the kernel's limit for a tag 1 key). */
    byte[] encrypt(byte[] message);
}
