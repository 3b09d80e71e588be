package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.FileAttributes;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads ahead the lower directories of the subdirectories a listing shows ({@link CryptFileSystem#readAhead}),
 * on background threads, while the kernel is still busy with the listing: a walk ({@code find},
 * {@code tar c}, {@code rsync}, {@code du}, {@code rm -rf}) lists them next, and finds their blocks cached.
 *
 * <p>Why: a cold walk lists directory after directory, and each listing waited for the lower
 * directory's blocks, which ext4 reads one after the other; an eCryptfs directory of 50 files is an
 * index and two leaf blocks where gocryptfs's is one, its names being 84 characters and more. Read
 * ahead, those reads overlap the walk's other work (a cold {@code find | xargs stat} of 5,000 files:
 * docs/performance.md, session 8).
 *
 * <p>Only while it pays: once read-aheads find their directories cached, most hints are dropped
 * ({@link ReadAheadBackOff}). Bounded: the first {@link #PER_LISTING} subdirectories of a listing page,
 * {@link #QUEUE} waiting (past that, hints are dropped), {@link #THREADS_MAX} threads.
 *
 * <p>Several threads, because the disk takes several requests at once and a walk's next directories
 * are known together: a listing of 10 subdirectories hands out 10 hints at once. With one thread the
 * walk caught up with it at the first subdirectory and then waited for the same reads it would have
 * made itself (session 8: no gain in fsbench's stat step); here a virtio disk did 26.7k 4 KiB reads
 * a second for one reader and 55.7k for four.
 */
final class DirectoryReadAhead {
    static final int PER_LISTING = 32;
    static final int QUEUE = 64;
    /** Read-aheads at once; they wait for the disk, not for a core. */
    static final int THREADS_MAX = 4;

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final CryptFileSystem fs;
    private final ReadAheadBackOff backOff;
    private final ThreadPoolExecutor threads = new ThreadPoolExecutor(THREADS_MAX, THREADS_MAX, 30, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(r, "ucryptfs-read-ahead-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());

    DirectoryReadAhead(CryptFileSystem fs) {
        this(fs, new ReadAheadBackOff());
    }

    DirectoryReadAhead(CryptFileSystem fs, ReadAheadBackOff backOff) {
        this.fs = fs;
        this.backOff = backOff;
        threads.allowCoreThreadTimeOut(true);
    }

    /** Reads ahead the directories among {@code paths} (their attributes in {@code attrs}; nulls skipped). */
    void subdirectories(String[] paths, FileAttributes[] attrs) {
        int hinted = 0;
        for (int i = 0; i < paths.length && hinted < PER_LISTING; i++) {
            if (paths[i] != null && attrs[i] != null && attrs[i].isDirectory()) {
                hinted++;
                if (backOff.skip()) {
                    continue;
                }
                String dir = paths[i];
                threads.execute(() -> backOff.measure(() -> fs.readAhead(dir)));
            }
        }
    }

    /** Whether the last read-aheads found their directories cached ({@link ReadAheadBackOff#warm}). */
    boolean warm() {
        return backOff.warm();
    }

    /** Waits until every hint given so far is done or dropped (tests). */
    void awaitIdle() throws InterruptedException {
        while (threads.getCompletedTaskCount() < threads.getTaskCount()) {
            Thread.sleep(5);
        }
    }
}
