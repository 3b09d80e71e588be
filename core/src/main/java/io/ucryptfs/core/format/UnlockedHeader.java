package io.ucryptfs.core.format;

import javax.security.auth.Destroyable;

/**
 * The header of one lower file with its file key unwrapped: everything the data path needs.
 * {@link #destroy()} wipes the file key.
 */
public interface UnlockedHeader extends Destroyable {

    /** The plaintext size recorded in the header when it was read. */
    long plaintextSize();

    /** Offset of the first data extent in the lower file: the header size, or 0 when it lives in an xattr. */
    long dataOffset();

    boolean inXattr();

    /**
     * The header bytes to store for {@code plaintextSize}: the whole header region (padded to
     * {@link #dataOffset()}) for a header in the file, or the xattr value.
     */
    byte[] encode(long plaintextSize);

    /**
     * The bytes that record a new plaintext size and their offset within the header, so a size change
     * rewrites only those (as the kernel's {@code ecryptfs_write_inode_size_to_metadata}).
     */
    byte[] encodeSize(long plaintextSize);

    int sizeFieldOffset();

    ContentCryptor content();

    /** A line for diagnostics: version, flags, packets. No key material. */
    String describe();
}
