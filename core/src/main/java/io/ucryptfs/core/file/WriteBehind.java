package io.ucryptfs.core.file;

import io.ucryptfs.core.util.Pool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Large writes answered before they are encrypted: the bytes are copied, the write is acknowledged, and
 * the copy is encrypted and written to the lower file on a background thread, in order, while the
 * writer already sends the next request. Every other operation on the file (read, small write, size,
 * truncate, flush, fsync, close, ...) first waits until the writes before it are done, so what it sees is
 * exactly what a synchronous write would have left.
 *
 * <p>Why: the kernel sends a file's FUSE writes one at a time and waits for each answer (without the
 * writeback cache, which is opt-in here). A 1 MiB write is then a chain: the writer's copy into the
 * request, our read of it, the encryption, our write to the lower file, the answer. Only encryption
 * and the lower write are ours to move, and behind the answer they run while the writer's next copy
 * does (measured in docs/performance.md).
 *
 * <p>Errors: a background write that fails is reported by the file's next write, truncate, flush, fsync
 * or close, as the kernel reports a failed write-back, and the writes queued after it are not made (they
 * would leave a hole of zeros before them). So a full disk stops {@code dd} or {@code cp} at its next
 * write, and {@code close(2)} reports what the last writes could not do. Data is durable, as before, only
 * after fsync, which waits for every write before it.
 *
 * <p>Only writes of at least {@link #MIN_BYTES} go behind; smaller ones (tar's 10 KiB, editors) are made
 * at once, after the ones queued. Memory is bounded: {@link #DEPTH} writes per file, {@link #BUDGET}
 * bytes over the whole mount; past the budget a write is made at once. Copies are wiped after use.
 */
public final class WriteBehind implements FileContent {
    /** The smallest write that goes behind. */
    static final int MIN_BYTES = 64 << 10;
    /** Writes of one file in flight: the one being encrypted and the next, already copied. */
    static final int DEPTH = 2;
    /** Bytes of copies in flight over the whole mount (KiB granularity). */
    static final int BUDGET = 8 << 20;

    private static final Semaphore BUDGET_KIB = new Semaphore(BUDGET >> 10);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService WRITERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ucryptfs-write-behind-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    /** Copies, as large as the largest write seen; no more exist than were in flight at once. */
    private static final Pool<byte[]> COPIES = new Pool<>(() -> new byte[0]);

    private final FileContent file;
    private final LowerSpace space;
    private final Semaphore slots = new Semaphore(DEPTH);
    /** The last queued write; each one runs after the one before. Guarded by {@code this}. */
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    /** The first error of a background write not yet reported. */
    private final AtomicReference<IOException> failed = new AtomicReference<>();

    private WriteBehind(FileContent file, LowerSpace space) {
        this.file = file;
        this.space = space;
    }

    /**
     * {@code file} with large writes made behind the answer while {@code space} has room for them; a
     * read-only file is returned as it is.
     */
    public static FileContent over(FileContent file, LowerSpace space) {
        return file.writable() ? new WriteBehind(file, space) : file;
    }

    @Override
    public int write(ByteBuffer src, long offset) throws IOException {
        int n = src.remaining();
        int kib = (n + 1023) >> 10;
        // a file cut off by a lock must refuse the write itself, not a later call
        if (n < MIN_BYTES || file.revoked() || !space.roomFor(n) || !BUDGET_KIB.tryAcquire(kib)) {
            settle();
            return file.write(src, offset);
        }
        try {
            throwFailure();
        } catch (IOException e) {
            BUDGET_KIB.release(kib);
            throw e;
        }
        slots.acquireUninterruptibly();
        byte[] copy = copyBuffer(n);
        src.get(copy, 0, n);
        Runnable job = () -> {
            try {
                if (failed.get() == null) {
                    file.write(ByteBuffer.wrap(copy, 0, n), offset);
                }
            } catch (IOException e) {
                failed.compareAndSet(null, e);
            } catch (RuntimeException e) {
                failed.compareAndSet(null, new IOException("background write failed: " + e, e));
            } finally {
                Arrays.fill(copy, 0, n, (byte) 0); // no plaintext left in an idle buffer
                COPIES.give(copy);
                BUDGET_KIB.release(kib);
                slots.release();
            }
        };
        synchronized (this) {
            tail = tail.thenRunAsync(job, WRITERS);
        }
        return n;
    }

    private static byte[] copyBuffer(int n) {
        byte[] b = COPIES.take();
        return b.length >= n ? b : new byte[n];
    }

    /** Returns once every write queued before this call is made. */
    private void drain() {
        CompletableFuture<Void> t;
        synchronized (this) {
            t = tail;
        }
        if (!t.isDone()) {
            t.join(); // jobs never complete exceptionally: they keep their error in failed
        }
    }

    /** Waits for the writes queued before this call, then throws the error of one of them, if any. */
    private void settle() throws IOException {
        drain();
        throwFailure();
    }

    /**
     * Throws, once, the error of a background write. The writes queued after the failed one are let
     * run out first: they see the error and are not made, where after the report they would be.
     */
    private void throwFailure() throws IOException {
        if (failed.get() != null) {
            drain();
            IOException e = failed.getAndSet(null);
            if (e != null) {
                throw e;
            }
        }
    }

    @Override
    public long size() {
        drain();
        return file.size();
    }

    @Override
    public boolean writable() {
        return file.writable();
    }

    @Override
    public int read(ByteBuffer dst, long offset) throws IOException {
        drain();
        return file.read(dst, offset);
    }

    @Override
    public long append(ByteBuffer src) throws IOException {
        settle();
        return file.append(src);
    }

    @Override
    public void truncate(long newSize) throws IOException {
        settle();
        file.truncate(newSize);
    }

    @Override
    public void flush() throws IOException {
        settle();
        file.flush();
    }

    @Override
    public boolean flushAndSetTimes(FileTime atime, FileTime mtime) throws IOException {
        settle();
        return file.flushAndSetTimes(atime, mtime);
    }

    @Override
    public boolean modified() {
        drain();
        return file.modified();
    }

    @Override
    public void fsync(boolean metadata) throws IOException {
        settle();
        file.fsync(metadata);
    }

    /** Closes the file in any case; a background write's error not yet reported is thrown after. */
    @Override
    public void close() throws IOException {
        drain();
        IOException e = failed.getAndSet(null);
        try {
            file.close();
        } catch (IOException c) {
            if (e == null) {
                throw c;
            }
            e.addSuppressed(c);
        }
        if (e != null) {
            throw e;
        }
    }

    @Override
    public void revoke() throws IOException {
        drain();
        file.revoke();
        drain(); // a write queued meanwhile fails on the revoked file, and says so at the next call
    }

    @Override
    public boolean revoked() {
        return file.revoked();
    }

    @Override
    public void moved(Path newLowerPath) {
        drain();
        file.moved(newLowerPath);
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
