package io.ucryptfs.core.format;

/**
 * A lower-file layout: how a header is recognised, unlocked and created. The file layer talks to a
 * layout only through this and {@link UnlockedHeader}/{@link ContentCryptor}, so another layout (an
 * authenticated one) can sit beside eCryptfs's later.
 */
public interface FileFormat {

    /** How many bytes from the front of a lower file {@link #open} needs to see. */
    int headerReadSize();

    /** A cheap check on the first bytes: is this a header of this layout? (eCryptfs: the marker.) */
    boolean recognizes(byte[] front, int len);

    /**
     * Parses a header and unwraps its file key with one of the mount's keys.
     *
     * @param fromXattr the bytes came from the header xattr rather than the front of the file
     * @throws NoKeyException if no key packet names a key we hold
     * @throws FormatException if the header is damaged or unsupported (the message says why)
     */
    UnlockedHeader open(byte[] header, int len, boolean fromXattr) throws FormatException;

    /** A header for a new file: a fresh random file key wrapped under every key of the mount. */
    UnlockedHeader create();

    /** Where new files keep their header. */
    boolean writesHeaderToXattr();

    /** The xattr a layout keeps headers in, if it does ("user.ecryptfs"). */
    String headerXattrName();
}
