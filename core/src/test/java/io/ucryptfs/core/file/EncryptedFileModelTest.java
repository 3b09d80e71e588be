package io.ucryptfs.core.file;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.ucryptfs.core.format.UnlockedHeader;
import io.ucryptfs.core.format.ecryptfs.EcryptfsFormat;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-based random test of {@link EncryptedFile}: random writes, truncates, reads, flushes, fsyncs and
 * close-and-reopens at random offsets and lengths (0, 1, 4095, 4096, 4097, small, multi-MiB), on several
 * files from several threads and on one file shared by threads, against an in-memory model (a growable
 * byte array per file, zeros on growth). At the end every file is closed and opened fresh from disk (new
 * channel, new header parse, new cache) and compared whole with its model, and the lower size checked.
 *
 * <p>Seed: {@code -Ducryptfs.seed=N} (default fixed). Thread {@code t} draws its ops from
 * {@code new Random(seed + t)}; a failure message names the seed, the thread, the op number and the
 * last ops. Single-threaded runs replay exactly; with a shared file the interleaving is not replayed.
 */
class EncryptedFileModelTest {

    static final long SEED = Long.getLong("ucryptfs.seed", 0x5EED_2025L);
    static final int EXTENT = 4096;
    static final int HEADER = 8192;
    /** Files are kept below this (so the model stays small); a long op is clamped to fit. */
    static final int MAX_FILE = 12 << 20;
    static final int[] EDGE_LENGTHS = {0, 1, 4095, 4096, 4097};

    static PassphraseKey key;
    static EcryptfsFormat format;

    @TempDir
    Path disk;

    @BeforeAll
    static void key() {
        key = PassphraseKey.derive("model-test".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        format = new EcryptfsFormat(KeyRing.of(key), 16, false, false, new SecureRandom());
    }

    @AfterAll
    static void wipe() {
        key.destroy();
    }

    // ---- the model and one file under test ----

    /** A growable byte array: the plaintext the file must hold. */
    static final class Model {
        byte[] data = new byte[0];
        int size;

        void ensure(int n) {
            if (n > data.length) {
                data = Arrays.copyOf(data, Math.max(n, Math.min(MAX_FILE + (4 << 20), data.length * 2)));
            }
        }

        void write(byte[] src, int off, int len, int at) {
            if (len == 0) {
                return; // as pwrite(2): writing nothing past the end does not grow the file
            }
            ensure(at + len);
            // growth: zeros between the old end and at (the array may hold stale bytes past size)
            if (at > size) {
                Arrays.fill(data, size, at, (byte) 0);
            }
            System.arraycopy(src, off, data, at, len);
            size = Math.max(size, at + len);
        }

        void truncate(int n) {
            ensure(n);
            if (n > size) {
                Arrays.fill(data, size, n, (byte) 0);
            }
            size = n;
        }
    }

    /** One lower file, its open EncryptedFile and its model; the lock serialises op + model update. */
    static final class Target {
        final String name;
        final Path path;
        final ExtentCache cache;
        final Model model = new Model();
        final ReentrantLock lock = new ReentrantLock();
        EncryptedFile file;

        Target(String name, Path path, ExtentCache cache) throws Exception {
            this.name = name;
            this.path = path;
            this.cache = cache;
            this.file = create(path, cache, name);
        }

        void reopen() throws Exception {
            file.close();
            file = open(path, cache, name);
        }
    }

    static EncryptedFile create(Path path, ExtentCache cache, String name) throws IOException {
        UnlockedHeader h = format.create();
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        ch.write(ByteBuffer.wrap(h.encode(0)), 0);
        return new EncryptedFile(ch, h, cache, path, name, true);
    }

    static EncryptedFile open(Path path, ExtentCache cache, String name) throws Exception {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        ByteBuffer b = ByteBuffer.allocate(format.headerReadSize());
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
            // fill
        }
        UnlockedHeader h = format.open(b.array(), b.position(), false);
        EncryptedFile f = new EncryptedFile(ch, h, cache, path, name, true);
        f.checkComplete();
        return f;
    }

