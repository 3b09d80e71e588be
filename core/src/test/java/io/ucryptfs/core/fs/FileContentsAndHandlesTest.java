package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.KEY_A;
import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.encryptedNames;
import static io.ucryptfs.core.fs.FsTestSupport.errno;
import static io.ucryptfs.core.fs.FsTestSupport.newLower;
import static io.ucryptfs.core.fs.FsTestSupport.plainNames;
import static io.ucryptfs.core.fs.FsTestSupport.readAll;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** File contents and open handles: write, read, truncate, append, sparse growth; handles shared, unlinked or renamed. */
class FileContentsAndHandlesTest {

    @Test
    void writeReadAndSizesSurviveARemount() throws Exception {
        Path lower = newLower();
        byte[] data = new byte[10_000];
        new java.util.Random(1).nextBytes(data);
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            fs.mkdir("/d", 0755);
            writeFile(fs, "/d/f", data);
            assertEquals(10_000, fs.getattr("/d/f").size());
            assertEquals(List.of("d"), fs.readdir("/"));
        }
        assertEquals(8192 + 3 * 4096, Files.size(Files.list(Files.list(lower).findFirst().orElseThrow()).findFirst().orElseThrow()));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            assertArrayEquals(data, readFile(fs, "/d/f"));
            assertEquals(10_000, fs.getattr("/d/f").size());
            assertEquals(FileType.DIRECTORY, fs.getattr("/d").type());
        }
    }

    /**
     * A file only read is not re-stated at close (its cached size holds); one written, truncated or
     * given new times through a handle shows its new size after the close, whatever was cached before.
     */
    @Test
    void sizesAfterCloseOfFilesReadWrittenOrTruncated() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            writeFile(fs, "/f", bytes("0123456789"));
            assertEquals(10, fs.getattr("/f").size());
            long r = fs.open("/f", OpenMode.READ);
            assertArrayEquals(bytes("0123456789"), readAll(fs, r));
            fs.release(r);
            assertEquals(10, fs.getattr("/f").size(), "after a read-only open");

            long w = fs.open("/f", OpenMode.READ_WRITE);
            fs.write(w, ByteBuffer.wrap(bytes("abcdefghijklmnop")), 4);
            fs.release(w);
            assertEquals(20, fs.getattr("/f").size(), "after a write");

            long t = fs.open("/f", OpenMode.WRITE);
            fs.ftruncate(t, 3);
            fs.release(t);
            assertEquals(3, fs.getattr("/f").size(), "after a truncate");
            assertArrayEquals(bytes("012"), readFile(fs, "/f"));
        }
    }

    @Test
    void handlesOnOneFileShareOneState() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), plainNames(KEY_A).build())) {
            long w = fs.create("/f", 0644);
            long r = fs.open("/f", OpenMode.READ);
            fs.write(w, ByteBuffer.wrap(bytes("hello")), 0);
            assertArrayEquals(bytes("hello"), readAll(fs, r));
            assertEquals(5, fs.getattr("/f").size());
            assertEquals(5, fs.fgetattr(r).size());
            assertEquals(Errno.EBADF, errno(() -> fs.write(r, ByteBuffer.wrap(bytes("x")), 0)));
            fs.release(w);
            fs.release(r);
            assertEquals(Errno.EBADF, errno(() -> fs.read(r, ByteBuffer.allocate(1), 0)));
        }
    }

    @Test
    void unlinkedAndRenamedOpenFilesKeepWorking() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            long h = fs.create("/gone", 0644);
            fs.write(h, ByteBuffer.wrap(bytes("abcdef")), 0);
            fs.unlink("/gone");
            assertEquals(Errno.ENOENT, errno(() -> fs.getattr("/gone")));
            fs.write(h, ByteBuffer.wrap(bytes("XY")), 6);
            fs.ftruncate(h, 7);
            fs.fsync(h, false);
            assertArrayEquals(bytes("abcdefX"), readAll(fs, h));
            assertEquals(7, fs.fgetattr(h).size());
            fs.release(h);

            // fstat after the unlink: the file's own mode and inode, no links; growing it far (past
            // the free-space check, which has no lower path to ask any more) works; a new file made
            // under the same name meanwhile is another file
            long g = fs.create("/g", 0640);
            long inode = fs.fgetattr(g).inode();
            fs.unlink("/g");
            FileAttributes a = fs.fgetattr(g);
            assertEquals(0640, a.mode());
            assertEquals(inode, a.inode());
            assertEquals(0, a.nlink());
            writeFile(fs, "/g", bytes("new"));
            fs.write(g, ByteBuffer.wrap(bytes("far")), 16 << 20);
            assertEquals((16 << 20) + 3, fs.fgetattr(g).size());
            fs.release(g);
            assertArrayEquals(bytes("new"), readFile(fs, "/g"));

            long m = fs.create("/a", 0644);
            fs.write(m, ByteBuffer.wrap(bytes("one")), 0);
            fs.rename("/a", "/b");
            fs.write(m, ByteBuffer.wrap(bytes("two")), 3);
            fs.release(m);
            assertArrayEquals(bytes("onetwo"), readFile(fs, "/b"));
        }
    }

    @Test
    void writesFarPastTheEndReadAsZerosAndFillEveryExtent() throws Exception {
        Path lower = newLower();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).cacheBytes(16 * 4096).build())) {
            long h = fs.create("/sparse", 0644);
            fs.write(h, ByteBuffer.wrap(bytes("0123456789")), 100_000);
            fs.release(h);
            byte[] back = readFile(fs, "/sparse");
            assertEquals(100_010, back.length);
            for (int i = 0; i < 100_000; i++) {
                if (back[i] != 0) {
                    throw new AssertionError("byte " + i + " is not zero");
                }
            }
        }
        assertEquals(8192 + 25 * 4096, Files.size(lower.resolve("sparse")));
        assertFalse(Files.readAllBytes(lower.resolve("sparse"))[8192 + 4096] == 0 && Files.readAllBytes(lower.resolve("sparse"))[8193 + 4096] == 0);
    }

    @Test
    void openFilesFollowARenamedDirectory() throws Exception {
        Path lower = newLower();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().headerInXattr(true).build())) {
            fs.mkdir("/d", 0755);
            long h = fs.create("/d/f", 0644);
            fs.write(h, ByteBuffer.wrap(bytes("before")), 0);
            fs.flush(h);
            fs.rename("/d", "/e");
            fs.write(h, ByteBuffer.wrap(bytes(" and after the move")), 6);
            fs.release(h);
            assertEquals(25, fs.getattr("/e/f").size());
        }
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            assertArrayEquals(bytes("before and after the move"), readFile(fs, "/e/f"));
        }
    }

    @Test
    void ftruncateNeedsAWritableHandle() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), plainNames(KEY_A).build())) {
            writeFile(fs, "/f", bytes("12345"));
            long r = fs.open("/f", OpenMode.READ);
            assertEquals(Errno.EINVAL, errno(() -> fs.ftruncate(r, 1)));
            fs.release(r);
            assertEquals(5, fs.getattr("/f").size());
        }
    }

    @Test
    void appendsFromSeveralThreadsNeverOverlap() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), plainNames(KEY_A).cacheBytes(8 * 4096).build())) {
            long h1 = fs.create("/log", 0644);
            long h2 = fs.open("/log", OpenMode.WRITE);
            Thread[] ts = new Thread[4];
            for (int t = 0; t < ts.length; t++) {
                long h = t % 2 == 0 ? h1 : h2;
                byte[] line = ("line from thread " + t + " ".repeat(40) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ts[t] = new Thread(() -> {
                    for (int i = 0; i < 500; i++) {
                        try {
                            fs.append(h, ByteBuffer.wrap(line));
                        } catch (FsException e) {
                            throw new AssertionError(e);
                        }
                    }
                });
                ts[t].start();
            }
            for (Thread t : ts) {
                t.join();
            }
            fs.release(h1);
            fs.release(h2);
            String all = new String(readFile(fs, "/log"), java.nio.charset.StandardCharsets.UTF_8);
            String[] lines = all.split("\n");
            assertEquals(2000, lines.length);
            for (String l : lines) {
                assertTrue(l.matches("line from thread [0-3] {40}"), l);
            }
        }
    }

    @Test
    void growingPastTheLowerFreeSpaceFailsFastInsteadOfFillingTheDisk() throws Exception {
        java.nio.file.FileSystem jimfs = com.google.common.jimfs.Jimfs.newFileSystem(com.google.common.jimfs.Configuration.unix()
                .toBuilder().setAttributeViews("basic", "owner", "posix", "unix", "user").setMaxSize(32L << 20).build());
        Path lower = Files.createDirectories(jimfs.getPath("/lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).build())) {
            writeFile(fs, "/f", bytes("hello"));
            assertEquals(Errno.ENOSPC, errno(() -> fs.truncate("/f", 1L << 30)));
            assertEquals(Errno.EFBIG, errno(() -> fs.truncate("/f", Long.MAX_VALUE - 1)));
            assertEquals(5, fs.getattr("/f").size());
            assertArrayEquals(bytes("hello"), readFile(fs, "/f"));
            fs.truncate("/f", 1 << 20); // what fits still grows
            assertEquals(1 << 20, fs.getattr("/f").size());
        }
    }
}
