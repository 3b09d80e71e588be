package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import io.ucryptfs.core.fs.FsException;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class ListingAttributesTest {
    private static FileAttributes attrs(int i) {
        Instant t = Instant.EPOCH;
        return new FileAttributes(FileType.REGULAR, i, 0644, 0, 0, 1, 1000 + i, t, t, t);
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aPageOfNamesIsReadOnSeveralThreadsEachAnswerInItsPlaceAndFailuresLeftEmpty() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        int n = 25;
        FileAttributes[] a = ListingAttributes.read(n, i -> {
            threads.add(Thread.currentThread().getName());
            sleep(); // a disk read: the parts overlap
            if (i == 3) {
                throw new FsException(Errno.ENOENT, "gone");
            }
            if (i == 7) {
                throw new IllegalStateException("unreadable");
            }
            return i == 11 ? null : attrs(i);
        });
        assertEquals(n, a.length);
        for (int i = 0; i < n; i++) {
            if (i == 3 || i == 7 || i == 11) {
                assertNull(a[i], "entry " + i);
            } else {
                assertEquals(1000 + i, a[i].inode(), "entry " + i + " in its place");
            }
        }
        assertTrue(threads.contains(Thread.currentThread().getName()), "the caller reads a part");
        assertEquals(ListingAttributes.HELPERS + 1, threads.size(), "and the helpers the others: " + threads);
    }

    @Test
    void aShortListingStaysOnTheCallingThread() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        FileAttributes[] a = ListingAttributes.read(ListingAttributes.PARALLEL_MIN - 1, i -> {
            threads.add(Thread.currentThread().getName());
            return attrs(i);
        });
        assertEquals(Set.of(Thread.currentThread().getName()), threads);
        assertEquals(ListingAttributes.PARALLEL_MIN - 1, a.length);
        assertEquals(ListingAttributes.read(0, i -> attrs(i)).length, 0);
    }
}
