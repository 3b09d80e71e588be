package io.ucryptfs.core.file;

import io.ucryptfs.core.format.ContentCryptor;
import io.ucryptfs.core.format.UnlockedHeader;
import io.ucryptfs.core.format.ecryptfs.EcryptfsFormat;
import io.ucryptfs.core.util.Pool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The lower end of an open {@link EncryptedFile}: everything that touches ciphertext. Extents are
 * encrypted on their way to the lower channel and decrypted on their way back, each at its place after
 * the header; the header's size field is written in the file or in its xattr. {@link EncryptedFile}
 * decides when (cache, locking, size); this class knows only where and how.
 *
 * <p>Callers hold the file's lock, except for {@link #writeExtent} from an eviction (the extent's own
 * monitor keeps two write-backs of it apart; positional writes of different extents do not overlap).
 */
final class LowerFile {
    /** Ciphertext staging buffers, pooled (libfuse's threads come and go; see {@link Pool}). */
    private static final Pool<ByteBuffer> CIPHERTEXT = new Pool<>(() -> ByteBuffer.allocate(0));

    /** Read and written directly only by {@link StreamingIo}, whose runs span many extents. */
    final FileChannel channel;
    final ContentCryptor cryptor;
    final int extentSize;
    /** The plaintext name, for messages. */
    final String name;
    private final UnlockedHeader header;
    private final long dataOffset;
    /** Where the lower file is now; null once it was replaced by a rename (its xattr is gone with it). */
    private volatile Path path;

    LowerFile(FileChannel channel, UnlockedHeader header, Path path, String name) {
        this.channel = channel;
        this.header = header;
        this.cryptor = header.content();
        this.extentSize = cryptor.extentSize();
        this.dataOffset = header.dataOffset();
        this.path = path;
        this.name = name;
    }

    /** The plaintext size its header gave when the file was opened. */
    long headerSize() {
        return header.plaintextSize();
    }

    void moved(Path newPath) {
        this.path = newPath;
    }

    /** Lower size of a file of {@code plaintextSize} bytes: header and whole extents. */
    long sizeFor(long plaintextSize) {
        return dataOffset + extentCount(plaintextSize) * (long) cryptor.ciphertextExtentSize();
    }

    long extentCount(long plaintextSize) {
        return (plaintextSize + extentSize - 1) / extentSize;
    }

    long extentPosition(long idx) {
        return dataOffset + idx * (long) cryptor.ciphertextExtentSize();
    }

    /**
     * Decrypts extent {@code idx} into {@code into}. Bytes past {@code plainSize} come out zero whatever
     * the lower file held there, so that the extent can be encrypted again as it is.
     */
    void readExtent(long idx, byte[] into, long plainSize) throws IOException {
        ByteBuffer in = cipherBuffer();
        try {
            long pos = extentPosition(idx);
            while (in.hasRemaining()) {
                int n = channel.read(in, pos + in.position());
                if (n < 0) {
                    throw new TruncatedFileException(name + ": lower file ends inside extent " + idx
                            + " (at byte " + (pos + in.position()) + "); its header says " + plainSize + " plaintext bytes");
                }
            }
            in.flip();
            cryptor.decryptExtent(idx, in, ByteBuffer.wrap(into));
        } finally {
            CIPHERTEXT.give(in);
        }
        long endInExtent = plainSize - idx * extentSize;
        if (endInExtent < extentSize) {
            Arrays.fill(into, (int) endInExtent, extentSize, (byte) 0);
        }
    }

    /** Encrypts the plaintext extent {@code data} and writes it at extent {@code idx}'s place. */
    void writeExtent(long idx, byte[] data) throws IOException {
        ByteBuffer out = cipherBuffer();
        try {
            cryptor.encryptExtent(idx, ByteBuffer.wrap(data), out);
            out.flip();
            writeFully(out, extentPosition(idx));
        } finally {
            CIPHERTEXT.give(out);
        }
    }

    /** Writes extents {@code [first, last)} as encrypted zeros: the format has no holes. */
    void writeZeroExtents(long first, long last) throws IOException {
        if (first >= last) {
            return;
        }
        ByteBuffer zero = ByteBuffer.allocate(extentSize);
        ByteBuffer out = cipherBuffer();
        try {
            for (long idx = first; idx < last; idx++) {
                zero.clear();
                out.clear();
                cryptor.encryptExtent(idx, zero, out);
                out.flip();
                writeFully(out, extentPosition(idx));
            }
        } finally {
            CIPHERTEXT.give(out);
        }
    }

