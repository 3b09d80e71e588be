package io.ucryptfs.fuse;

import static io.ucryptfs.fuse.FuseProtocol.*;

import io.ucryptfs.core.fs.CryptFileSystem;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the requests of a small-file workload (make a directory, create, write, list, stat, read,
 * rename, unlink) and a few large reads and writes through the whole request path ({@link KernelRequests},
 * {@link FuseAdapter}, the core filesystem, the lower filesystem) of a throwaway filesystem, on one
 * background thread right after mounting, so that the JIT has compiled that path before the user's
 * first requests.
 *
 * <p>Why: a Java daemon starts interpreted. Measured on a fresh mount (docs/performance.md), the first
 * 5,000 small files took 1.9–2.9 s to create and the same work 0.7–0.9 s once compiled, where
 * gocryptfs (compiled ahead of time) takes 0.8–1.1 s. A login mount's first minutes are exactly such
 * work. The scripted requests take 5–13 s of one core; the user's own requests are served meanwhile,
 * as the warm-up has its own filesystem, node table and key.
 *
 * <p>The throwaway filesystem lives in a fresh directory in /dev/shm ({@link #scratchDirectory}) with a
 * random key and is deleted afterwards; a warm-up that fails (a full /dev/shm, say) stops and is
 * logged, and the mount is not affected.
 */
public final class JitWarmUp implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(JitWarmUp.class);

    /**
     * Rounds of {@link #FILES} files until the JIT has settled: two rounds in a row in which the
     * compilers worked less than a tenth of the round's time. C2 compiles a method after some
     * thousand calls, later while its queue is long, and a method left at C1's profiling tier when the
     * warm-up stops stays there until the user's requests push it on; measured here, compiling settles
     * after 11 or 12 rounds (about 5 s), each round then takes 0.2–0.3 s.
     */
    static final int MIN_ROUNDS = 6;
    static final int MAX_ROUNDS = 30;
    static final int FILES = 1000;
    /**
     * The large file of a round: 48 writes of 128 KiB (6 MiB), read back twice in 128 KiB requests by
     * the warm-up and at the same time by a second thread ({@link ConcurrentReader}). With 4 writes read
     * once by one thread, the extent IVs' vectorised MD5 ({@code VectorMd5}) never reached C2 and the
     * read path was compiled for one thread only, so the user's first large read compiled it again:
     * with a compile log from the daemon's start, the first cold 1 GiB read of a fresh mount ran 79
     * compilations taking 1.3 s and used 2.5-3.1 s of daemon CPU, at 465-636 MB/s; now 54 taking 0.2 s,
     * 1.1-1.25 s of CPU, 880-890 MB/s (docs/performance.md). The warm-up takes 9-10 s instead of 7-8.
     */
    static final int LARGE_WRITES = 48;
    static final int LARGE_READ_PASSES = 2;
    /** O_WRONLY | O_CREAT | O_TRUNC | O_LARGEFILE and O_RDONLY | O_LARGEFILE, as the kernel passes them. */
    private static final int CREATE_FLAGS = 01 | 0100 | 01000 | 0100000;
    private static final int READ_FLAGS = 0100000;
    private static final int FILE_MODE = 0100644;
    private static final int DIR_MODE = 040755;
    private static final int UMASK = 022;
    private static final int PAGE = 4096;
    private static final String SCRATCH_PREFIX = "ucryptfs-warm-up-";

    private final CryptFileSystem scratch;
    private final Path scratchLower;
    private final FuseAdapter.Timeouts timeouts;
    private final int maxWrite;
    private final boolean writebackCache;
    private final Runnable whenDone;
    private final int minRounds;
    private final int maxRounds;
    private ScriptedKernel kernel;
    private volatile int roundsDone;
    private KernelRequests requests;
    private FuseAdapter adapter;
    private KernelRequests.Scratch s;

    private JitWarmUp(CryptFileSystem scratch, Path scratchLower, MountSettings settings, Runnable whenDone,
            int minRounds, int maxRounds) {
        this.whenDone = whenDone;
        this.minRounds = minRounds;
        this.maxRounds = maxRounds;
        this.scratch = scratch;
        this.scratchLower = scratchLower;
        this.timeouts = settings.timeouts();
        this.maxWrite = settings.maxWrite();
        this.writebackCache = settings.writebackCache();
    }

    /**
     * Starts the warm-up on a background thread. {@code scratch} is a throwaway filesystem over
     * {@code scratchLower} (made as the mount's, over a random key): closed, and the directory deleted,
     * when done; then {@code whenDone} runs (it destroys the throwaway key).
     */
    public static Thread start(CryptFileSystem scratch, Path scratchLower, MountSettings settings, Runnable whenDone) {
        Thread t = new Thread(new JitWarmUp(scratch, scratchLower, settings, whenDone, MIN_ROUNDS, MAX_ROUNDS),
                "jit-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** A warm-up of at most {@code rounds} rounds (tests). */
    static JitWarmUp of(CryptFileSystem scratch, Path scratchLower, MountSettings settings, Runnable whenDone, int rounds) {
        return new JitWarmUp(scratch, scratchLower, settings, whenDone, rounds, rounds);
    }

    @Override
    public void run() {
        long t0 = System.nanoTime();
        try {
            kernel = kernel();
            adapter = new FuseAdapter(scratch, timeouts);
            adapter.offerWritebackCache(writebackCache);
            requests = new KernelRequests(adapter, kernel.device(), maxWrite);
            s = requests.scratch();
            send(INIT, 0, MAJOR, MINOR, 131072, ASYNC_READ | BIG_WRITES | MAX_PAGES | HANDLE_KILLPRIV_V2
                    | DO_READDIRPLUS | READDIRPLUS_AUTO | WRITEBACK_CACHE);
            byte[] page = new byte[PAGE];
            new Random(1).nextBytes(page);
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            int quiet = 0;
            while (roundsDone < maxRounds && (roundsDone < minRounds || quiet < 2)) {
                long c0 = jit.getTotalCompilationTime();
                long r0 = System.nanoTime();
                round("w" + roundsDone, page);
                roundsDone++;
                long roundMs = (System.nanoTime() - r0) / 1_000_000;
                long compileMs = jit.getTotalCompilationTime() - c0;
                quiet = compileMs * 10 < roundMs ? quiet + 1 : 0;
                log.debug("JIT warm-up round {}: {} ms, compiling {} ms", roundsDone, roundMs, compileMs);
            }
            log.info("JIT warm-up: {} rounds of {} files in {} ms", roundsDone, FILES, (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException | Error e) {
            // only the warm-up's own filesystem is concerned; the mount serves on, compiled later
            log.info("JIT warm-up stopped: {}", e.toString());
        } finally {
            close();
        }
    }

    /** How many rounds ran to their end (at least the minimum, unless a request failed). */
    int roundsDone() {
        return roundsDone;
    }

    /** Through a socket pair, so that the request loop meets the device class it meets when mounted. */
    private static ScriptedKernel kernel() {
        try {
            return SocketPairKernel.open();
        } catch (IOException | LinkageError e) {
            log.info("JIT warm-up without a socket pair (the request loop will be compiled again at first use): {}", e.toString());
            return new ScriptedKernel();
        }
    }

    /** One directory of small files made, listed, read, renamed and removed, and one large file. */
    private void round(String dirName, byte[] page) {
        send(LOOKUP, NodeTable.ROOT, dirName);
        long dir = entry(send(MKDIR, NodeTable.ROOT, DIR_MODE, UMASK, dirName));
        for (int i = 0; i < FILES; i++) {
            String name = "f" + i;
            send(LOOKUP, dir, name);
            long node = entry(send(CREATE, dir, CREATE_FLAGS, FILE_MODE, UMASK, 0, name));
            long fh = kernel.last().getLong(OUT_HEADER + ENTRY_OUT_SIZE);
            send(WRITE, node, fh, 0L, PAGE, 0, 0L, 0, 0, page);
            if (i % 4 == 1) {
                // as tar and cp -a: a write that ends inside an extent, another that goes on from it, and
                // the times set while the file is open
                send(WRITE, node, fh, (long) PAGE, PAGE / 2, 0, 0L, 0, 0, Arrays.copyOf(page, PAGE / 2));
                send(WRITE, node, fh, (long) PAGE + PAGE / 2, PAGE / 2, 0, 0L, 0, 0, Arrays.copyOf(page, PAGE / 2));
                send(SETATTR, node, FATTR_ATIME | FATTR_MTIME, 0, 0L, 0L, 0L, 1_700_000_000L, 1_700_000_000L, 0L,
                        0, 0, 0, 0, 0, 0, 0, 0);
            }
            send(FLUSH, node, fh, 0, 0, 0L);
            send(RELEASE, node, fh, CREATE_FLAGS, 0, 0L);
            if (i % 10 == 0) {
                send(SETATTR, node, FATTR_MODE, 0, 0L, 0L, 0L, 0L, 0L, 0L, 0, 0, 0, FILE_MODE | 0600, 0, 0, 0, 0);
                send(GETXATTR, node, 64, 0, "user.warm-up");
            }
        }
        send(GETATTR, dir, 0, 0, 0L);
        // as a walk: the parent's listing shows the directory, which is read ahead (DirectoryReadAhead:
        // the lower listing and an lstat of each of the round's files, on another thread)
        list(NodeTable.ROOT);
        list(dir);
        for (int i = 0; i < FILES; i++) {
            long node = entry(send(LOOKUP, dir, "f" + i));
            send(GETATTR, node, 0, 0, 0L);
            long fh = open(send(OPEN, node, READ_FLAGS, 0));
            send(READ, node, fh, 0L, PAGE, 0, 0L, READ_FLAGS, 0);
            send(FLUSH, node, fh, 0, 0, 0L);
            send(RELEASE, node, fh, READ_FLAGS, 0, 0L);
        }
        largeFile(dir, page);
        send(STATFS, dir);
        for (int i = 0; i < FILES; i += 100) {
            send(RENAME, dir, dir, "f" + i, "g" + i);
            send(UNLINK, dir, "g" + i);
        }
        list(dir);
        for (int i = 0; i < FILES; i++) {
            if (i % 100 != 0) {
                long node = entry(send(LOOKUP, dir, "f" + i));
                send(UNLINK, dir, "f" + i);
                send(FORGET, node, 3L); // the create's, the lookup's and this one
            }
        }
        send(RMDIR, NodeTable.ROOT, dirName);
    }

    /**
     * A file of {@link #LARGE_WRITES} large writes (the largest a socket pair takes, as the kernel's can
     * be 1 MiB), fsynced, read back {@link #LARGE_READ_PASSES} times in 128 KiB requests (readahead's
     * size), removed.
     */
    private void largeFile(long dir, byte[] page) {
        int size = Math.min(maxWrite, 128 * 1024);
        byte[] chunk = new byte[size];
        for (int at = 0; at < chunk.length; at += PAGE) {
            System.arraycopy(page, 0, chunk, at, Math.min(PAGE, chunk.length - at));
        }
        long node = entry(send(CREATE, dir, CREATE_FLAGS, FILE_MODE, UMASK, 0, "large"));
        long fh = kernel.last().getLong(OUT_HEADER + ENTRY_OUT_SIZE);
        for (int i = 0; i < LARGE_WRITES; i++) {
            send(WRITE, node, fh, (long) i * size, size, 0, 0L, 0, 0, chunk);
        }
        send(FSYNC, node, fh, 0, 0);
        send(RELEASE, node, fh, CREATE_FLAGS, 0, 0L);
        fh = open(send(OPEN, node, READ_FLAGS, 0));
        int request = Math.min(131072, maxWrite);
        long total = (long) LARGE_WRITES * size;
        ConcurrentReader other = new ConcurrentReader(fh, total, request);
        other.start();
        for (int pass = 0; pass < LARGE_READ_PASSES; pass++) {
            for (long at = 0; at < (long) LARGE_WRITES * size; at += request) {
                int got = succeeded(send(READ, node, fh, at, request, 0, 0L, READ_FLAGS, 0)).getInt(0) - OUT_HEADER;
                if (got != request) {
                    // an empty or short file would leave the decryption path it is here for uncompiled
                    throw new IllegalStateException("a large read of the warm-up returned " + got + " bytes, not " + request);
                }
            }
        }
        other.finish();
        send(RELEASE, node, fh, READ_FLAGS, 0, 0L);
        send(UNLINK, dir, "large");
    }

    /**
     * A second thread reading the large file while the warm-up does, below the request loop (through
     * {@link FuseAdapter#read}), as the kernel's readahead and other processes make the mount's
     * threads do. Why: branches taken only when threads share a file (a pooled run buffer still to
     * be sized on a thread's first large read, the JDK's bookkeeping of several threads in one
     * FileChannel) were never taken in a single-threaded warm-up, so C2 compiled them as traps; the
     * user's first large read hit them and threw the compiled read path away (seen in the
     * deoptimization log), then recompiled it while reading.
     */
    private final class ConcurrentReader extends Thread {
        private final long fh;
        private final long total;
        private final int request;
        private volatile Throwable failure;

        ConcurrentReader(long fh, long total, int request) {
            super("jit-warm-up-reader");
            setDaemon(true);
            setPriority(Thread.MIN_PRIORITY);
            this.fh = fh;
            this.total = total;
            this.request = request;
        }

        @Override
        public void run() {
            ByteBuffer dst = ByteBuffer.allocate(request);
            try {
                for (int pass = 0; pass < LARGE_READ_PASSES; pass++) {
                    for (long at = total - request; at >= 0; at -= request) { // from the end: meets the other reader
                        int got = adapter.read(fh, dst.clear(), at);
                        if (got != request) {
                            throw new IllegalStateException("a concurrent read of the warm-up returned " + got + " bytes");
                        }
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Waits for the reader; its failure stops the warm-up. */
        void finish() {
            try {
                join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("JIT warm-up interrupted", e);
            }
            if (failure != null) {
                throw new IllegalStateException("a concurrent read of the warm-up failed: " + failure, failure);
            }
        }
    }

    /** OPENDIR, READDIRPLUS a page at a time to the end, RELEASEDIR. */
    private void list(long dir) {
        long dh = open(send(OPENDIR, dir, 0, 0));
        long offset = 0;
        while (true) {
            send(READDIRPLUS, dir, dh, offset, PAGE, 0, 0L, 0, 0);
            int entries = direntplusCount(kernel.last());
            if (entries == 0) {
                break;
            }
            offset += entries;
        }
        send(RELEASEDIR, dir, dh, 0, 0, 0L);
    }

    private static int direntplusCount(ByteBuffer reply) {
        int count = 0;
        for (int at = OUT_HEADER; at + ENTRY_OUT_SIZE + 24 <= reply.limit(); count++) {
            int nameLength = reply.getInt(at + ENTRY_OUT_SIZE + 16);
            at += ENTRY_OUT_SIZE + ((24 + nameLength + 7) & ~7);
        }
        return count;
    }

    private ByteBuffer send(int opcode, long node, Object... body) {
        kernel.send(requests, s, opcode, node, body);
        return kernel.last();
    }

    /** The node of an entry reply; an error stops the warm-up. */
    private long entry(ByteBuffer reply) {
        return succeeded(reply).getLong(OUT_HEADER);
    }

    /** The handle of an open reply; an error stops the warm-up. */
    private long open(ByteBuffer reply) {
        return succeeded(reply).getLong(OUT_HEADER);
    }

    private static ByteBuffer succeeded(ByteBuffer reply) {
        int errno = -reply.getInt(4);
        if (errno != 0) {
            throw new IllegalStateException("a request of the warm-up failed with errno " + errno);
        }
        return reply;
    }

    private void close() {
        if (kernel instanceof SocketPairKernel k) {
            k.close();
        }
        try {
            scratch.close();
        } catch (Exception e) {
            log.debug("JIT warm-up: closing its filesystem: {}", e.toString());
        }
        try {
            deleteTree(scratchLower);
        } catch (IOException e) {
            log.warn("JIT warm-up: could not remove {}: {}", scratchLower, e.toString());
        }
        whenDone.run();
    }

    /**
     * A new scratch directory, named after this process, in {@code /dev/shm} (memory) when it can be
     * written and user xattrs are not needed, else in the temporary directory. Those of processes
     * that are gone (a daemon killed during its warm-up) are removed first.
     *
     * <p>Why not simply /tmp: on ext4 every inode freed in the last minutes (five, while its inode
     * table block is dirty) is skipped, one buffer lookup each, when a new one is allocated
     * ({@code recently_deleted}); the warm-up's 10,000-odd deleted files made the user's creates on the
     * same filesystem cost a sixth more CPU (profiled with async-profiler) for minutes. tmpfs has no
     * such cost, but before Linux 6.6 no user xattrs, which a mount keeping headers in xattrs needs.
     *
     * @param userXattrs whether the scratch filesystem must take user xattrs
     */
    public static Path scratchDirectory(boolean userXattrs) throws IOException {
        Path shm = Path.of("/dev/shm");
        Path tmp = !userXattrs && Files.isDirectory(shm) && Files.isWritable(shm) ? shm
                : Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> old = Files.newDirectoryStream(tmp, SCRATCH_PREFIX + "*")) {
            for (Path dir : old) {
                String rest = dir.getFileName().toString().substring(SCRATCH_PREFIX.length());
                int dash = rest.indexOf('-');
                long pid = dash > 0 && rest.substring(0, dash).chars().allMatch(Character::isDigit)
                        ? Long.parseLong(rest.substring(0, dash)) : -1;
                if (pid > 0 && ProcessHandle.of(pid).isEmpty()) {
                    try {
                        deleteTree(dir);
                    } catch (IOException e) {
                        log.debug("JIT warm-up: left {}: {}", dir, e.toString()); // another user's, say
                    }
                }
            }
        }
        return Files.createTempDirectory(tmp, SCRATCH_PREFIX + ProcessHandle.current().pid() + "-");
    }

    /** Removes a directory tree (the warm-up's scratch directory). */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
