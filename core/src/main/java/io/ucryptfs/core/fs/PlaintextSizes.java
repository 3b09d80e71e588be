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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.LoggerFactory;

/**
 * Plaintext sizes of closed lower files, read from the 16 bytes of size and marker at the front (or
 * from the header xattr) and cached by lower inode until the lower file changes (size or mtime
 * differ). Keyed by inode, not path: a rename keeps the entry, hard links share it, and an entry
 * costs ~150 bytes of heap instead of a long encrypted lower path (a mount that has seen 100,000
 * files kept ~40 MiB of paths here).
 * As the kernel's {@code ecryptfs_read_and_validate_header_region}: a file with no valid header shows
 * its lower size. The sizes known at unmount are kept for the next mount ({@link SavedSizes}).
 */
final class PlaintextSizes {
    private static final int SIZE_AND_MARKER = 16;

    /** A size and the lower file's state it holds for: its inode number and ctime go with it to {@link SavedSizes}. */
    private record Entry(long lowerSize, FileTime mtime, long plainSize, long ino, FileTime ctime) {}

    private final FileFormat format;
    /** Maintenance on the calling thread: a hand-off to the common pool per write was a thread wake-up per file. */
    private final Cache<Object, Entry> cache = Caffeine.newBuilder().maximumSize(100_000).executor(Runnable::run).build();
    /** The sizes the last mount saved, asked after the cache. */
    private final SavedSizes saved;
    /** Where the sizes are saved for the next mount; null: not saved. */
    private final Path savedIn;
    private final LongAdder headerReads = new LongAdder();

    PlaintextSizes(FileFormat format) {
        this(format, SavedSizes.NONE);
    }

    PlaintextSizes(FileFormat format, SavedSizes saved) {
        this(format, saved, null);
    }

    private PlaintextSizes(FileFormat format, SavedSizes saved, Path savedIn) {
        this.format = format;
        this.saved = saved;
        this.savedIn = savedIn;
    }

    /** Sizes starting from those saved in {@code file} by the last mount, and saved there again ({@link #saveForNextMount}); null: none. */
    static PlaintextSizes keptIn(FileFormat format, Path file) {
        return file == null ? new PlaintextSizes(format) : new PlaintextSizes(format, SavedSizes.read(file), file);
    }

    /** At unmount: keeps the sizes known now for the next mount. A cache: a failure costs only header reads then. */
    void saveForNextMount() {
        if (savedIn == null) {
            return;
        }
        try {
            save(savedIn);
        } catch (IOException | RuntimeException e) {
            LoggerFactory.getLogger(PlaintextSizes.class)
                    .warn("plaintext sizes not saved for the next mount ({}); it will read headers instead", e.toString());
        }
    }

    /**
     * The plaintext size of the closed lower file {@code raw} describes: cached, saved by the last
     * mount for the file in this very state, or read from its header.
     *
     * @param at the path to read the lower file through ({@link LowerPaths.Reach#at})
     */
    long sizeOf(Path at, LowerAttributes.Raw raw) throws IOException {
        Entry e = cache.getIfPresent(raw.inode());
        if (e != null && e.lowerSize() == raw.size() && e.mtime().equals(raw.mtime())) {
            return e.plainSize();
        }
        long plain = saved.sizeOf(raw);
        if (plain < 0) {
            plain = read(at, raw.size());
        }
        remember(raw, plain);
        return plain;
    }

    /** Whether the size of the file {@code raw} describes is known without reading its header. */
    boolean known(LowerAttributes.Raw raw) {
        Entry e = cache.getIfPresent(raw.inode());
        return e != null && e.lowerSize() == raw.size() && e.mtime().equals(raw.mtime()) || saved.sizeOf(raw) >= 0;
    }

    private long read(Path lower, long lowerSize) throws IOException {
        if (lowerSize == 0) {
            return 0;
        }
        headerReads.increment();
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

    /** Records a size known to be right for the lower file in the state {@code raw} describes (after a close, an utimens). */
    void remember(LowerAttributes.Raw raw, long plainSize) {
        cache.put(raw.inode(), new Entry(raw.size(), raw.mtime(), plainSize, raw.ino(), raw.ctime()));
    }

    void invalidate(Object inode) {
        cache.invalidate(inode);
    }

    /** Headers read for a size so far (tests). */
    long headerReads() {
        return headerReads.sum();
    }

    /**
     * Saves the sizes known now for the next mount ({@link SavedSizes}): the cached ones, then those
     * the last mount saved that this one did not see (a mount that visited part of the tree must not
     * forget the rest), up to {@link SavedSizes#MAX_ENTRIES}.
     */
    void save(Path file) throws IOException {
        List<SavedSizes.Entry> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (Entry e : cache.asMap().values()) {
            if (seen.add(e.ino())) {
                out.add(new SavedSizes.Entry(e.ino(), e.lowerSize(), SavedSizes.nanos(e.mtime()),
                        SavedSizes.nanos(e.ctime()), e.plainSize()));
            }
        }
        for (int i = 0; i < saved.size() && out.size() < SavedSizes.MAX_ENTRIES; i++) {
            SavedSizes.Entry e = saved.entry(i);
            if (!seen.contains(e.ino())) {
                out.add(e);
            }
        }
        SavedSizes.write(file, out);
    }
}