    /** Writes the header's size field, where the header is: at the front of the file or in its xattr. */
    void writeSize(long plainSize) throws IOException {
        if (!header.inXattr()) {
            writeFully(ByteBuffer.wrap(header.encodeSize(plainSize)), header.sizeFieldOffset());
            return;
        }
        Path p = path;
        if (p == null) {
            return; // replaced by a rename: its header went with it
        }
        byte[] current = Xattrs.get(p, EcryptfsFormat.HEADER_XATTR)
                .orElseThrow(() -> new IOException(name + ": header xattr disappeared"));
        byte[] field = header.encodeSize(plainSize);
        System.arraycopy(field, 0, current, header.sizeFieldOffset(), field.length);
        Xattrs.set(p, EcryptfsFormat.HEADER_XATTR, current);
    }

    /**
     * Before growing a file (the format has no holes: every extent up to the new size is written, as the
     * kernel's eCryptfs does), fails fast instead of filling the disk when the extents to write do not
     * fit in the lower free space: EFBIG when the lower filesystem cannot hold a file that large at all
     * (probed by writing its last byte, which ext4 refuses past its maximum file size), else ENOSPC.
     */
    void checkRoom(long oldSize, long newSize) throws IOException {
        long lowerEnd = sizeFor(newSize);
        if (lowerEnd < 0) {
            throw new FileSystemException(name, null, "File too large");
        }
        long needed = lowerEnd - Math.max(channel.size(), sizeFor(oldSize));
        if (needed <= 64L * extentSize) {
            return; // small growth: the writes themselves report any error
        }
        long free = freeSpace();
        if (needed <= free) {
            return;
        }
        // too big for the free space; too big for the lower filesystem at all (EFBIG) is the better answer
        long before = channel.size();
        try {
            channel.write(ByteBuffer.allocate(1), lowerEnd - 1);
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("File too large")) {
                throw e;
            }
        } finally {
            channel.truncate(before);
        }
        throw new FileSystemException(name, null, "No space left on device: growing to " + newSize
                + " bytes needs " + needed + " lower bytes, " + free + " are free");
    }

    /** The lower filesystem's free bytes, or Long.MAX_VALUE when the file has no lower path any more. */
    private long freeSpace() throws IOException {
        Path where = path;
        if (where == null) {
            return Long.MAX_VALUE; // unlinked while open: the writes themselves report ENOSPC
        }
        try {
            return Files.getFileStore(where).getUsableSpace();
        } catch (java.nio.file.NoSuchFileException e) {
            return Long.MAX_VALUE; // gone behind our back: as above
        }
    }

    /** The lower file's length now, in bytes. */
    long length() throws IOException {
        return channel.size();
    }

    /** Cuts the lower file to what a file of {@code plainSize} bytes needs. */
    void truncate(long plainSize) throws IOException {
        channel.truncate(sizeFor(plainSize));
    }

    /** {@link DescriptorTimes#set} on this file's channel; false when it cannot (set them by path). */
    boolean setTimes(java.nio.file.attribute.FileTime atime, java.nio.file.attribute.FileTime mtime) throws IOException {
        return DescriptorTimes.available(channel) && DescriptorTimes.set(channel, atime, mtime, name);
    }

    void force(boolean metadata) throws IOException {
        channel.force(metadata);
    }

    void close() throws IOException {
        channel.close();
    }

    void writeFully(ByteBuffer b, long pos) throws IOException {
        long p = pos;
        while (b.hasRemaining()) {
            p += channel.write(b, p);
        }
    }

    /** Wipes the file key: no extent can be encrypted or decrypted after this. */
    void destroyKey() throws javax.security.auth.DestroyFailedException {
        header.destroy();
    }

    /** A cleared staging buffer of one ciphertext extent; give it back to {@link #CIPHERTEXT}. */
    private ByteBuffer cipherBuffer() {
        ByteBuffer b = CIPHERTEXT.take();
        if (b.capacity() < cryptor.ciphertextExtentSize()) {
            b = ByteBuffer.allocate(cryptor.ciphertextExtentSize());
        }
        b.clear().limit(cryptor.ciphertextExtentSize());
        return b;
    }
}
