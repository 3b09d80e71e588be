package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FsException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The attributes of a listing's names (READDIRPLUS), read on several threads.
 *
 * <p>Why: each name of a listing costs a lower lstat and, for a file whose plaintext size we have not
 * seen yet, a read of its header, which eCryptfs keeps in the file's first bytes. On a cold cache each
 * is a disk request, and one thread makes them one after the other while the disk could take several at
 * once: {@code ls -l} or {@code find | xargs stat} on a freshly mounted directory waited for every
 * header in turn. A listing's page (about 25 names) is split into parts read at once, one on the
 * calling thread; a short listing stays on it.
 */
final class ListingAttributes {
    /** Listings shorter than this are read on the calling thread: a hand-off costs more than it saves. */
    static final int PARALLEL_MIN = 8;
    /** Threads that read besides the caller; they mostly wait for the disk. */
    static final int HELPERS = 3;

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(HELPERS, r -> {
        Thread t = new Thread(r, "ucryptfs-listing-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /** Reads the attributes of entry {@code i}, or null to leave it without. */
    interface Read {
        FileAttributes apply(int i) throws FsException;
    }

    private ListingAttributes() {
    }

    /** The attributes of entries {@code 0..n-1}; null for an entry whose read failed or gave none. */
    static FileAttributes[] read(int n, Read read) {
        FileAttributes[] out = new FileAttributes[n];
        int parts = n < PARALLEL_MIN ? 1 : Math.min(HELPERS + 1, n / (PARALLEL_MIN / 2));
        CompletableFuture<?>[] helpers = new CompletableFuture<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int part = p;
            helpers[p - 1] = CompletableFuture.runAsync(() -> readPart(part, parts, n, read, out), POOL);
        }
        readPart(0, parts, n, read, out);
        CompletableFuture.allOf(helpers).join(); // parts never fail: a failed entry is left null
        return out;
    }

    /** Entries part, part + parts, ...: interleaved, so that every part has names from the whole page. */
    private static void readPart(int part, int parts, int n, Read read, FileAttributes[] out) {
        for (int i = part; i < n; i += parts) {
            try {
                out[i] = read.apply(i);
            } catch (FsException | RuntimeException e) {
                out[i] = null; // gone meanwhile, or unreadable: the kernel gets the name alone
            }
        }
    }
}
