package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.format.FormatException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;

/**
 * The eCryptfs file header, at the front of the lower file or in its {@code user.ecryptfs} xattr:
 *
 * <pre>
 *  0  8  plaintext size, big endian
 *  8  8  marker: 4 random bytes m1, then m1 XOR 0x3c81b7f5
 * 16  1  version (3)
 * 17  3  flags (0x02 encrypted, 0x04 header in xattr, 0x08 encrypted names)
 * 20  4  header extent size (4096)             } absent in version 0,
 * 24  2  number of header extents (2)          } where the header is 8 KiB
 * 26  …  key packet set, ended by 0x00; zeros up to the header size
 * </pre>
 *
 * Mirrors {@code ecryptfs_write_headers_virt} and {@code ecryptfs_read_headers_virt}
 * (fs/ecryptfs/crypto.c). The header size is always read from the file: kernels on machines with
 * 64 KiB pages write 64 KiB headers.
 */
public final class EcryptfsHeader {

    public static final int SIZE_FIELD_BYTES = 8;
    static final int MARKER_OFFSET = 8;
    static final int FLAGS_OFFSET = 16;
    static final int METADATA_OFFSET = 20;
    static final int PACKETS_OFFSET = 26;
    /** The smallest buffer that can hold a header: every fixed field and a terminator. */
    static final int MIN_BYTES = PACKETS_OFFSET + 1;
    static final int MAGIC = 0x3c81b7f5;

    /** The highest file version the kernel (and we) read and the one we write. */
    public static final int VERSION = 3;
    public static final int FLAG_ENABLE_HMAC = 0x01;
    public static final int FLAG_ENCRYPTED = 0x02;
    public static final int FLAG_METADATA_IN_XATTR = 0x04;
    public static final int FLAG_ENCRYPT_FILENAMES = 0x08;

    /** {@code ECRYPTFS_MINIMUM_HEADER_EXTENT_SIZE}: the header size of 4 KiB-page machines. */
    public static final int DEFAULT_HEADER_SIZE = 8192;
    /** Data extents are always 4 KiB ({@code ECRYPTFS_DEFAULT_EXTENT_SIZE}), whatever the header says. */
    public static final int EXTENT_SIZE = 4096;
    /** The kernel reads one extent to find the header, so the packet set must end inside it. */
    public static final int READ_SIZE = EXTENT_SIZE;
    /** Refuse absurd header sizes from damaged files (64 KiB pages give 65,536). */
    static final int MAX_HEADER_SIZE = 1 << 20;

    private final int version;
    private final int flags;
    private final int headerExtentSize;
    private final int headerExtents;
    private final List<KeyPacket> packets;

    EcryptfsHeader(int version, int flags, int headerExtentSize, int headerExtents, List<KeyPacket> packets) {
        this.version = version;
        this.flags = flags;
        this.headerExtentSize = headerExtentSize;
        this.headerExtents = headerExtents;
        this.packets = List.copyOf(packets);
    }

    /** A new version 3 header as this machine's kernel would write it: 8 KiB, 2 extents of 4 KiB. */
    static EcryptfsHeader create(int flags, List<KeyPacket> packets) {
        return new EcryptfsHeader(VERSION, flags | FLAG_ENCRYPTED, EXTENT_SIZE, DEFAULT_HEADER_SIZE / EXTENT_SIZE, packets);
    }

    /** Whether {@code buf} starts with a valid marker (bytes 8..15): the cheap test for "is eCryptfs". */
    public static boolean hasMarker(byte[] buf, int len) {
        if (len < MARKER_OFFSET + 8) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(buf);
        return (b.getInt(MARKER_OFFSET) ^ MAGIC) == b.getInt(MARKER_OFFSET + 4);
    }

    /** The plaintext size stored in the first 8 bytes. */
    public static long plaintextSize(byte[] buf) {
        return ByteBuffer.wrap(buf).getLong(0);
    }

