package io.ucryptfs.core.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EarlyWritebackTest {
    @TempDir
    Path disk;

    @BeforeAll
    static void key() {
        EncryptedFileModelTest.key();
    }

    @Test
    void syncsInTheBackgroundOncePerStride() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        CountDownLatch synced = new CountDownLatch(1);
        EarlyWriteback w = new EarlyWriteback("f", () -> {
            syncs.incrementAndGet();
            synced.countDown();
        });
        w.wrote(EarlyWriteback.STRIDE - 1);
        Thread.sleep(50);
        assertEquals(0, syncs.get(), "a file smaller than the stride is never synced early");
        w.wrote(1);
        assertTrue(synced.await(10, TimeUnit.SECONDS), "the stride's last byte starts a sync");
        assertEquals(1, syncs.get());
    }

    /** The kernel reports a write-back error once per open file: the background sync must pass it on. */
    @Test
    void aFailedBackgroundSyncIsReportedByTheNextFlushOnce() throws Exception {
        CountDownLatch tried = new CountDownLatch(1);
        EarlyWriteback w = new EarlyWriteback("f", () -> {
            tried.countDown();
            throw new IOException("Input/output error");
        });
        w.wrote(EarlyWriteback.STRIDE);
        assertTrue(tried.await(10, TimeUnit.SECONDS));
        IOException e = null;
        for (int i = 0; i < 200 && e == null; i++) { // the error is recorded just after the sync returns
            try {
                w.throwError();
                Thread.sleep(10);
            } catch (IOException x) {
                e = x;
            }
        }
        assertTrue(e != null && e.getMessage().contains("f: writing back to the lower file failed: Input/output error"),
                String.valueOf(e));
        assertDoesNotThrow(w::throwError, "reported once");
    }

    /** A file written past several strides, with syncs running under the writes, reads back whole. */
    @Test
    void aLargeFileWrittenWhileSyncingReadsBack() throws Exception {
        ExtentCache cache = new ExtentCache(64 * 4096, 4096);
        Path p = disk.resolve("big");
        byte[] data = new byte[(int) (EarlyWriteback.STRIDE * 3 + 12345)];
        new Random(11).nextBytes(data);
        EncryptedFile f = EncryptedFileModelTest.create(p, cache, "big");
        for (int off = 0; off < data.length; off += 1 << 20) {
            f.write(ByteBuffer.wrap(data, off, Math.min(1 << 20, data.length - off)), off);
        }
        f.fsync(false);
        f.close();
        EncryptedFile g = EncryptedFileModelTest.open(p, cache, "big");
        ByteBuffer back = ByteBuffer.allocate(data.length);
        assertEquals(data.length, g.read(back, 0));
        assertArrayEquals(data, back.array());
        g.close();
    }
}
