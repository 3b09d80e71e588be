package io.ucryptfs.core.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file that keeps growing without a flush has its size field written about every second
 * ({@link EncryptedFile#SIZE_EVERY_NANOS}): what a killed daemon leaves is readable up to there.
 */
class GrowingFileSizeTest {
    @TempDir
    Path disk;

    @BeforeAll
    static void key() {
        EncryptedFileModelTest.key();
    }

    private static long sizeField(Path lower) throws Exception {
        try (InputStream in = Files.newInputStream(lower)) {
            return new DataInputStream(in).readLong(); // the header's first 8 bytes, big-endian
        }
    }

    @Test
    void appendsWithoutAFlushReachTheSizeFieldWithinASecondAndReadBackWithoutTheWriter() throws Exception {
        Path p = disk.resolve("log");
        EncryptedFile f = EncryptedFileModelTest.create(p, new ExtentCache(1 << 20, 4096), "log");
        byte[] data = new byte[30_000];
        new Random(9).nextBytes(data);
        f.write(ByteBuffer.wrap(data, 0, 10_000), 0);
        assertEquals(0, sizeField(p), "a write right after the open: the size waits for the flush");
        Thread.sleep(EncryptedFile.SIZE_EVERY_NANOS / 1_000_000 + 100);
        f.write(ByteBuffer.wrap(data, 10_000, 10_000), 10_000); // grows, a second later
        assertEquals(20_000, sizeField(p), "written with the data before it, no flush");
        f.write(ByteBuffer.wrap(data, 20_000, 10_000), 20_000);
        assertEquals(20_000, sizeField(p), "not at every write");

        // the daemon "dies" here: the writer is never flushed or closed; a new open sees the 20,000 bytes
        EncryptedFile g = EncryptedFileModelTest.open(p, new ExtentCache(1 << 20, 4096), "log");
        assertEquals(20_000, g.size());
        ByteBuffer back = ByteBuffer.allocate(20_000);
        assertEquals(20_000, g.read(back, 0));
        assertArrayEquals(Arrays.copyOf(data, 20_000), back.array());
        g.close();
        f.close();
        assertEquals(30_000, sizeField(p));
    }
}
