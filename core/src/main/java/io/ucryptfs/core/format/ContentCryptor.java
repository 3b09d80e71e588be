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

    /**
     * Encrypts {@code count} whole extents, {@code first} onwards, laid end to end in {@code plain}
     * ({@code count * extentSize()} bytes remaining) into {@code cipherOut}. The same bytes as
     * {@link #encryptExtent} one by one; a format may do a run faster (eCryptfs derives a run's IVs
     * together).
     */
    default void encryptExtents(long first, int count, ByteBuffer plain, ByteBuffer cipherOut) {
        int es = extentSize();
        for (int k = 0; k < count; k++) {
            encryptExtent(first + k, plain.duplicate().limit(plain.position() + es), cipherOut);
            plain.position(plain.position() + es);
        }
    }

    /** The inverse of {@link #encryptExtents}. */
    default void decryptExtents(long first, int count, ByteBuffer cipher, ByteBuffer plainOut) {
        int cs = ciphertextExtentSize();
        for (int k = 0; k < count; k++) {
            decryptExtent(first + k, cipher.duplicate().limit(cipher.position() + cs), plainOut);
            cipher.position(cipher.position() + cs);
        }
    }
}
