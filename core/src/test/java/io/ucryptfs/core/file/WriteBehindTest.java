package io.ucryptfs.core.file;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteBehindTest {
    private static final int BIG = WriteBehind.MIN_BYTES * 2;

    @TempDir
    Path disk;

    @BeforeAll
    static void key() {
        EncryptedFileModelTest.key();
    }

    /** Real encrypted files: large and small writes in any order read back as written, before and after reopening. */
    @Test
    void largeAndSmallWritesInterleavedReadBackExactly() throws Exception {
        Path p = disk.resolve("f");
        FileContent f = WriteBehind.over(EncryptedFileModelTest.create(p, new ExtentCache(1 << 20, 4096), "f"), LowerSpace.UNKNOWN);
        assertTrue(f instanceof WriteBehind);
        Random rnd = new Random(3);
        byte[] model = new byte[8 << 20];
        int size = 0;
        for (int i = 0; i < 60; i++) {
            int len = rnd.nextBoolean() ? BIG + rnd.nextInt(300_000) : 1 + rnd.nextInt(20_000);
            int off = rnd.nextInt(4) == 0 ? rnd.nextInt(size + 1) : size; // mostly appends, some overwrites
            if (off + len > model.length) {
                break;
            }
            byte[] b = new byte[len];
            rnd.nextBytes(b);
            assertEquals(len, f.write(ByteBuffer.wrap(b), off));
            System.arraycopy(b, 0, model, off, len);
            size = Math.max(size, off + len);
            if (i % 7 == 0) {
                assertEquals(size, f.size(), "size waits for the writes before it");
                ByteBuffer back = ByteBuffer.allocate(len);
                f.read(back, off);
                assertArrayEquals(b, back.array(), "read waits for the writes before it");
            }
        }
        f.close();
        FileContent g = EncryptedFileModelTest.open(p, new ExtentCache(1 << 20, 4096), "f");
        assertEquals(size, g.size());
        ByteBuffer all = ByteBuffer.allocate(size);
        assertEquals(size, g.read(all, 0));
        assertArrayEquals(Arrays.copyOf(model, size), all.array());
        g.close();
    }

    @Test
    void aLargeWriteIsAnsweredBeforeItIsMadeAndEveryOtherCallWaitsForIt() throws Exception {
        Memory m = new Memory();
        m.hold = new CountDownLatch(1);
        FileContent f = WriteBehind.over(m, LowerSpace.UNKNOWN);
        assertEquals(BIG, f.write(ByteBuffer.wrap(new byte[BIG]), 0), "answered while the write is held");
        assertEquals(0, m.size, "not made yet");
        Thread release = new Thread(() -> {
            sleep(200);
            m.hold.countDown();
        });
        release.start();
        assertEquals(BIG, f.size(), "size waited for it");
        release.join();
    }

    /** Near a full disk the write that does not fit must fail itself: it is made before the answer. */
    @Test
    void nearAFullLowerFilesystemALargeWriteIsMadeBeforeTheAnswer() throws Exception {
        Path small = Files.createDirectories(Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setMaxSize(LowerSpace.RESERVE / 2).build()).getPath("/lower"));
        Memory m = new Memory();
        m.hold = new CountDownLatch(1);
        Thread release = new Thread(() -> {
            sleep(200);
            m.hold.countDown();
        });
        release.start();
        FileContent f = WriteBehind.over(m, LowerSpace.of(small));
        assertEquals(BIG, f.write(ByteBuffer.wrap(new byte[BIG]), 0));
        assertEquals(BIG, m.size, "made before the answer (which waited for the held write)");
        release.join();
        m.failAt = BIG;
        m.failure = new IOException("No space left on device");
        assertSame(m.failure, assertThrows(IOException.class, () -> f.write(ByteBuffer.wrap(new byte[BIG]), BIG)),
                "the write that does not fit reports it");
        f.close();
    }

    @Test
    void aFailedBackgroundWriteIsReportedOnceByTheNextCallAndTheWritesQueuedAfterItAreNotMade() throws Exception {
        Memory m = new Memory();
        IOException full = new IOException("No space left on device");
        m.failAt = BIG; // the second large write fails
        m.failure = full;
        m.hold = new CountDownLatch(1);
        FileContent f = WriteBehind.over(m, LowerSpace.UNKNOWN);
        f.write(ByteBuffer.wrap(new byte[BIG]), 0);
        f.write(ByteBuffer.wrap(new byte[BIG]), BIG);
        m.hold.countDown();
        IOException e = assertThrows(IOException.class, () -> {
            // some may be queued behind the failing one (and then not made); a later one reports it
            for (int i = 2; i < 10; i++) {
                f.write(ByteBuffer.wrap(new byte[BIG]), (long) i * BIG);
            }
        });
        assertSame(full, e);
        assertEquals(BIG, f.size(), "only the write before the failure was made: no hole of zeros after it");
        f.flush(); // reported once
        assertEquals(List.of(0L), m.offsets, "the write at " + BIG + " failed, and none after it was tried");
        f.close();
    }

    @Test
    void closeClosesTheFileAndThenReportsTheFailure() throws Exception {
        Memory m = new Memory();
        m.failAt = 0;
        m.failure = new IOException("Input/output error");
        FileContent f = WriteBehind.over(m, LowerSpace.UNKNOWN);
        f.write(ByteBuffer.wrap(new byte[BIG]), 0);
        assertSame(m.failure, assertThrows(IOException.class, f::close));
        assertTrue(m.closed);
    }

    @Test
    void aRevokedFileRefusesALargeWriteAtOnce() throws Exception {
        Memory m = new Memory();
        FileContent f = WriteBehind.over(m, LowerSpace.UNKNOWN);
        f.revoke();
        assertThrows(AccessDeniedException.class, () -> f.write(ByteBuffer.wrap(new byte[BIG]), 0));
    }

    @Test
    void smallWritesAndReadOnlyFilesAreNotDeferred() throws Exception {
        Memory m = new Memory();
        m.hold = new CountDownLatch(0);
        FileContent f = WriteBehind.over(m, LowerSpace.UNKNOWN);
        f.write(ByteBuffer.wrap(new byte[100]), 0);
        assertEquals(100, m.size, "made before the answer");
        m.writable = false;
        assertSame(m, WriteBehind.over(m, LowerSpace.UNKNOWN), "nothing to defer on a read-only file");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A file in memory that records where it was written and can hold or fail writes. */
    private static final class Memory implements FileContent {
        volatile long size;
        volatile boolean writable = true;
        volatile boolean closed;
        volatile boolean revoked;
        volatile CountDownLatch hold;
        volatile long failAt = -1;
        volatile IOException failure;
        final List<Long> offsets = new ArrayList<>();

        @Override
        public long size() {
            return size;
        }

        @Override
        public boolean writable() {
            return writable;
        }

        @Override
        public int read(ByteBuffer dst, long offset) {
            return 0;
        }

        @Override
        public synchronized int write(ByteBuffer src, long offset) throws IOException {
            if (revoked) {
                throw new AccessDeniedException("revoked");
            }
            CountDownLatch h = hold;
            if (h != null) {
                try {
                    h.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            if (offset == failAt) {
                throw failure;
            }
            offsets.add(offset);
            int n = src.remaining();
            src.position(src.limit());
            size = Math.max(size, offset + n);
            return n;
        }

        @Override
        public long append(ByteBuffer src) throws IOException {
            return write(src, size);
        }

        @Override
        public void truncate(long newSize) {
            size = newSize;
        }

        @Override
        public void flush() {
        }

        @Override
        public boolean flushAndSetTimes(FileTime atime, FileTime mtime) {
            return true;
        }

        @Override
        public boolean modified() {
            return !offsets.isEmpty();
        }

        @Override
        public void fsync(boolean metadata) {
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public void revoke() {
            revoked = true;
        }

        @Override
        public boolean revoked() {
            return revoked;
        }

        @Override
        public void moved(Path newLowerPath) {
        }
    }
}