    // ---- random ops ----

    /** Per-thread state: its random source, the last ops (for the failure message), a scratch buffer. */
    static final class Worker {
        final int id;
        final Random rnd;
        final ArrayDeque<String> recent = new ArrayDeque<>();
        byte[] scratch = new byte[64 << 10];
        int opNo;

        Worker(int id) {
            this.id = id;
            this.rnd = new Random(SEED + id);
        }

        void note(String op) {
            if (recent.size() == 12) {
                recent.removeFirst();
            }
            recent.addLast(op);
        }

        byte[] scratch(int n) {
            if (scratch.length < n) {
                scratch = new byte[n];
            }
            return scratch;
        }
    }

    static int length(Random r) {
        int p = r.nextInt(100);
        if (p < 30) {
            return EDGE_LENGTHS[r.nextInt(EDGE_LENGTHS.length)];
        }
        if (p < 85) {
            return 1 + r.nextInt(20_000);
        }
        if (p < 98) {
            return 1 + r.nextInt(256 << 10);
        }
        return (1 << 20) + r.nextInt(2 << 20); // 1..3 MiB
    }

    static int offset(Random r, int size) {
        int p = r.nextInt(100);
        if (p < 10) {
            return 0;
        }
        if (p < 55) {
            return size == 0 ? 0 : r.nextInt(size + 1);
        }
        if (p < 80) {
            // on or next to an extent boundary at or below the end (and just past it)
            int k = r.nextInt(size / EXTENT + 2);
            return Math.max(0, k * EXTENT + r.nextInt(3) - 1);
        }
        if (p < 90) {
            return size; // append
        }
        if (p < 97) {
            return size + 1 + r.nextInt(64 << 10); // small gap past the end
        }
        return size + r.nextInt(3 << 20); // up to 3 MiB past the end
    }

    static void step(Worker w, Target t, String where) throws Exception {
        Random r = w.rnd;
        int p = r.nextInt(1000);
        Model m = t.model;
        EncryptedFile f = t.file;
        if (p < 420) { // write
            int len = length(r);
            int off = offset(r, m.size);
            if (off + len > MAX_FILE) {
                off = Math.max(0, MAX_FILE - len - r.nextInt(EXTENT));
                len = Math.min(len, MAX_FILE - off);
            }
            int pad = r.nextInt(4) == 0 ? r.nextInt(7) : 0;
            byte[] src = len + pad <= w.scratch.length ? w.scratch(len + pad) : new byte[len + pad];
            fill(r, src, pad, len);
            w.note(where + " write off=" + off + " len=" + len + " (size " + m.size + ")");
            int n = f.write(ByteBuffer.wrap(src, pad, len), off);
            assertEquals(len, n, "write count");
            m.write(src, pad, len, off);
            assertEquals(m.size, f.size(), "size after write");
        } else if (p < 800) { // read
            int len = length(r);
            int off = r.nextInt(10) == 0 ? m.size + r.nextInt(3) * r.nextInt(EXTENT * 3) : offset(r, m.size);
            w.note(where + " read off=" + off + " len=" + len + " (size " + m.size + ")");
            int pad = r.nextInt(4) == 0 ? r.nextInt(7) : 0;
            ByteBuffer dst = ByteBuffer.allocate(len + pad + 3);
            dst.position(pad).limit(pad + len);
            int n = f.read(dst, off);
            int want = (int) Math.max(0, Math.min(len, (long) m.size - off));
            assertEquals(want, n, "read count");
            assertEquals(pad + n, dst.position(), "buffer position after read");
            int mismatch = n == 0 ? -1 : Arrays.mismatch(dst.array(), pad, pad + n, m.data, off, off + n);
            if (mismatch >= 0) {
                int bad = off + mismatch;
                int exStart = bad / EXTENT * EXTENT;
                int from = Math.max(off, exStart), to = Math.min(off + n, exStart + EXTENT);
                int differing = 0, modelZero = 0, gotZero = 0;
                for (int i = from; i < to; i++) {
                    byte g = dst.array()[pad + i - off];
                    differing += g != m.data[i] ? 1 : 0;
                    modelZero += m.data[i] == 0 ? 1 : 0;
                    gotZero += g == 0 ? 1 : 0;
                }
                throw new AssertionError("read content differs at file offset " + bad + " (extent "
                        + bad / EXTENT + "): got " + dst.array()[pad + mismatch] + ", model " + m.data[bad]
                        + "; in the extent's compared range [" + from + "," + to + "): " + differing + " differ, model zero "
                        + modelZero + ", got zero " + gotZero + "; lower size " + Files.size(t.path));
            }
        } else if (p < 900) { // truncate
            int q = r.nextInt(10);
            int ns;
            if (q < 4) {
                ns = m.size == 0 ? 0 : r.nextInt(m.size + 1);
            } else if (q < 7) {
                ns = m.size + r.nextInt(q == 6 ? (2 << 20) : (64 << 10));
            } else if (q < 9) {
                ns = Math.max(0, (m.size / EXTENT + r.nextInt(3) - 1) * EXTENT + r.nextInt(3) - 1);
            } else {
                ns = 0;
            }
            ns = Math.min(ns, MAX_FILE);
            w.note(where + " truncate " + ns + " (size " + m.size + ")");
            f.truncate(ns);
            m.truncate(ns);
            assertEquals(m.size, f.size(), "size after truncate");
        } else if (p < 950) {
            w.note(where + " flush");
            f.flush();
        } else if (p < 965) {
            w.note(where + " fsync");
            f.fsync(r.nextBoolean());
        } else if (p < 985) {
            w.note(where + " reopen (size " + m.size + ")");
            t.reopen();
            assertEquals(m.size, t.file.size(), "size after reopen");
        } else {
            w.note(where + " size");
            assertEquals(m.size, f.size(), "size");
        }
    }

