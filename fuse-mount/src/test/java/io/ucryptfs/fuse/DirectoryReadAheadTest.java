package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class DirectoryReadAheadTest {
    private static final Instant T = Instant.ofEpochSecond(1_700_000_000L);
    private static final FileAttributes DIR = new FileAttributes(FileType.DIRECTORY, 4096, 0755, 0, 0, 2, 1, T, T, T);
    private static final FileAttributes FILE = new FileAttributes(FileType.REGULAR, 10, 0644, 0, 0, 1, 2, T, T, T);

    private final List<String> readAhead = new CopyOnWriteArrayList<>();
    /** How long a read-ahead takes: past CACHED_NANOS it "waited for the disk" where reads are not counted. */
    private volatile long diskNanos;
    /** Bytes a read-ahead "reads from the disk", counted per thread as /proc/thread-self/io does. */
    private volatile long diskBytes;
    private final ThreadLocal<long[]> threadReadBytes = ThreadLocal.withInitial(() -> new long[1]);
    /** Each thread's clock: it moves only by the read-aheads' {@link #diskNanos}, so a busy machine cannot make a cached one look slow. */
    private final ThreadLocal<long[]> threadClock = ThreadLocal.withInitial(() -> new long[1]);

    private CryptFileSystem fs() {
        return (CryptFileSystem) Proxy.newProxyInstance(CryptFileSystem.class.getClassLoader(),
                new Class<?>[] {CryptFileSystem.class}, (proxy, method, args) -> {
                    if (method.getName().equals("readAhead")) {
                        readAhead.add((String) args[0]);
                        threadReadBytes.get()[0] += diskBytes;
                        threadClock.get()[0] += diskNanos;
                        if (diskNanos > 0) {
                            LockSupport.parkNanos(diskNanos);
                        }
                        return null;
                    }
                    throw new AssertionError("read-ahead called " + method.getName());
                });
    }

    /** Disk reads not counted (not Linux): the read-ahead's time tells cold from cached. */
    private DirectoryReadAhead timed() {
        return new DirectoryReadAhead(fs(), new ReadAheadBackOff(() -> -1, () -> threadClock.get()[0]));
    }

    /** Disk reads counted per thread, as on Linux. */
    private DirectoryReadAhead counted() {
        return new DirectoryReadAhead(fs(), new ReadAheadBackOff(() -> threadReadBytes.get()[0], () -> threadClock.get()[0]));
    }

    /** The paths read ahead, sorted: several threads take the hints, so they finish in any order. */
    private List<String> sorted() {
        return readAhead.stream().sorted().toList();
    }

    /** Hints go to several threads at once: four cold directories take about one directory's time. */
    @Test
    void theHintsOfAListingAreReadAheadAtOnce() throws Exception {
        diskNanos = 50_000_000L;
        DirectoryReadAhead ra = timed();
        long start = System.nanoTime();
        ra.subdirectories(new String[] {"/p/a", "/p/b", "/p/c", "/p/d"}, new FileAttributes[] {DIR, DIR, DIR, DIR});
        ra.awaitIdle();
        long took = System.nanoTime() - start;
        assertEquals(List.of("/p/a", "/p/b", "/p/c", "/p/d"), sorted());
        assertTrue(took < 3 * diskNanos, "four read-aheads of 50 ms took " + took / 1_000_000 + " ms");
    }

    @Test
    void onlyTheSubdirectoriesOfAListingAreReadAheadAndAtMostPerListing() throws Exception {
        diskNanos = 2 * ReadAheadBackOff.CACHED_NANOS;
        DirectoryReadAhead ra = timed();
        ra.subdirectories(new String[] {null, null, "/a/d", "/a/f", "/a/gone", "/a/e"},
                new FileAttributes[] {null, null, DIR, FILE, null, DIR});
        ra.awaitIdle();
        assertEquals(List.of("/a/d", "/a/e"), sorted(), "directories only; dots and gone names skipped");

        readAhead.clear();
        int n = DirectoryReadAhead.PER_LISTING + 10;
        String[] paths = new String[n];
        FileAttributes[] attrs = new FileAttributes[n];
        for (int i = 0; i < n; i++) {
            paths[i] = "/big/d" + i;
            attrs[i] = DIR;
        }
        ra.subdirectories(paths, attrs);
        ra.awaitIdle();
        assertEquals(DirectoryReadAhead.PER_LISTING, readAhead.size());
        assertFalse(ra.warm(), "every read-ahead waited for the disk");
    }

    /** A warm tree: read-ahead stops after WARM_AFTER cached directories, samples, and resumes when one is cold. */
    @Test
    void readAheadThatFindsEverythingCachedBacksOffUntilTheDiskIsNeededAgain() throws Exception {
        diskNanos = 0;
        DirectoryReadAhead ra = timed();
        int listings = 40;
        for (int l = 0; l < listings; l++) {
            ra.subdirectories(new String[] {"/w/" + l + "/a", "/w/" + l + "/b"}, new FileAttributes[] {DIR, DIR});
            ra.awaitIdle();
        }
        assertTrue(ra.warm());
        int hints = 2 * listings;
        int made = readAhead.size();
        assertTrue(made >= ReadAheadBackOff.WARM_AFTER && made <= ReadAheadBackOff.WARM_AFTER + hints / ReadAheadBackOff.SAMPLE + 1,
                made + " of " + hints + " hints followed on a warm tree");

        diskNanos = 2 * ReadAheadBackOff.CACHED_NANOS; // caches dropped
        for (int l = 0; l < listings && ra.warm(); l++) {
            ra.subdirectories(new String[] {"/c/" + l}, new FileAttributes[] {DIR});
            ra.awaitIdle();
        }
        assertFalse(ra.warm(), "a sampled read-ahead that waited for the disk turns read-ahead back on");
        readAhead.clear();
        ra.subdirectories(new String[] {"/cold/a", "/cold/b", "/cold/c"}, new FileAttributes[] {DIR, DIR, DIR});
        ra.awaitIdle();
        assertEquals(List.of("/cold/a", "/cold/b", "/cold/c"), sorted());
    }

    /**
     * Where the disk reads are counted they decide, not the time: a read-ahead slowed down by busy cores
     * but served from the cache counts as cached (a warm walk on two cores), and a quick one that read
     * from the disk keeps read-ahead on.
     */
    @Test
    void countedDiskReadsTellColdFromCachedWhateverTheTime() throws Exception {
        DirectoryReadAhead ra = counted();
        diskBytes = 0;
        diskNanos = 2 * ReadAheadBackOff.CACHED_NANOS; // slow, but nothing read from the disk
        for (int l = 0; l < ReadAheadBackOff.WARM_AFTER; l++) {
            ra.subdirectories(new String[] {"/slow/" + l}, new FileAttributes[] {DIR});
            ra.awaitIdle();
        }
        assertTrue(ra.warm(), "slow read-aheads that read nothing from the disk found the tree cached");

        diskNanos = 0;
        diskBytes = 4096; // quick, but read from the disk
        for (int l = 0; l < 2 * ReadAheadBackOff.SAMPLE && ra.warm(); l++) {
            ra.subdirectories(new String[] {"/quick/" + l}, new FileAttributes[] {DIR});
            ra.awaitIdle();
        }
        assertFalse(ra.warm(), "a read-ahead that read from the disk turns read-ahead back on");
    }

    @Test
    void theThreadsDiskReadsComeFromProcThreadSelfIo() {
        String io = "rchar: 2012\nwchar: 0\nsyscr: 7\nsyscw: 0\nread_bytes: 139264\nwrite_bytes: 0\ncancelled_write_bytes: 0\n";
        assertEquals(139264, ThreadDiskReads.parse(io));
        assertEquals(-1, ThreadDiskReads.parse("rchar: 1\n"));
        assertEquals(-1, ThreadDiskReads.parse("rchar: 1\nread_bytes: \n"));
        long now = ThreadDiskReads.current();
        if (Files.isReadable(Path.of("/proc/thread-self/io"))) {
            assertTrue(now >= 0, "read_bytes of this thread: " + now);
        } else {
            assertEquals(-1, now);
        }
    }
}
