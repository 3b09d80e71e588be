package io.ucryptfs.core.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regressions found by {@link EncryptedFileModelTest}, as small deterministic cases. */
class EncryptedFileEvictionTest {
    @TempDir
    Path disk;

    @BeforeAll
    static void key() {
        EncryptedFileModelTest.key();
    }

    /**
     * One write that extends the file by more than the cache holds: the cache evicts the write's own
     * dirty extents before the write ends and publishes the new size. They were dropped as "past the
     * end" (the size was still the old one), so the file came back short of data or truncated.
     */
    @Test
    void extendingWriteLargerThanTheCacheKeepsEveryExtent() throws Exception {
        ExtentCache cache = new ExtentCache(16 * 4096, 4096);
        Path p = disk.resolve("f");
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        EncryptedFile f = EncryptedFileModelTest.create(p, cache, "f");
        f.write(ByteBuffer.wrap(data), 0);
        ByteBuffer back = ByteBuffer.allocate(data.length);
        assertEquals(data.length, f.read(back, 0));
        assertArrayEquals(data, back.array(), "read back before close");
        f.close();
        assertEquals(8192 + data.length, Files.size(p));
        EncryptedFile g = EncryptedFileModelTest.open(p, new ExtentCache(1 << 20, 4096), "f");
        back.clear();
        assertEquals(data.length, g.read(back, 0));
        assertArrayEquals(data, back.array(), "read back after reopen");
        g.close();
    }
}
