package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FileReadAheadTest {
    private final List<String> prefetched = new CopyOnWriteArrayList<>();
    /** Bytes a prefetch "reads from the disk", counted per thread as /proc/thread-self/io does. */
    private volatile long diskBytes = 4096;
    private final ThreadLocal<long[]> threadReadBytes = ThreadLocal.withInitial(() -> new long[1]);

    private final FileReadAhead ra = new FileReadAhead(fs(), new ReadAheadBackOff(() -> threadReadBytes.get()[0], System::nanoTime));

    private CryptFileSystem fs() {
        return (CryptFileSystem) Proxy.newProxyInstance(CryptFileSystem.class.getClassLoader(),
                new Class<?>[] {CryptFileSystem.class}, (proxy, method, args) -> {
                    if (method.getName().equals("prefetch")) {
                        prefetched.add((String) args[0]);
                        threadReadBytes.get()[0] += diskBytes;
                        return null;
                    }
                    throw new AssertionError("file read-ahead called " + method.getName());
                });
    }

    private static List<String> names(String prefix, int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> prefix + i).toList();
    }

    private static List<String> paths(String dir, String prefix, int from, int to) {
        return names(prefix, from, to).stream().map(n -> dir + "/" + n).toList();
    }

    private List<String> prefetchedNow() throws InterruptedException {
        ra.awaitIdle();
        return new ArrayList<>(prefetched);
    }

    @Test
    void aSecondFileOpenedReadsTheNextOnesAhead() throws Exception {
        ra.listed("/d", 0, names("f", 0, 100));
        ra.opened("/d/f0");
        assertEquals(List.of(), prefetchedNow(), "one open: maybe not a walk");
        ra.opened("/d/f1");
        assertEquals(paths("/d", "f", 2, 2 + FileReadAhead.WINDOW), prefetchedNow());
    }

    @Test
    void aReaderInOrderFindsEveryFileReadAheadEachOnce() throws Exception {
        ra.listed("/d", 0, names("f", 0, 100));
        for (int i = 0; i < 100; i++) {
            ra.opened("/d/f" + i);
        }
        assertEquals(paths("/d", "f", 2, 100), prefetchedNow(), "every file after the second, once, in order");
    }

    @Test
    void theReadAheadGoesOnIntoTheListingsMadeAfter() throws Exception {
        ra.listed("/a", 0, names("f", 0, 10));
        ra.listed("/b", 0, List.of()); // only subdirectories
        ra.listed("/c", 0, names("g", 0, 30));
        ra.listed("/c", 30, names("g", 30, 50)); // its second page
        ra.opened("/a/f0");
        ra.opened("/a/f1");
        List<String> expected = new ArrayList<>(paths("/a", "f", 2, 10));
        expected.addAll(paths("/c", "g", 0, FileReadAhead.WINDOW - 8));
        assertEquals(expected, prefetchedNow());
        for (int i = 2; i < 10; i++) {
            ra.opened("/a/f" + i);
        }
        for (int i = 0; i < 50; i++) {
            ra.opened("/c/g" + i);
        }
        expected.addAll(paths("/c", "g", FileReadAhead.WINDOW - 8, 50));
        assertEquals(expected, prefetchedNow(), "the first file of /c was read ahead, so its first open followed on");
    }

    @Test
    void opensOfOneFileOrOfNamesNotListedReadNothingAhead() throws Exception {
        ra.listed("/d", 0, names("f", 0, 100));
        for (int i = 0; i < 5; i++) {
            ra.opened("/d/f7"); // an editor saving, a tail -f
        }
        ra.opened("/d/other");
        ra.opened("/elsewhere/f1");
        ra.opened("/elsewhere/f2");
        ra.opened("noslash");
        assertEquals(List.of(), prefetchedNow());
    }

    @Test
    void aNewListingOfADirectoryStartsAgain() throws Exception {
        ra.listed("/d", 0, names("f", 0, 10));
        ra.listed("/d", 0, names("g", 0, 10)); // the directory changed and was listed again
        ra.opened("/d/f0");
        ra.opened("/d/f1");
        assertEquals(List.of(), prefetchedNow(), "the old names are forgotten");
        ra.opened("/d/g0");
        ra.opened("/d/g1");
        assertEquals(paths("/d", "g", 2, 10), prefetchedNow());
    }

    @Test
    void aReaderInAnotherOrderStillGetsItsDirectoryReadAhead() throws Exception {
        ra.listed("/", 0, names("f", 0, 40));
        ra.opened("/f30"); // sorted by name, not in listing order, as rsync does
        ra.opened("/f5");
        assertEquals(paths("", "f", 6, 6 + FileReadAhead.WINDOW), prefetchedNow(), "the root's paths start with one slash");
    }

    @Test
    void memoryIsBoundedOldestListingsFirst() throws Exception {
        ra.listed("/big", 0, names("f", 0, FileReadAhead.LISTING_MAX + 500));
        ra.opened("/big/f" + (FileReadAhead.LISTING_MAX + 1));
        ra.opened("/big/f" + (FileReadAhead.LISTING_MAX + 2));
        assertEquals(List.of(), prefetchedNow(), "names past a listing's limit are not remembered");

        int listings = FileReadAhead.FILES_MAX / 100 + 1;
        for (int l = 0; l < listings; l++) {
            ra.listed("/l" + l, 0, names("f", 0, 100));
        }
        ra.opened("/l0/f0");
        ra.opened("/l0/f1");
        assertEquals(List.of(), prefetchedNow(), "the oldest listing was forgotten");
        int last = listings - 1;
        ra.opened("/l" + last + "/f0");
        ra.opened("/l" + last + "/f1");
        assertEquals(paths("/l" + last, "f", 2, 2 + FileReadAhead.WINDOW), prefetchedNow());
    }

    @Test
    void aWarmTreeIsReadAheadOnlyNowAndThen() throws Exception {
        diskBytes = 0; // everything cached
        ra.listed("/d", 0, names("f", 0, 4_000));
        for (int i = 0; i < 4_000; i++) {
            ra.opened("/d/f" + i);
            ra.awaitIdle();
        }
        assertTrue(ra.warm());
        int made = prefetchedNow().size();
        assertTrue(made >= ReadAheadBackOff.WARM_AFTER * (FileReadAhead.WINDOW - FileReadAhead.REFILL),
                "the first batches are made: " + made);
        assertTrue(made < 4_000 / 5, "then most are dropped: " + made + " files read ahead of 4,000");

        diskBytes = 4096; // caches dropped
        ra.listed("/e", 0, names("f", 0, 4_000));
        for (int i = 0; i < 4_000 && ra.warm(); i++) {
            ra.opened("/e/f" + i);
            ra.awaitIdle();
        }
        assertFalse(ra.warm(), "a sampled batch that read from the disk turns read-ahead back on");
    }
}
