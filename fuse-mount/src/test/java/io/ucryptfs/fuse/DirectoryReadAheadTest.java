package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import java.lang.reflect.Proxy;
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
    /** How long a read-ahead takes: past CACHED_NANOS it "waited for the disk". */
    private volatile long diskNanos;

    private CryptFileSystem fs() {
        return (CryptFileSystem) Proxy.newProxyInstance(CryptFileSystem.class.getClassLoader(),
                new Class<?>[] {CryptFileSystem.class}, (proxy, method, args) -> {
                    if (method.getName().equals("readAhead")) {
                        readAhead.add((String) args[0]);
                        if (diskNanos > 0) {
                            LockSupport.parkNanos(diskNanos);
                        }
                        return null;
                    }
                    throw new AssertionError("read-ahead called " + method.getName());
                });
    }

    /** The paths read ahead, sorted: several threads take the hints, so they finish in any order. */
    private List<String> sorted() {
        return readAhead.stream().sorted().toList();
    }

    /** Hints go to several threads at once: four cold directories take about one directory's time. */
    @Test
    void theHintsOfAListingAreReadAheadAtOnce() throws Exception {
        diskNanos = 50_000_000L;
        DirectoryReadAhead ra = new DirectoryReadAhead(fs());
        long start = System.nanoTime();
        ra.subdirectories(new String[] {"/p/a", "/p/b", "/p/c", "/p/d"}, new FileAttributes[] {DIR, DIR, DIR, DIR});
        ra.awaitIdle();
        long took = System.nanoTime() - start;
        assertEquals(List.of("/p/a", "/p/b", "/p/c", "/p/d"), sorted());
        assertTrue(took < 3 * diskNanos, "four read-aheads of 50 ms took " + took / 1_000_000 + " ms");
    }

    @Test
    void onlyTheSubdirectoriesOfAListingAreReadAheadAndAtMostPerListing() throws Exception {
        diskNanos = 2 * DirectoryReadAhead.CACHED_NANOS;
        DirectoryReadAhead ra = new DirectoryReadAhead(fs());
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
        DirectoryReadAhead ra = new DirectoryReadAhead(fs());
        int listings = 40;
        for (int l = 0; l < listings; l++) {
            ra.subdirectories(new String[] {"/w/" + l + "/a", "/w/" + l + "/b"}, new FileAttributes[] {DIR, DIR});
            ra.awaitIdle();
        }
        assertTrue(ra.warm());
        int hints = 2 * listings;
        int made = readAhead.size();
        assertTrue(made >= DirectoryReadAhead.WARM_AFTER && made <= DirectoryReadAhead.WARM_AFTER + hints / DirectoryReadAhead.SAMPLE + 1,
                made + " of " + hints + " hints followed on a warm tree");

        diskNanos = 2 * DirectoryReadAhead.CACHED_NANOS; // caches dropped
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
}