    /**
     * Parses a header from the first {@code len} bytes of {@code buf}.
     *
     * @param inXattr the bytes came from the xattr (the header size is then not required to be at
     *     least 8 KiB, as the kernel's {@code ECRYPTFS_DONT_VALIDATE_HEADER_SIZE})
     */
    public static EcryptfsHeader parse(byte[] buf, int len, boolean inXattr) throws FormatException {
        if (len < MIN_BYTES) {
            throw new FormatException("truncated header: " + len + " bytes, at least " + MIN_BYTES + " needed");
        }
        if (!hasMarker(buf, len)) {
            throw new FormatException("bad marker: not an eCryptfs file");
        }
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
        int versionAndFlags = b.getInt(FLAGS_OFFSET);
        int version = versionAndFlags >>> 24;
        int flags = versionAndFlags & 0xffffff;
        if (version > VERSION) {
            throw new FormatException("unknown version " + version + " (this reader knows up to " + VERSION + ")");
        }
        int extentSize;
        int extents;
        int packetsAt;
        if (version >= 1) {
            extentSize = b.getInt(METADATA_OFFSET);
            extents = b.getShort(METADATA_OFFSET + 4) & 0xffff;
            packetsAt = PACKETS_OFFSET;
            long size = (long) extentSize * extents;
            if (extentSize <= 0 || size > MAX_HEADER_SIZE || (!inXattr && size < DEFAULT_HEADER_SIZE)) {
                throw new FormatException("implausible header size " + extents + " x " + Integer.toUnsignedString(extentSize));
            }
        } else {
            extentSize = EXTENT_SIZE;
            extents = DEFAULT_HEADER_SIZE / EXTENT_SIZE;
            packetsAt = METADATA_OFFSET;
        }
        if ((flags & FLAG_ENCRYPTED) == 0) {
            throw new FormatException("header flags 0x" + Integer.toHexString(flags)
                    + " say the file is not encrypted (unsupported; the kernel would look for key packets anyway)");
        }
        List<KeyPacket> packets = KeyPacketSet.parse(buf, packetsAt, Math.min(len, READ_SIZE));
        return new EcryptfsHeader(version, flags, extentSize, extents, packets);
    }

    /** The header bytes up to and including the packet set's terminator (what goes into the xattr). */
    public byte[] encode(long plaintextSize, SecureRandom rng) {
        int packetsEnd = PACKETS_OFFSET + KeyPacketSet.encodedSize(packets);
        if (packetsEnd > READ_SIZE) {
            throw new IllegalArgumentException("too many keys: the key packets need " + packetsEnd
                    + " bytes, the kernel reads " + READ_SIZE);
        }
        byte[] out = new byte[packetsEnd];
        ByteBuffer b = ByteBuffer.wrap(out);
        b.putLong(0, plaintextSize);
        int m1 = rng.nextInt();
        b.putInt(MARKER_OFFSET, m1);
        b.putInt(MARKER_OFFSET + 4, m1 ^ MAGIC);
        b.putInt(FLAGS_OFFSET, (VERSION << 24) | (flags & 0xffffff));
        b.putInt(METADATA_OFFSET, headerExtentSize);
        b.putShort(METADATA_OFFSET + 4, (short) headerExtents);
        KeyPacketSet.write(packets, out, PACKETS_OFFSET);
        return out;
    }

    public int version() {
        return version;
    }

    public int flags() {
        return flags;
    }

    public boolean metadataInXattr() {
        return (flags & FLAG_METADATA_IN_XATTR) != 0;
    }

    public boolean encryptedNames() {
        return (flags & FLAG_ENCRYPT_FILENAMES) != 0;
    }

    /** Bytes before the first data extent when the header is in the file. */
    public int headerSize() {
        return headerExtentSize * headerExtents;
    }

    public List<KeyPacket> packets() {
        return packets;
    }

    @Override
    public String toString() {
        return "EcryptfsHeader[v" + version + ", flags 0x" + Integer.toHexString(flags) + ", header "
                + headerExtents + "x" + headerExtentSize + ", " + packets + "]";
    }
}
