package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.encryptedNames;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new file is laid out as the kernel writes it: the whole 8 KiB header at the create, zero tail
 * included, then the extents, with no hole ({@link LowerFileOpener#initialise}). And a file that an
 * earlier build left one page long (its header written up to the pages in use, the daemon stopped
 * before the close) still opens as an empty file and takes data.
 */
class NewFileLayoutTest {
    private static final int HEADER = 8192;

    @TempDir
    Path disk;

    private static List<Path> lowerFiles(Path lower) throws Exception {
        try (Stream<Path> s = Files.walk(lower)) {
            return s.filter(Files::isRegularFile).collect(Collectors.toList());
        }
    }

    private static Path onlyLowerFile(Path lower) throws Exception {
        List<Path> files = lowerFiles(lower);
        assertEquals(1, files.size(), files.toString());
        return files.get(0);
    }

    @Test
    void aFileWithDataHasAWholeHeaderOfZerosAfterItsFieldsAndItsExtentsAfterThat() throws Exception {
        Path lower = Files.createDirectory(disk.resolve("lower"));
        byte[] data = new byte[5000];
        new Random(1).nextBytes(data);
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            writeFile(fs, "/f", data);
        }
        Path f = onlyLowerFile(lower);
        byte[] all = Files.readAllBytes(f);
        assertEquals(HEADER + 2 * 4096, all.length);
        assertTrue(LowerProbe.inspect(f).complete());
        assertEquals(5000, LowerProbe.inspect(f).plaintextSize());
        byte[] tail = Arrays.copyOfRange(all, 4096, HEADER);
        assertArrayEquals(new byte[4096], tail, "the header's second page reads as zeros");
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            assertArrayEquals(data, readFile(fs, "/f"));
        }
    }

    /** Allocated bytes of {@code f} (st_blocks), from stat(1): the JDK does not tell. */
    private static long allocated(Path f) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", f.toString()).redirectErrorStream(true).start();
        String[] out = new String(p.getInputStream().readAllBytes()).trim().split(" ");
        assertEquals(0, p.waitFor(), String.join(" ", out));
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    @Test
    void aNewFilesHeaderIsWrittenWholeSoItsExtentsFollowWithoutAHole() throws Exception {
        // a shell's `> file`: the file is created, the descriptor dup'ed and closed (FLUSH), then written
        Path lower = Files.createDirectory(disk.resolve("lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            long h = fs.create("/f", 0644);
            assertEquals(HEADER, Files.size(onlyLowerFile(lower)), "the whole header at the create");
            fs.flush(h);
            fs.write(h, ByteBuffer.wrap(new byte[4096]), 0);
            fs.release(h);
        }
        Path f = onlyLowerFile(lower);
        assertEquals(HEADER + 4096, Files.size(f));
        // one extent on ext4: a hole made the file two, and an rm of small files twice as slow
        assertEquals(HEADER + 4096, allocated(f), "every page allocated, none a hole");
    }

    @Test
    void anEmptyFileHasTheHeadersFullLength() throws Exception {
        Path lower = Files.createDirectory(disk.resolve("lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            long h = fs.create("/empty", 0644);
            assertEquals(HEADER, Files.size(onlyLowerFile(lower)), "while open");
            fs.release(h);
            assertEquals(HEADER, Files.size(onlyLowerFile(lower)), "the kernel's layout once closed");
            assertEquals(0, fs.getattr("/empty").size());
        }
    }

    @Test
    void theTimesOfAnEmptyFileSetWhileOpenStayAfterItsClose() throws Exception {
        // tar x of an empty file: create, futimens, close; nothing written after the times
        Path lower = Files.createDirectory(disk.resolve("lower"));
        java.time.Instant then = java.time.Instant.parse("2020-01-02T03:04:05Z");
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            long h = fs.create("/empty", 0644);
            fs.utimens("/empty", then, then);
            fs.release(h);
            assertEquals(then, fs.getattr("/empty").mtime());
            assertEquals(HEADER, Files.size(onlyLowerFile(lower)));
        }
        assertEquals(then, Files.getLastModifiedTime(onlyLowerFile(lower)).toInstant());
    }

    @Test
    void anEmptyFileKeepsItsCreatesMtimeThroughItsClose() throws Exception {
        Path lower = Files.createDirectory(disk.resolve("lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            long h = fs.create("/empty", 0644);
            java.time.Instant created = fs.getattr("/empty").mtime();
            Thread.sleep(20);
            fs.release(h);
            assertEquals(created, fs.getattr("/empty").mtime(), "as the kernel, which wrote the whole header at the create");
        }
    }

    @Test
    void aFileCutToZeroKeepsTheHeadersFullLength() throws Exception {
        Path lower = Files.createDirectory(disk.resolve("lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            long h = fs.create("/f", 0644);
            fs.write(h, ByteBuffer.wrap(bytes("some bytes")), 0);
            fs.ftruncate(h, 0);
            fs.release(h);
            assertEquals(HEADER, Files.size(onlyLowerFile(lower)));
            assertEquals(0, fs.getattr("/f").size());
        }
    }

    @Test
    void aOnePageFileAnEarlierBuildLeftOpensEmptyAndTakesData() throws Exception {
        Path lower = Files.createDirectory(disk.resolve("lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            long created = fs.create("/f", 0644);
            fs.release(created);
            Path f = onlyLowerFile(lower);
            // what a build that wrote headers up to their pages in use left when stopped right after a create
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(4096);
            }
            assertTrue(LowerProbe.inspect(f).complete(), "an empty file needs no extent");
            // a second mount of the same lower directory, as after a restart
            try (CryptFileSystem again = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
                assertEquals(0, again.getattr("/f").size());
                assertArrayEquals(new byte[0], readFile(again, "/f"));
                long h = again.open("/f", OpenMode.READ_WRITE);
                again.write(h, ByteBuffer.wrap(bytes("after the restart")), 0);
                again.release(h);
                assertArrayEquals(bytes("after the restart"), readFile(again, "/f"));
            }
            assertEquals(HEADER + 4096, Files.size(f));
        }
    }
}
