package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.KEY_A;
import static io.ucryptfs.core.fs.FsTestSupport.KEY_B;
import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.encryptedNames;
import static io.ucryptfs.core.fs.FsTestSupport.newLower;
import static io.ucryptfs.core.fs.FsTestSupport.plainNames;
import static io.ucryptfs.core.fs.FsTestSupport.readAll;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class EcryptfsFileSystemTest {

    private static int errno(ThrowingRunnable r) {
        FsException e = assertThrows(FsException.class, r::run);
        return e.errno();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

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
    void renameReplacesFilesAndMovesDirectories() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            writeFile(fs, "/x", bytes("x"));
            writeFile(fs, "/y", bytes("yy"));
            fs.rename("/x", "/y");
            assertArrayEquals(bytes("x"), readFile(fs, "/y"));
            assertEquals(List.of("y"), fs.readdir("/"));
            fs.mkdir("/d1", 0755);
            fs.mkdir("/d2", 0755);
            writeFile(fs, "/d1/in", bytes("in"));
            fs.rename("/d1", "/d2");
            assertArrayEquals(bytes("in"), readFile(fs, "/d2/in"));
            fs.mkdir("/d3", 0755);
            writeFile(fs, "/d3/z", bytes("z"));
            assertEquals(Errno.ENOTEMPTY, errno(() -> fs.rename("/d2", "/d3")));
        }
    }

    @Test
    void hardLinksShareOneFile() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            writeFile(fs, "/a", bytes("shared"));
            fs.link("/a", "/b");
            assertEquals(2, fs.getattr("/a").nlink());
            assertEquals(fs.getattr("/a").inode(), fs.getattr("/b").inode());
            long ha = fs.open("/a", OpenMode.READ_WRITE);
            long hb = fs.open("/b", OpenMode.READ);
            fs.write(ha, ByteBuffer.wrap(bytes("SHARED!")), 0);
            assertArrayEquals(bytes("SHARED!"), readAll(fs, hb));
            fs.release(ha);
            fs.release(hb);
            fs.unlink("/a");
            assertArrayEquals(bytes("SHARED!"), readFile(fs, "/b"));
        }
    }

    @Test
    void symlinksWithEncryptedTargets() throws Exception {
        Path lower = newLower();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            fs.symlink("../some/where", "/link");
            assertEquals("../some/where", fs.readlink("/link"));
            FileAttributes a = fs.getattr("/link");
            assertEquals(FileType.SYMLINK, a.type());
            assertEquals(13, a.size());
        }
        try (Stream<Path> s = Files.list(lower)) {
            Path l = s.findFirst().orElseThrow();
            assertTrue(Files.readSymbolicLink(l).toString().startsWith("ECRYPTFS_FNEK_ENCRYPTED."));
        }
    }

    @Test
    void undecryptableLowerNamesAreSkipped() throws Exception {
        Path lower = newLower();
        Files.writeString(lower.resolve("lost+found"), "not ours");
        Files.writeString(lower.resolve("ECRYPTFS_FNEK_ENCRYPTED.garbage"), "not ours");
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            writeFile(fs, "/real", bytes("r"));
            assertEquals(List.of("real"), fs.readdir("/"));
        }
    }

    @Test
    void nameLimits() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            assertEquals(143, fs.statfs().maxNameLength());
            writeFile(fs, "/" + "n".repeat(143), bytes("ok"));
            assertEquals(Errno.ENAMETOOLONG, errno(() -> fs.create("/" + "n".repeat(144), 0644)));
        }
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), plainNames(KEY_A).build())) {
            assertEquals(255, fs.statfs().maxNameLength());
            assertEquals(Errno.ENAMETOOLONG, errno(() -> fs.create("/" + "n".repeat(256), 0644)));
        }
    }

    @Test
    void posixErrors() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            fs.mkdir("/d", 0755);
            writeFile(fs, "/d/f", bytes("f"));
            assertEquals(Errno.ENOENT, errno(() -> fs.getattr("/nope")));
            assertEquals(Errno.EEXIST, errno(() -> fs.create("/d/f", 0644)));
            assertEquals(Errno.EEXIST, errno(() -> fs.mkdir("/d", 0755)));
            assertEquals(Errno.EISDIR, errno(() -> fs.open("/d", OpenMode.READ)));
            assertEquals(Errno.EISDIR, errno(() -> fs.unlink("/d")));
            assertEquals(Errno.ENOTEMPTY, errno(() -> fs.rmdir("/d")));
            assertEquals(Errno.ENOTDIR, errno(() -> fs.rmdir("/d/f")));
            assertEquals(Errno.ENOTDIR, errno(() -> fs.readdir("/d/f")));
            assertEquals(Errno.ENOENT, errno(() -> fs.open("/nope", OpenMode.READ)));
            fs.unlink("/d/f");
            fs.rmdir("/d");
            assertEquals(List.of(), fs.readdir("/"));
        }
    }

    @Test
    void readOnlyMountRefusesChanges() throws Exception {
        Path lower = newLower();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).build())) {
            writeFile(fs, "/f", bytes("f"));
        }
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).readOnly(true).build())) {
            assertArrayEquals(bytes("f"), readFile(fs, "/f"));
            assertEquals(Errno.EROFS, errno(() -> fs.create("/g", 0644)));
            assertEquals(Errno.EROFS, errno(() -> fs.open("/f", OpenMode.WRITE)));
            assertEquals(Errno.EROFS, errno(() -> fs.unlink("/f")));
            assertEquals(Errno.EROFS, errno(() -> fs.truncate("/f", 0)));
        }
    }

    @Test
    void aFileWithoutOurKeyFailsClearlyAndIsNotTouched() throws Exception {
        Path lower = newLower();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).build())) {
            writeFile(fs, "/secret", bytes("for A only"));
        }
        byte[] before = Files.readAllBytes(lower.resolve("secret"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_B).build())) {
            assertEquals(List.of("secret"), fs.readdir("/"));
            assertEquals(10, fs.getattr("/secret").size());
            FsException e = assertThrows(FsException.class, () -> fs.open("/secret", OpenMode.READ_WRITE));
            assertEquals(Errno.EACCES, e.errno());
            assertTrue(e.getMessage().contains("/secret"), e.getMessage());
            assertTrue(e.getMessage().contains("no key for this file"), e.getMessage());
            assertTrue(e.getMessage().contains(KEY_A.signature()), e.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(lower.resolve("secret")));
    }

    @Test
    void nonEcryptfsLowerFilesFailUnlessPassedThrough() throws Exception {
        Path lower = newLower();
        Files.writeString(lower.resolve("plain.txt"), "just text, not eCryptfs");
        byte[] before = Files.readAllBytes(lower.resolve("plain.txt"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).build())) {
            assertEquals(before.length, fs.getattr("/plain.txt").size());
            FsException e = assertThrows(FsException.class, () -> fs.open("/plain.txt", OpenMode.READ_WRITE));
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains("/plain.txt") && e.getMessage().contains("bad marker"), e.getMessage());
        }
        assertArrayEquals(before, Files.readAllBytes(lower.resolve("plain.txt")));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).passthrough(true).build())) {
            assertArrayEquals(before, readFile(fs, "/plain.txt"));
        }
    }

    @Test
    void anEmptyLowerFileOpensAsAnEmptyFileAndGetsAHeader() throws Exception {
        Path lower = newLower();
        Files.createFile(lower.resolve("crashed"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).build())) {
            assertEquals(0, fs.getattr("/crashed").size());
            assertArrayEquals(new byte[0], readFile(fs, "/crashed"));
        }
        assertEquals(8192, Files.size(lower.resolve("crashed")));
    }

    @Test
    void truncateChmodUtimens() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            writeFile(fs, "/f", bytes("0123456789"));
            fs.truncate("/f", 4);
            assertArrayEquals(bytes("0123"), readFile(fs, "/f"));
            fs.truncate("/f", 6);
            assertArrayEquals(new byte[] {'0', '1', '2', '3', 0, 0}, readFile(fs, "/f"));
            fs.chmod("/f", 0600);
            assertEquals(0600, fs.getattr("/f").mode());
            Instant t = Instant.parse("2020-01-02T03:04:05Z");
            fs.utimens("/f", t, t);
            assertEquals(t, fs.getattr("/f").mtime());
        }
    }

    @Test
    void utimensOnAFileStillOpenWithCachedWritesSticksAfterRelease() throws Exception {
        // cp -a and tar x: write, set the times through the open file, then close
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            long h = fs.create("/f", 0644);
            fs.write(h, ByteBuffer.wrap(bytes("cached, not yet written back")), 0);
            Instant t = Instant.parse("2020-01-02T03:04:05Z");
            fs.utimens("/f", t, t);
            Thread.sleep(5);
            fs.flush(h);
            fs.release(h);
            assertEquals(t, fs.getattr("/f").mtime());
            assertArrayEquals(bytes("cached, not yet written back"), readFile(fs, "/f"));
        }
    }

    @Test
    void userXattrsPassThroughAndTheHeaderXattrIsHidden() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), plainNames(KEY_A).headerInXattr(true).build())) {
            writeFile(fs, "/f", bytes("data in extents, header in xattr"));
            assertEquals(List.of(), fs.listxattr("/f"));
            fs.setxattr("/f", "user.color", bytes("blue"));
            assertArrayEquals(bytes("blue"), fs.getxattr("/f", "user.color"));
            assertEquals(Set.of("user.color"), Set.copyOf(fs.listxattr("/f")));
            assertEquals(Errno.ENODATA, errno(() -> fs.getxattr("/f", "user.ecryptfs")));
            assertEquals(Errno.EPERM, errno(() -> fs.setxattr("/f", "user.ecryptfs", bytes("x"))));
            assertEquals(Errno.EOPNOTSUPP, errno(() -> fs.setxattr("/f", "trusted.x", bytes("x"))));
            fs.removexattr("/f", "user.color");
            assertEquals(Errno.ENODATA, errno(() -> fs.getxattr("/f", "user.color")));
            assertEquals(bytes("data in extents, header in xattr").length, fs.getattr("/f").size());
            assertArrayEquals(bytes("data in extents, header in xattr"), readFile(fs, "/f"));
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
    void emptyFilesWithTheirHeaderInAnXattrKeepTheirKey() throws Exception {
        Path lower = newLower();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).headerInXattr(true).build())) {
            writeFile(fs, "/empty", new byte[0]);
        }
        assertEquals(0, Files.size(lower.resolve("empty")));
        byte[] header = io.ucryptfs.core.file.Xattrs.get(lower.resolve("empty"), "user.ecryptfs").orElseThrow();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).build())) {
            assertArrayEquals(new byte[0], readFile(fs, "/empty"));
            long h = fs.open("/empty", OpenMode.READ_WRITE);
            fs.release(h);
        }
        assertArrayEquals(header, io.ucryptfs.core.file.Xattrs.get(lower.resolve("empty"), "user.ecryptfs").orElseThrow());
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
    void newNodesBelongToTheirCreator() throws Exception {
        Path lower = newLower();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).build())) {
            Owner nobody = new Owner(65534, 65533);
            fs.release(fs.create("/f", 0640, nobody));
            fs.mkdir("/d", 0750, nobody);
            fs.symlink("f", "/l", nobody);
            fs.release(fs.create("/mine", 0644, Owner.DAEMON));
            for (String n : List.of("f", "d", "l")) {
                Path p = lower.resolve(n);
                assertEquals("65534", Files.getOwner(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).getName(), n);
                assertEquals("65533", Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS).group().getName(), n);
            }
            assertEquals(Files.getOwner(lower).getName(), Files.getOwner(lower.resolve("mine")).getName());
            // the mode is set after the chown, which would clear set-ID bits
            assertEquals(0640, fs.getattr("/f").mode());
            assertEquals(0750, fs.getattr("/d").mode());
        }
    }

    @Test
    void mknodMakesAPlainLowerNodeUnderTheEncryptedName() throws Exception {
        Path lower = newLower();
        List<String> made = new java.util.ArrayList<>();
        // jimfs has no FIFOs: the stand-in records the call and leaves an empty file
        SpecialNodes fake = (p, type, mode, rdev) -> {
            made.add(p.getFileName() + " " + type + " " + Integer.toOctalString(mode) + " " + rdev);
            Files.createFile(p);
        };
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().specialNodes(fake).build())) {
            fs.mknod("/fifo", FileType.FIFO, 0640, 0, new Owner(65534, 65534));
            String lowerName = Files.list(lower).findFirst().orElseThrow().getFileName().toString();
            assertTrue(lowerName.startsWith("ECRYPTFS_FNEK_ENCRYPTED."), lowerName);
            assertEquals(List.of(lowerName + " FIFO 640 0"), made);
            assertEquals(List.of("fifo"), fs.readdir("/"));
            assertEquals("65534", Files.getOwner(lower.resolve(lowerName)).getName());
            assertEquals(0640, fs.getattr("/fifo").mode());
            assertEquals(Errno.EEXIST, errno(() -> fs.mknod("/fifo", FileType.FIFO, 0640, 0, Owner.DAEMON)));
            // a regular file through mknod is an ordinary (encrypted) empty file
            fs.mknod("/reg", FileType.REGULAR, 0600, 0, Owner.DAEMON);
            assertEquals(0, fs.getattr("/reg").size());
            assertEquals(FileType.REGULAR, fs.getattr("/reg").type());
        }
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            assertEquals(Errno.EPERM, errno(() -> fs.mknod("/fifo", FileType.FIFO, 0640, 0, Owner.DAEMON)));
        }
    }

    @Test
    void lowerModeTypeBitsNameTheFileType() {
        assertEquals(FileType.FIFO, LowerAttributes.typeOf(0010644));
        assertEquals(FileType.SOCKET, LowerAttributes.typeOf(0140755));
        assertEquals(FileType.CHAR_DEVICE, LowerAttributes.typeOf(0020600));
        assertEquals(FileType.BLOCK_DEVICE, LowerAttributes.typeOf(0060600));
        assertEquals(FileType.REGULAR, LowerAttributes.typeOf(0100644));
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

    @Test
    void setxattrHonoursCreateAndReplace() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), plainNames(KEY_A).build())) {
            writeFile(fs, "/f", bytes("x"));
            assertEquals(Errno.ENODATA, errno(() -> fs.setxattr("/f", "user.a", bytes("1"), CryptFileSystem.XATTR_REPLACE)));
            fs.setxattr("/f", "user.a", bytes("1"), CryptFileSystem.XATTR_CREATE);
            assertEquals(Errno.EEXIST, errno(() -> fs.setxattr("/f", "user.a", bytes("2"), CryptFileSystem.XATTR_CREATE)));
            fs.setxattr("/f", "user.a", bytes("3"), CryptFileSystem.XATTR_REPLACE);
            assertArrayEquals(bytes("3"), fs.getxattr("/f", "user.a"));
        }
    }
}