    static void fill(Random r, byte[] b, int off, int len) {
        // cheap non-zero pattern with random start, so zero-vs-data mix-ups show
        int x = r.nextInt() | 1;
        for (int i = off; i < off + len; i++) {
            x = x * 1103515245 + 12345;
            b[i] = (byte) ((x >>> 24) | 1);
        }
    }

    /** Runs {@code ops} ops for worker {@code w}: on its own target (if any) or on a shared one. */
    static void run(Worker w, Target own, List<Target> shared, int ops, int sharedPercent, AtomicBoolean stop) {
        for (w.opNo = 0; w.opNo < ops && !stop.get(); w.opNo++) {
            Target t = own == null || (!shared.isEmpty() && w.rnd.nextInt(100) < sharedPercent)
                    ? shared.get(w.rnd.nextInt(shared.size()))
                    : own;
            t.lock.lock();
            try {
                step(w, t, t.name);
            } catch (Throwable e) {
                stop.set(true);
                throw new AssertionError("seed=" + SEED + " (-Ducryptfs.seed=" + SEED + ") thread " + w.id
                        + " op #" + w.opNo + " on " + t.name + ": " + e + "\n  last ops of this thread:\n    "
                        + String.join("\n    ", w.recent), e);
            } finally {
                t.lock.unlock();
            }
        }
    }

    /** Closes every target, opens each fresh (new channel, header parse, cache) and compares it whole. */
    static void verifyFresh(List<Target> targets) throws Exception {
        for (Target t : targets) {
            t.file.close();
        }
        ExtentCache fresh = new ExtentCache(1 << 20, EXTENT);
        for (Target t : targets) {
            Model m = t.model;
            String ctx = "seed=" + SEED + " fresh open of " + t.name;
            assertEquals(HEADER + (m.size + EXTENT - 1L) / EXTENT * EXTENT, Files.size(t.path), ctx + ": lower size for " + m.size + " bytes");
            EncryptedFile f = open(t.path, fresh, t.name);
            try {
                assertEquals(m.size, f.size(), ctx + ": size");
                ByteBuffer all = ByteBuffer.allocate(m.size + 1);
                assertEquals(m.size, f.read(all, 0), ctx + ": read count");
                int mismatch = Arrays.mismatch(all.array(), 0, m.size, m.data, 0, m.size);
                assertEquals(-1, mismatch, ctx + ": content differs at offset " + mismatch);
                assertEquals(0, f.read(ByteBuffer.allocate(10), m.size), ctx + ": read at EOF");
            } finally {
                f.close();
            }
        }
    }

