package io.ucryptfs.core.format;

import java.nio.ByteBuffer;
import javax.security.auth.Destroyable;

/**
 * Encrypts and decrypts the data extents of one file under its file key. One per open file; safe for
 * concurrent use by several threads (on different extents).
 *
 * <p>This is the seam for other layouts: eCryptfs's AES-CBC extents today, an authenticated layout
 * (with a per-extent tag, so {@link #ciphertextExtentSize()} grows) beside it later.
 */
public interface ContentCryptor extends Destroyable {

    /** Plaintext bytes per extent. */
    int extentSize();

    /** Lower bytes per extent. */
    int ciphertextExtentSize();

    /**
     * Encrypts one whole extent. {@code plain} has exactly {@link #extentSize()} bytes remaining (the
     * caller zero-fills the tail of a short last extent); {@code cipherOut} receives
     * {@link #ciphertextExtentSize()} bytes. Positions of both advance.
     */
    void encryptExtent(long index, ByteBuffer plain, ByteBuffer cipherOut);

    /** The inverse of {@link #encryptExtent}. */
    void decryptExtent(long index, ByteBuffer cipher, ByteBuffer plainOut);
}
