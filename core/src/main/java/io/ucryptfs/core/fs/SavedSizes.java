package io.ucryptfs.core.fs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plaintext sizes a mount knew, kept in a file from one mount to the next ({@link PlaintextSizes}),
 * so that the first walk of a new mount ({@code du}, {@code ls -lR}, an rsync that finds nothing to do)
 * need not read every file's header.
 *
 * <p>Why: an eCryptfs file's plaintext size is in its header, not in its lower size; a cold stat of
 * 5,000 files made 5,000 random reads more than gocryptfs, which computes its sizes: measured right
 * after mounting, 944 ms against gocryptfs's 280 (docs/performance.md, session 11).
 *
 * <p>An entry holds only for the lower file it was taken from, unchanged: same inode number, lower
 * size, mtime and ctime, to the nanosecond. Anything that writes the file (the kernel's eCryptfs,
 * another mount, a restore) changes its ctime, and the ctime cannot be set back from user space; a
 * mismatch means the header is read, as without this file. Not secret: eCryptfs keeps each file's
 * size in clear at the front of its header, so this file tells nothing the lower directory does not.
 * A file that is damaged, cut short or of another version is ignored as a whole (checksum).
 *
 * <p>Layout, little-endian: "UCSZ", version (int), count (int), then per entry ino, lower size, mtime
 * and ctime in nanoseconds since the epoch, plaintext size (five longs), sorted by ino; last, the CRC32C
 * of everything before it (int).
 */
final class SavedSizes {
    private static final Logger log = LoggerFactory.getLogger(SavedSizes.class);
    private static final int MAGIC = 0x5A534355; // "UCSZ" read little-endian
    private static final int VERSION = 1;
    private static final int HEADER = 12;
    private static final int ENTRY = 5 * Long.BYTES;
    /** The most entries a file keeps: 4 MiB on disk and on the heap (the in-memory cache holds 100,000). */
    static final int MAX_ENTRIES = 100_000;

    /** No sizes saved. */
    static final SavedSizes NONE = new SavedSizes(new long[0]);

    /** The entries, {@link #ENTRY} longs each, sorted by ino. */
    private final long[] table;

    private SavedSizes(long[] table) {
        this.table = table;
    }

    /** One entry: a plaintext size and the lower file's state it was taken in. */
    record Entry(long ino, long lowerSize, long mtimeNanos, long ctimeNanos, long plainSize) {
        static Entry of(LowerAttributes.Raw raw, long plainSize) {
            return new Entry(raw.ino(), raw.size(), nanos(raw.mtime()), nanos(raw.ctime()), plainSize);
        }

        boolean matches(LowerAttributes.Raw raw) {
            return raw.ino() == ino && raw.size() == lowerSize && nanos(raw.mtime()) == mtimeNanos
                    && nanos(raw.ctime()) == ctimeNanos;
        }
    }

    int size() {
        return table.length / 5;
    }

    /** The plaintext size saved for this lower file in this state, or -1. */
    long sizeOf(LowerAttributes.Raw raw) {
        int i = indexOf(raw.ino());
        if (i < 0) {
            return -1;
        }
        Entry e = entry(i);
        return e.matches(raw) ? e.plainSize() : -1;
    }

    boolean contains(long ino) {
        return indexOf(ino) >= 0;
    }

    Entry entry(int i) {
        int at = i * 5;
        return new Entry(table[at], table[at + 1], table[at + 2], table[at + 3], table[at + 4]);
    }

    private int indexOf(long ino) {
        int lo = 0;
        int hi = size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long v = table[mid * 5];
            if (v < ino) {
                lo = mid + 1;
            } else if (v > ino) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /**
     * The sizes saved in {@code file}; {@link #NONE} when there is none, and when it cannot be used
     * (damaged, another version), which is logged: the mount then reads headers as it would anyway.
     */
    static SavedSizes read(Path file) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(HEADER + MAX_ENTRIES * ENTRY + Integer.BYTES + 1);
        } catch (NoSuchFileException e) {
            return NONE;
        } catch (IOException e) {
            log.warn("saved plaintext sizes not read ({}); headers are read instead", e.toString());
            return NONE;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER + Integer.BYTES || b.getInt(0) != MAGIC || b.getInt(4) != VERSION) {
            log.warn("{}: not a saved-sizes file of this version; ignored", file);
            return NONE;
        }
        int count = b.getInt(8);
        if (count < 0 || count > MAX_ENTRIES || bytes.length != HEADER + count * ENTRY + Integer.BYTES) {
            log.warn("{}: saved sizes cut short or too long; ignored", file);
            return NONE;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - Integer.BYTES);
        if ((int) crc.getValue() != b.getInt(bytes.length - Integer.BYTES)) {
            log.warn("{}: saved sizes damaged (checksum); ignored", file);
            return NONE;
        }
        long[] table = new long[count * 5];
        b.position(HEADER).asLongBuffer().get(table);
        for (int i = 1; i < count; i++) {
            if (table[i * 5] <= table[(i - 1) * 5]) {
                log.warn("{}: saved sizes out of order; ignored", file);
                return NONE;
            }
        }
        return new SavedSizes(table);
    }

    /**
     * Writes {@code entries} (the first {@link #MAX_ENTRIES} of them, the first of each ino) to
     * {@code file}, replacing it at once (a new file moved over it), owner-only.
     */
    static void write(Path file, List<Entry> entries) throws IOException {
        Entry[] sorted = entries.stream().limit(MAX_ENTRIES).toArray(Entry[]::new);
        Arrays.sort(sorted, (x, y) -> Long.compare(x.ino(), y.ino()));
        int count = 0;
        ByteBuffer b = ByteBuffer.allocate(HEADER + sorted.length * ENTRY + Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.position(HEADER);
        for (int i = 0; i < sorted.length; i++) {
            Entry e = sorted[i];
            if (i > 0 && e.ino() == sorted[i - 1].ino()) {
                continue; // two files of one ino (the lower tree spans filesystems): keep the first
            }
            b.putLong(e.ino()).putLong(e.lowerSize()).putLong(e.mtimeNanos()).putLong(e.ctimeNanos()).putLong(e.plainSize());
            count++;
        }
        b.putInt(0, MAGIC).putInt(4, VERSION).putInt(8, count);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        b.flip();
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ownerOnly(tmp);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void ownerOnly(Path p) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX filesystem (jimfs in tests may not be): leave it
        }
    }

    static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }
}