    /**
     * {@code ownThreads} threads each on its own file (and now and then on the shared one), plus
     * {@code sharedThreads} threads on the shared file only; {@code opsPerThread} ops each.
     */
    static int scenario(Path dir, long cacheBytes, int ownThreads, int sharedThreads, int opsPerThread) throws Exception {
        ExtentCache cache = new ExtentCache(cacheBytes, EXTENT);
        List<Target> own = new ArrayList<>();
        for (int i = 0; i < ownThreads; i++) {
            own.add(new Target("own" + i, dir.resolve("own" + i), cache));
        }
        List<Target> shared = new ArrayList<>();
        if (sharedThreads > 0) {
            shared.add(new Target("shared", dir.resolve("shared"), cache));
        }
        int threads = ownThreads + sharedThreads;
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Worker w = new Worker(i);
                Target mine = i < ownThreads ? own.get(i) : null;
                futures.add(pool.submit(() -> run(w, mine, shared, opsPerThread, 15, stop)));
            }
            for (Future<?> fu : futures) {
                try {
                    fu.get(120, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw (Error) e.getCause();
                }
            }
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        List<Target> all = new ArrayList<>(own);
        all.addAll(shared);
        verifyFresh(all);
        return threads * opsPerThread;
    }

    // ---- the runs ----

    /** The main run: 20,400 ops, small cache (eviction and write-back all the time), real disk. */
    @Test
    @Timeout(180)
    void manyThreadsSmallCacheOnDisk() throws Exception {
        int ops = scenario(disk, 128 << 10, 4, 2, 3400);
        assertEquals(20_400, ops);
    }

