package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.FsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mounted filesystem: starts the request loop ({@link FuseSession}) on its own thread, says when the mount answers, and
 * unmounts cleanly (kernel mount gone, then every open file written back) on {@link #close()}, on
 * SIGINT/SIGTERM (a shutdown hook) or when someone runs {@code ucryptfs umount}/{@code fusermount -u}.
 */
public final class FuseMount implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FuseMount.class);

    /** Request threads: FUSE requests of several processes (and readahead) run in parallel. */
    static final int THREADS = Math.max(4, 2 * java.lang.Runtime.getRuntime().availableProcessors());

    private final CryptFileSystem fs;
    private final FuseAdapter adapter;
    private final Path mountPoint;
    private final Thread loop;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;

    private FuseMount(CryptFileSystem fs, Path mountPoint, MountSettings settings) {
        this.fs = fs;
        this.adapter = new FuseAdapter(fs, settings.timeouts());
        adapter.offerWritebackCache(settings.writebackCache());
        this.mountPoint = mountPoint.toAbsolutePath().normalize();
        List<String> options = settings.fuseOptions();
        int maxWrite = settings.maxWrite();
        this.loop = new Thread(() -> {
            try {
                FuseSession.mount(adapter, this.mountPoint.toString(), options, maxWrite).run(THREADS);
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                ended.countDown();
            }
        }, "fuse-loop");
    }

    /**
     * Mounts {@code fs} at {@code mountPoint} and returns once the kernel shows the mount.
     *
     * @throws IOException when libfuse refuses or the mount does not appear within the timeout
     */
    public static FuseMount mount(CryptFileSystem fs, Path mountPoint, MountSettings settings) throws IOException {
        FuseMount m;
        try {
            m = new FuseMount(fs, mountPoint, settings);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        m.loop.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!MountTable.isFuseMount(m.mountPoint)) {
            if (m.ended.getCount() == 0 || System.nanoTime() > deadline) {
                Throwable t = m.failure.get();
                m.closeQuietly();
                throw new IOException("FUSE could not mount " + m.mountPoint
                        + (t != null ? ": " + rootMessage(t) : " (see the log for libfuse's message)"), t);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                m.closeQuietly();
                throw new IOException("interrupted while mounting");
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(m::closeQuietly, "ucryptfs-unmount"));
        log.info("mounted at {}", m.mountPoint);
        return m;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }

    /** See {@link FuseAdapter#dropKernelCaches}. */
    public int dropKernelCaches() {
        return adapter.dropKernelCaches();
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** Blocks until the filesystem is unmounted (by us, a signal or {@code fusermount -u}). */
    public void awaitUnmount() throws InterruptedException {
        ended.await();
        closeQuietly();
    }

    /** Unmounts, then writes back every open file and wipes keys. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (ended.getCount() > 0) {
            try {
                String out = Fusermount.unmount(mountPoint, false);
                if (!out.isBlank()) {
                    log.warn("fusermount: {}", out.trim());
                }
            } catch (IOException e) {
                log.warn("fusermount failed: {}", e.getMessage());
            }
            try {
                if (!ended.await(30, TimeUnit.SECONDS)) {
                    log.warn("the FUSE loop did not end 30 s after unmounting {}", mountPoint);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            fs.close();
        } catch (FsException e) {
            throw new IOException("unmounted, but writing back failed: " + e.getMessage(), e);
        }
        log.info("unmounted {}", mountPoint);
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            log.error("{}", e.getMessage());
        }
    }

    /** Whether {@code dir} has entries (libfuse2 refuses to mount on it without "nonempty"). */
    public static boolean isNonEmptyDirectory(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }
}
