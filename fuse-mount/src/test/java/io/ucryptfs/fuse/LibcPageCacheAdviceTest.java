package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.PageCacheAdvice;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The advice through libc on a real file (ext4 under the temporary directory), no FUSE. */
class LibcPageCacheAdviceTest {
    private static final int POSIX_FADV_DONTNEED = 4;

    @TempDir
    Path tmp;

    @Test
    void theAdvisedBytesComeIntoThePageCacheWithoutAReadOfOurs() throws Exception {
        PageCacheAdvice advice = LibcPageCacheAdvice.create();
        assertInstanceOf(LibcPageCacheAdvice.class, advice, "Linux with libc");
        Path f = tmp.resolve("f");
        int size = 256 * 1024;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(size));
            ch.force(true); // clean pages: the kernel can drop them
        }
        LibcPageCacheAdvice.Libc libc = LibraryLoader.create(LibcPageCacheAdvice.Libc.class).load("c");
        int fd = libc.open(f.toString(), 0);
        assertTrue(fd >= 0);
        assertEquals(0, libc.posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
        libc.close(fd);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            // mincore(2) through isLoaded: mapping the file brings nothing in
            MappedByteBuffer front = ch.map(FileChannel.MapMode.READ_ONLY, 0, 64 * 1024);
            MappedByteBuffer back = ch.map(FileChannel.MapMode.READ_ONLY, 192 * 1024, 64 * 1024);
            assertFalse(front.isLoaded(), "dropped from the page cache");
            advice.willNeed(f, 64 * 1024);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!front.isLoaded() && System.nanoTime() < deadline) {
                Thread.sleep(5); // the reads were queued; the disk answers when it can
            }
            assertTrue(front.isLoaded(), "the advised bytes were read in");
            assertFalse(back.isLoaded(), "and only those");
        }
    }

    @Test
    void aMissingFileFailsWithItsErrnoAndAFifoDoesNotWaitForAWriter() throws Exception {
        PageCacheAdvice advice = LibcPageCacheAdvice.create();
        FsException e = assertThrows(FsException.class, () -> advice.willNeed(tmp.resolve("missing"), 4096));
        assertEquals(Errno.ENOENT, e.errno());
        assertFalse(e.getMessage().contains("missing"), "no path in the message: " + e.getMessage());

        Path fifo = tmp.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, p.waitFor());
        advice.willNeed(fifo, 4096); // O_NONBLOCK: returns at once; the advice on a pipe fails, and is only a hint
        assertTrue(Files.exists(fifo));
    }
}