    /** One thread on three files: replays exactly from the seed. In memory (jimfs). */
    @Test
    @Timeout(120)
    void singleThreadReplayableOnJimfs() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path dir = fs.getPath("/lower");
            Files.createDirectories(dir);
            ExtentCache cache = new ExtentCache(64 << 10, EXTENT);
            List<Target> targets = List.of(new Target("a", dir.resolve("a"), cache), new Target("b", dir.resolve("b"), cache),
                    new Target("c", dir.resolve("c"), cache));
            Worker w = new Worker(100);
            AtomicBoolean stop = new AtomicBoolean();
            for (int i = 0; i < 4000; i++) {
                w.opNo = i;
                Target t = targets.get(w.rnd.nextInt(targets.size()));
                try {
                    step(w, t, t.name);
                } catch (Throwable e) {
                    throw new AssertionError("seed=" + SEED + " single thread op #" + i + " on " + t.name + ": " + e
                            + "\n  last ops:\n    " + String.join("\n    ", w.recent), e);
                }
            }
            verifyFresh(targets);
        }
    }

    /** A big cache (nothing evicted until close): the flush and close paths carry every write. */
    @Test
    @Timeout(120)
    void bigCacheOnDisk() throws Exception {
        scenario(disk, 64L << 20, 2, 2, 1500);
    }

    /**
     * Many readers on one file while one writer changes bytes the readers never read (some in the same
     * extents as theirs) and grows and shrinks the file past them; a small cache so the readers' pinning
     * evicts the writer's dirty extents. Readers must always see the original bytes.
     */
    @Test
    @Timeout(120)
    void concurrentReadersWhileOneWriterWritesElsewhere() throws Exception {
        ExtentCache cache = new ExtentCache(96 << 10, EXTENT);
        Path path = disk.resolve("readers");
        EncryptedFile f = create(path, cache, "readers");
        Random seedRnd = new Random(SEED);
        int readerEnd = (2 << 20) + 100; // readers read [0, readerEnd); extent 512 is shared with the writer
        byte[] base = new byte[readerEnd];
        fill(seedRnd, base, 0, base.length);
        f.write(ByteBuffer.wrap(base), 0);
        f.flush();
        Model writerModel = new Model();
        writerModel.write(base, 0, base.length, 0);

        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Random r = new Random(SEED + 1000 + i);
                readers.add(pool.submit(() -> {
                    int reads = 0;
                    while (!stop.get() || reads < 500) {
                        int len = r.nextInt(5) == 0 ? EDGE_LENGTHS[r.nextInt(5)] : 1 + r.nextInt(r.nextBoolean() ? 9000 : 200_000);
                        int off = r.nextInt(readerEnd);
                        len = Math.min(len, readerEnd - off);
                        ByteBuffer dst = ByteBuffer.allocate(len);
                        int n = f.read(dst, off);
                        int mm = Arrays.mismatch(dst.array(), 0, n, base, off, off + n);
                        if (n != len || mm >= 0) {
                            stop.set(true);
                            throw new AssertionError("seed=" + SEED + " reader saw wrong data: read " + n + " of " + len
                                    + " at " + off + ", first difference at file offset " + (off + mm) + " (extent "
                                    + (off + mm) / EXTENT + ", byte " + (off + mm) % EXTENT + " in it): got "
                                    + dst.array()[Math.max(0, mm)] + ", want " + base[off + Math.max(0, mm)]
                                    + "; rest of that extent in the read zero: "
                                    + allZero(dst.array(), mm, Math.min(n, mm + EXTENT - (off + mm) % EXTENT)));
                        }
                        reads++;
                    }
                    return reads;
                }));
            }
            Future<?> writer = pool.submit(() -> {
                Random r = new Random(SEED + 2000);
                try {
                    for (int i = 0; i < 3000 && !stop.get(); i++) {
                        int p = r.nextInt(100);
                        if (p < 70) {
                            int len = r.nextInt(10) == 0 ? 1 + r.nextInt(512 << 10) : 1 + r.nextInt(10_000);
                            int off = readerEnd + r.nextInt(Math.max(1, writerModel.size - readerEnd + 20_000));
                            byte[] b = new byte[len];
                            fill(r, b, 0, len);
                            f.write(ByteBuffer.wrap(b), off);
                            writerModel.write(b, 0, len, off);
                        } else if (p < 85) {
                            int ns = readerEnd + r.nextInt(3 << 20);
                            f.truncate(ns);
                            writerModel.truncate(ns);
                        } else {
                            f.flush();
                        }
                    }
                } finally {
                    stop.set(true);
                }
                return null;
            });
            writer.get(100, TimeUnit.SECONDS);
            for (Future<?> fu : readers) {
                fu.get(100, TimeUnit.SECONDS);
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e.getCause().toString(), e.getCause());
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        verifyOne(path, f, writerModel);
    }

    static boolean allZero(byte[] b, int from, int to) {
        for (int i = Math.max(0, from); i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    static void verifyOne(Path path, EncryptedFile f, Model m) throws Exception {
        f.close();
        ExtentCache fresh = new ExtentCache(1 << 20, EXTENT);
        assertEquals(HEADER + (m.size + EXTENT - 1L) / EXTENT * EXTENT, Files.size(path), "seed=" + SEED + ": lower size");
        EncryptedFile g = open(path, fresh, "fresh");
        try {
            ByteBuffer all = ByteBuffer.allocate(m.size);
            assertEquals(m.size, g.read(all, 0));
            assertEquals(-1, Arrays.mismatch(all.array(), 0, m.size, m.data, 0, m.size), "seed=" + SEED + ": content after reopen");
        } finally {
            g.close();
        }
    }
}
