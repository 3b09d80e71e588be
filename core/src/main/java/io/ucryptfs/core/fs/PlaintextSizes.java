package io.ucryptfs.core.fs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ucryptfs.core.file.Xattrs;
import io.ucryptfs.core.format.FileFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Optional;

/**
 * Plaintext sizes of closed lower files, read from the 16 bytes of size and marker at the front (or
 * from the header xattr) and cached by lower inode until the lower file changes (size or mtime
 * differ). Keyed by inode, not path: a rename keeps the entry, hard links share it, and an entry
 * costs ~150 bytes of heap instead of a long encrypted lower path (a mount that has seen 100,000
 * files kept ~40 MiB of paths here).
 * As the kernel's {@code ecryptfs_read_and_validate_header_region}: a file with no valid header shows
 * its lower size.
 */
final class PlaintextSizes {
    private static final int SIZE_AND_MARKER = 16;

    private record Entry(long lowerSize, FileTime mtime, long plainSize) {}

    private final FileFormat format;
    /** Maintenance on the calling thread: a hand-off to the common pool per write was a thread wake-up per file. */
    private final Cache<Object, Entry> cache = Caffeine.newBuilder().maximumSize(100_000).executor(Runnable::run).build();

    PlaintextSizes(FileFormat format) {
        this.format = format;
    }

    /**
     * @param at the path to read the lower file through ({@link LowerPaths.Reach#at})
     * @param inode its inode ({@link LowerAttributes.Raw#inode}, the cache key)
     */
    long sizeOf(Path at, Object inode, long lowerSize, FileTime mtime) throws IOException {
        Entry e = cache.getIfPresent(inode);
        if (e != null && e.lowerSize() == lowerSize && e.mtime().equals(mtime)) {
            return e.plainSize();
        }
        long plain = read(at, lowerSize);
        cache.put(inode, new Entry(lowerSize, mtime, plain));
        return plain;
    }

    private long read(Path lower, long lowerSize) throws IOException {
        if (lowerSize == 0) {
            return 0;
        }
        byte[] front = new byte[SIZE_AND_MARKER];
        int n = 0;
        try (FileChannel ch = FileChannel.open(lower, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(front);
            while (b.hasRemaining() && ch.read(b, b.position()) >= 0) {
                n = b.position();
            }
            n = b.position();
        }
        if (format.recognizes(front, n)) {
            return ByteBuffer.wrap(front).getLong(0);
        }
        Optional<byte[]> x = Xattrs.get(lower, format.headerXattrName());
        if (x.isPresent() && format.recognizes(x.get(), x.get().length)) {
            return ByteBuffer.wrap(x.get()).getLong(0);
        }
        return lowerSize;
    }

    /** Records a size known to be right for the lower file in this state (after utimens). */
    void remember(Object inode, long lowerSize, FileTime mtime, long plainSize) {
        cache.put(inode, new Entry(lowerSize, mtime, plainSize));
    }

    void invalidate(Object inode) {
        cache.invalidate(inode);
    }
}
