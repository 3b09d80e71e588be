package io.ucryptfs.core.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short reads fetch a 16 KiB group of extents from the lower file but decrypt only what was asked
 * ({@link StreamingIo#READ_AROUND}): every offset must still come back exact, at the file's end and in
 * its last, partial group, and a lower file cut short must fail only the reads that need the lost part.
 */
class StreamingReadAroundTest {
    private static final int ES = 4096;

    @TempDir
    Path disk;

    @BeforeAll
    static void key() {
        EncryptedFileModelTest.key();
    }

    private byte[] written(Path p, int size) throws Exception {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        EncryptedFile f = EncryptedFileModelTest.create(p, new ExtentCache(1 << 20, ES), "f");
        f.write(ByteBuffer.wrap(data), 0);
        f.close();
        return data;
    }

    @Test
    void everyShortReadOfEveryGroupComesBackExact() throws Exception {
        Path p = disk.resolve("f");
        int size = 9 * ES + 100; // two whole groups and a short third one
        byte[] data = written(p, size);
        int[][] reads = {{0, ES}, {ES, ES}, {3 * ES, ES}, {4 * ES, 10}, {5 * ES + 7, ES}, {7 * ES - 1, 2},
                {8 * ES, ES}, {9 * ES, 100}, {9 * ES + 50, 4000}, {2 * ES + 1, 2 * ES}, {6 * ES, 3 * ES}};
        for (int[] r : reads) {
            // a fresh file and cache each time, so that every read misses and streams
            EncryptedFile g = EncryptedFileModelTest.open(p, new ExtentCache(1 << 20, ES), "f");
            ByteBuffer back = ByteBuffer.allocate(r[1]);
            int n = g.read(back, r[0]);
            int expect = Math.min(r[1], size - r[0]);
            assertEquals(expect, n, "read of " + r[1] + " at " + r[0]);
            assertArrayEquals(Arrays.copyOfRange(data, r[0], r[0] + expect), Arrays.copyOf(back.array(), expect),
                    "read of " + r[1] + " at " + r[0]);
            g.close();
        }
    }

    @Test
    void aLowerFileCutShortFailsOnlyTheReadsThatNeedWhatIsLost() throws Exception {
        Path p = disk.resolve("f");
        byte[] data = written(p, 8 * ES);
        EncryptedFile g = EncryptedFileModelTest.open(p, new ExtentCache(1 << 20, ES), "f");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(8192 + 6L * ES + 10); // extents 6 and 7 lost after the open
        }
        ByteBuffer back = ByteBuffer.allocate(ES);
        assertEquals(ES, g.read(back, 4 * ES), "extent 4: its group reaches past the cut, but it is whole");
        assertArrayEquals(Arrays.copyOfRange(data, 4 * ES, 5 * ES), back.array());
        back.clear();
        assertEquals(ES, g.read(back, 5 * ES));
        assertArrayEquals(Arrays.copyOfRange(data, 5 * ES, 6 * ES), back.array());
        assertThrows(TruncatedFileException.class, () -> g.read(ByteBuffer.allocate(ES), 6 * ES));
        g.close();
    }
}
