package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.KEY_A;
import static io.ucryptfs.core.fs.FsTestSupport.plainNames;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plaintext sizes kept from one mount to the next: the file's layout and its checks, and on a real
 * lower directory (real inode numbers and ctimes) that a second mount reads no header for files it
 * finds unchanged, and reads it again for a file changed in between.
 */
class SavedSizesTest {
    @TempDir
    Path tmp;

    private static final Map<String, Integer> SIZES = new LinkedHashMap<>();

    static {
        SIZES.put("/empty", 0);
        SIZES.put("/one", 1);
        SIZES.put("/page", 4096);
        SIZES.put("/more", 9001);
    }

    private EcryptfsFileSystem mount(Path lower, Path saved) throws Exception {
        return EcryptfsFileSystem.open(lower, plainNames(KEY_A).savedSizes(saved).build());
    }

    private Path lowerWithFiles(Path saved) throws Exception {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        try (EcryptfsFileSystem fs = mount(lower, saved)) {
            for (Map.Entry<String, Integer> e : SIZES.entrySet()) {
                writeFile(fs, e.getKey(), new byte[e.getValue()]);
            }
        }
        return lower;
    }

    @Test
    void aSecondMountReadsNoHeaderForFilesUnchangedSinceTheFirst() throws Exception {
        Path saved = tmp.resolve("lower.sizes");
        Path lower = lowerWithFiles(saved);
        assertEquals(SIZES.size(), SavedSizes.read(saved).size());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(saved)));
        try (EcryptfsFileSystem fs = mount(lower, saved)) {
            for (Map.Entry<String, Integer> e : SIZES.entrySet()) {
                assertEquals((long) e.getValue(), fs.getattr(e.getKey()).size(), e.getKey());
            }
            assertEquals(0, fs.headerReadsForSizes());
        }
        // without the file, each file's header is read (an empty file has one too)
        try (EcryptfsFileSystem fs = mount(lower, null)) {
            for (Map.Entry<String, Integer> e : SIZES.entrySet()) {
                assertEquals((long) e.getValue(), fs.getattr(e.getKey()).size(), e.getKey());
            }
            assertEquals(SIZES.size(), fs.headerReadsForSizes());
        }
    }

    @Test
    void aFileChangedBetweenMountsHasItsHeaderReadAndTheFilesNotVisitedStaySaved() throws Exception {
        Path saved = tmp.resolve("lower.sizes");
        Path lower = lowerWithFiles(saved);
        // another writer: the same lower bytes, the mtime set back; only its ctime tells
        Path more;
        try (var s = Files.list(lower)) {
            more = s.filter(p -> p.getFileName().toString().equals("more")).findFirst().orElseThrow();
        }
        FileTime mtime = Files.getLastModifiedTime(more);
        Thread.sleep(20);
        Files.write(more, Files.readAllBytes(more));
        Files.setLastModifiedTime(more, mtime);
        try (EcryptfsFileSystem fs = mount(lower, saved)) {
            assertEquals(9001, fs.getattr("/more").size());
            assertEquals(1, fs.headerReadsForSizes());
        }
        // the second mount saw only /more; the others' sizes are still saved, and /more's new state too
        try (EcryptfsFileSystem fs = mount(lower, saved)) {
            for (Map.Entry<String, Integer> e : SIZES.entrySet()) {
                assertEquals((long) e.getValue(), fs.getattr(e.getKey()).size(), e.getKey());
            }
            assertEquals(0, fs.headerReadsForSizes());
        }
    }

    @Test
    void writesThroughTheMountAreSavedAtUnmount() throws Exception {
        Path saved = tmp.resolve("lower.sizes");
        Path lower = lowerWithFiles(saved);
        try (EcryptfsFileSystem fs = mount(lower, saved)) {
            long h = fs.open("/one", OpenMode.READ_WRITE);
            try {
                fs.write(h, java.nio.ByteBuffer.wrap(new byte[12345]), 0);
            } finally {
                fs.release(h);
            }
            fs.utimens("/page", java.time.Instant.EPOCH, java.time.Instant.EPOCH);
        }
        try (EcryptfsFileSystem fs = mount(lower, saved)) {
            assertEquals(12345, fs.getattr("/one").size());
            assertEquals(4096, fs.getattr("/page").size());
            assertEquals(0, fs.headerReadsForSizes());
        }
    }

    @Test
    void theDirectoryReadAheadAsksForHeadersOnlyWhereTheSizeIsNotKnown() throws Exception {
        Path saved = tmp.resolve("lower.sizes");
        Path lower = lowerWithFiles(saved);
        List<String> advised = new ArrayList<>();
        PageCacheAdvice recording = (file, length) -> advised.add(file.getFileName() + ":" + length);
        try (EcryptfsFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).pageCacheAdvice(recording).build())) {
            fs.readAhead("/");
        }
        advised.sort(null);
        // every lower file is 8 KiB and more: the empty one has its header too
        assertEquals(List.of("empty:4096", "more:4096", "one:4096", "page:4096"), advised);
        advised.clear();
        try (EcryptfsFileSystem fs = EcryptfsFileSystem.open(lower,
                plainNames(KEY_A).pageCacheAdvice(recording).savedSizes(saved).build())) {
            fs.readAhead("/");
        }
        assertEquals(List.of(), advised);
    }

    @Test
    void theFileRoundTripsSortedWithOneEntryAnIno() throws Exception {
        Path f = tmp.resolve("s");
        List<SavedSizes.Entry> in = List.of(new SavedSizes.Entry(30, 12288, 3, 4, 5),
                new SavedSizes.Entry(10, 16384, 1, 2, 4097), new SavedSizes.Entry(30, 1, 1, 1, 1));
        SavedSizes.write(f, in);
        SavedSizes s = SavedSizes.read(f);
        assertEquals(2, s.size());
        assertEquals(in.get(1), s.entry(0));
        assertEquals(in.get(0), s.entry(1));
        assertTrue(s.contains(10));
        assertFalse(s.contains(20));
        assertFalse(Files.exists(tmp.resolve("s.new")));
    }

    @Test
    void aDamagedShortForeignOrMissingFileIsIgnored() throws Exception {
        Path f = tmp.resolve("s");
        SavedSizes.write(f, List.of(new SavedSizes.Entry(1, 12288, 3, 4, 5), new SavedSizes.Entry(2, 12288, 3, 4, 6)));
        byte[] good = Files.readAllBytes(f);
        assertEquals(2, SavedSizes.read(f).size());

        byte[] flipped = good.clone();
        flipped[20] ^= 1;
        Files.write(f, flipped);
        assertSame(SavedSizes.NONE, SavedSizes.read(f));

        Files.write(f, java.util.Arrays.copyOf(good, good.length - 41));
        assertSame(SavedSizes.NONE, SavedSizes.read(f));

        byte[] otherVersion = good.clone();
        otherVersion[4] = 2;
        Files.write(f, otherVersion);
        assertSame(SavedSizes.NONE, SavedSizes.read(f));

        Files.write(f, new byte[] {1, 2, 3});
        assertSame(SavedSizes.NONE, SavedSizes.read(f));

        assertSame(SavedSizes.NONE, SavedSizes.read(tmp.resolve("missing")));
    }

    @Test
    void atMostMaxEntriesAreKept() throws Exception {
        Path f = tmp.resolve("s");
        List<SavedSizes.Entry> many = new ArrayList<>();
        for (int i = 0; i < SavedSizes.MAX_ENTRIES + 10; i++) {
            many.add(new SavedSizes.Entry(i, 12288, 1, 1, 7));
        }
        SavedSizes.write(f, many);
        assertEquals(SavedSizes.MAX_ENTRIES, SavedSizes.read(f).size());
    }
}
