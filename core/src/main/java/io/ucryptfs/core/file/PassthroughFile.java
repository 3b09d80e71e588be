package io.ucryptfs.core.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * A lower file that is not encrypted, read and written as it is: the kernel's
 * {@code ecryptfs_passthrough} for files without an eCryptfs header, when the mount asks for it.
 */
public final class PassthroughFile implements FileContent {
    private final FileChannel channel;
    private final boolean writable;
    /** No key to wipe: a lock of open files just cuts the handles off. */
    private volatile boolean revoked;

    public PassthroughFile(FileChannel channel, boolean writable) {
        this.channel = channel;
        this.writable = writable;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public long size() {
        try {
            return channel.size();
        } catch (IOException e) {
            return 0;
        }
    }

    private void ensureNotRevoked() throws IOException {
        if (revoked) {
            throw EncryptedFile.cutOff("lower file");
        }
    }

    @Override
    public void revoke() throws IOException {
        channel.force(false);
        revoked = true;
    }

    @Override
    public boolean revoked() {
        return revoked;
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws IOException {
        ensureNotRevoked();
        int total = 0;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, offset + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws IOException {
        ensureNotRevoked();
        int total = 0;
        while (src.hasRemaining()) {
            total += channel.write(src, offset + total);
        }
        return total;
    }

    @Override
    public synchronized long append(ByteBuffer src) throws IOException {
        ensureNotRevoked();
        long at = channel.size();
        write(src, at);
        return at;
    }

    @Override
    public void truncate(long newSize) throws IOException {
        ensureNotRevoked();
        long cur = channel.size();
        if (newSize < cur) {
            channel.truncate(newSize);
        } else if (newSize > cur) {
            channel.write(ByteBuffer.allocate(1), newSize - 1);
        }
    }

    /** Always: its size is its lower size, read with its attributes, so nothing is kept about it anyway. */
    @Override
    public boolean modified() {
        return true;
    }

    @Override
    public boolean flushAndSetTimes(java.nio.file.attribute.FileTime atime, java.nio.file.attribute.FileTime mtime)
            throws IOException {
        ensureNotRevoked(); // nothing cached to flush: writes go straight to the lower file
        return DescriptorTimes.available(channel) && DescriptorTimes.set(channel, atime, mtime, "lower file");
    }

    @Override
    public void flush() throws IOException {
        ensureNotRevoked();
    }

    @Override
    public void fsync(boolean metadata) throws IOException {
        ensureNotRevoked();
        channel.force(metadata);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public void moved(Path newLowerPath) {}
}
