package io.ucryptfs.core.file;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts writing a file's data to the lower disk while the file is still being written: after every
 * {@link #STRIDE} bytes of lower writes, one background {@code fdatasync} of the lower file.
 *
 * <p>Why: Linux starts writing dirty pages back only when they make up a tenth of memory or are 30
 * seconds old, so a 1 GiB copy followed by fsync (cp, editors, package managers, {@code dd
 * conv=fsync}) leaves the disk idle while we encrypt and then waits about a second for all of it at the
 * end (measured here: 1.7 s to write 1 GiB through the mount, then 0.9 s of fsync). Written back as it
 * comes, the disk works while we encrypt and the final fsync has only the tail left. Databases do the
 * same for their checkpoints (PostgreSQL's {@code *_flush_after}). Files smaller than the stride (most
 * files, temporary ones included) are never written back early.
 *
 * <p>An error of a background fdatasync is reported by the file's next flush or fsync ({@link
 * #throwError}): the kernel reports a write-back error once per open file, so the background call would
 * otherwise have taken it from the user's own fsync.
 */
final class EarlyWriteback {
    /** Lower bytes written between two background syncs of one file. */
    static final long STRIDE = 32L << 20;

    /** One thread for every file: a sync mostly waits for the disk, and one at a time keeps it streaming. */
    private static final ExecutorService SYNCER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ucryptfs-early-writeback");
        t.setDaemon(true);
        return t;
    });

    /** What makes the lower file's data durable: its {@code fdatasync}. */
    interface Sync {
        void run() throws IOException;
    }

    private final String name;
    private final Sync lowerSync;
    /** Lower bytes written since the last background sync was started; under the file's write lock. */
    private long written;
    /** At most one background sync of this file at a time. */
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile IOException error;

    /** @param name the plaintext name, for messages */
    EarlyWriteback(String name, Sync lowerSync) {
        this.name = name;
        this.lowerSync = lowerSync;
    }

    /** {@code bytes} more were written to the lower file; called under the file's write lock. */
    void wrote(long bytes) {
        written += bytes;
        if (written >= STRIDE && running.compareAndSet(false, true)) {
            written = 0;
            SYNCER.execute(this::sync);
        }
    }

    private void sync() {
        try {
            lowerSync.run();
        } catch (ClosedChannelException e) {
            // closed meanwhile: close had flushed what it had, and nothing is left to report it to
        } catch (IOException e) {
            error = e;
        } finally {
            running.set(false);
        }
    }

    /** Throws, once, the error of a background sync since the last call. */
    void throwError() throws IOException {
        IOException e = error;
        if (e != null) {
            error = null;
            throw new IOException(name + ": writing back to the lower file failed: " + e.getMessage(), e);
        }
    }
}
