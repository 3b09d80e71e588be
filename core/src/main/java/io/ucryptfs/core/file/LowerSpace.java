package io.ucryptfs.core.file;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether the lower filesystem surely has room for a write answered before it is made
 * ({@link WriteBehind}). Near a full disk such a write is made at once instead, so that the write
 * that does not fit is the one that fails, and no write acknowledged to the writer is lost (before,
 * {@code dd} to a full disk counted the last two megabytes as written that were not).
 *
 * <p>Cheap per write: one statfs grants half of the free space above {@link #RESERVE}, which writes
 * behind then draw from without asking again; the next statfs comes when the grant is spent, so near
 * a full disk it is asked at every write, and on a disk with gigabytes free once in gigabytes.
 *
 * <p>Why the grant and the reserve are enough: what statfs does not see yet is at most
 * {@link WriteBehind#BUDGET} bytes in flight, and what may go behind until the next statfs is at most
 * half of what is free above the reserve; the reserve, twice the budget, covers the first with room
 * for the lower filesystem's own metadata. Another process filling the same disk at the same time is
 * not covered: a background write that fails then is reported by the file's next call, as before.
 */
public final class LowerSpace {
    /** Writes behind stop this far from a full lower filesystem. */
    static final long RESERVE = 2L * WriteBehind.BUDGET;

    /** For lower filesystems that cannot say (every write may go behind). */
    public static final LowerSpace UNKNOWN = new LowerSpace(null);

    private final FileStore store;
    /** Bytes that may still go behind before the next statfs. */
    private final AtomicLong grant = new AtomicLong();

    private LowerSpace(FileStore store) {
        this.store = store;
    }

    /**
     * The space of the filesystem holding {@code lowerRoot}; {@link #UNKNOWN} when it cannot be found
     * or says nothing of its size (some FUSE and network filesystems answer statfs with zeros: taken
     * at their word, no write would ever go behind).
     */
    public static LowerSpace of(Path lowerRoot) {
        try {
            return of(Files.getFileStore(lowerRoot));
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    static LowerSpace of(FileStore store) throws IOException {
        return store.getTotalSpace() > 0 ? new LowerSpace(store) : UNKNOWN;
    }

    /** True if {@code n} more bytes surely fit behind the answer; false means: make the write at once. */
    boolean roomFor(int n) {
        if (store == null || grant.addAndGet(-n) >= 0) {
            return true;
        }
        long free;
        try {
            free = store.getUsableSpace();
        } catch (IOException | RuntimeException e) {
            grant.set(0);
            return false; // cannot tell: the write made at once reports its own error
        }
        // writers racing here may each statfs and set the grant, dropping the others' few draws from it:
        // at most a write each, which the reserve's room for metadata covers
        long g = (free - RESERVE) / 2;
        if (g < n) {
            grant.set(0);
            return false;
        }
        grant.set(g - n);
        return true;
    }
}
