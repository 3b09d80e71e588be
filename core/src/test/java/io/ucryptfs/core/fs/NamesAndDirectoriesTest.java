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
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Names and directory entries: rename, links, symlinks, mknod, readdir of lower names, name limits and errnos of mkdir, rmdir, unlink. */
class NamesAndDirectoriesTest {

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

    /** Lower paths of directories are cached: a renamed or removed directory's old path must not live on. */
    @Test
    void aRenamedDirectoryIsFoundUnderItsNewNameOnly() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            fs.mkdir("/a", 0755);
            fs.mkdir("/a/b", 0755);
            writeFile(fs, "/a/b/f", bytes("one"));
            assertArrayEquals(bytes("one"), readFile(fs, "/a/b/f"));
            fs.rename("/a", "/c");
            assertArrayEquals(bytes("one"), readFile(fs, "/c/b/f"));
            assertEquals(Errno.ENOENT, errno(() -> fs.getattr("/a/b/f")));
            fs.mkdir("/a", 0755);
            fs.mkdir("/a/b", 0755);
            writeFile(fs, "/a/b/f", bytes("two"));
            assertArrayEquals(bytes("two"), readFile(fs, "/a/b/f"));
            assertArrayEquals(bytes("one"), readFile(fs, "/c/b/f"));
            assertEquals(List.of("f"), fs.readdir("/c/b"));
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

    /** A hint: it changes nothing, and a path it cannot read (gone, a file, undecryptable) is no error. */
    @Test
    void readAheadOfADirectoryChangesNothingAndIgnoresWhatItCannotRead() throws Exception {
        Path lower = newLower();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            fs.mkdir("/d", 0755);
            fs.mkdir("/d/e", 0755);
            writeFile(fs, "/d/e/f", bytes("f"));
            List<String> before;
            try (Stream<Path> s = Files.walk(lower)) {
                before = s.map(Path::toString).sorted().toList();
            }
            for (String p : List.of("/d", "/d/e", "/", "/d/e/f", "/missing", "/d/missing/deeper")) {
                fs.readAhead(p);
            }
            try (Stream<Path> s = Files.walk(lower)) {
                assertEquals(before, s.map(Path::toString).sorted().toList());
            }
            assertEquals(List.of("e"), fs.readdir("/d"));
            assertEquals(List.of("f"), fs.readdir("/d/e"));
        }
    }

    @Test
    void prefetchAdvisesTheLowerFileOfARegularFileOnlyAndIgnoresWhatItCannotReach() throws Exception {
        Path lower = newLower();
        record Advice(Path file, long length) {}
        List<Advice> advised = new java.util.ArrayList<>();
        PageCacheAdvice recording = (file, length) -> advised.add(new Advice(file, length));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().pageCacheAdvice(recording).build())) {
            fs.mkdir("/d", 0755);
            writeFile(fs, "/d/small", bytes("s"));
            writeFile(fs, "/d/big", new byte[300_000]);
            writeFile(fs, "/d/empty", new byte[0]);
            fs.symlink("small", "/d/link");
            for (String p : List.of("/d/small", "/d/big", "/d/empty", "/d/link", "/d", "/missing", "/d/missing/deeper")) {
                fs.prefetch(p);
            }
            assertEquals(3, advised.size(), "the three files (an empty one has its header to read); not the link,"
                    + " the directory or a missing name: " + advised);
            Advice small = advised.get(0);
            Advice big = advised.get(1);
            Advice empty = advised.get(2);
            assertEquals(Files.size(empty.file()), empty.length(), "the empty file's header");
            assertEquals(Files.size(small.file()), small.length(), "a small file is read whole");
            assertTrue(Files.size(small.file()) > 8192, "header and the extent");
            assertEquals(FilePrefetch.BYTES, big.length(), "a big one up to the limit");
            assertTrue(Files.size(big.file()) > 300_000);
            assertEquals(2, big.file().getNameCount() - lower.getNameCount(), "the lower file under the lower /d");
            assertArrayEquals(bytes("s"), readFile(fs, "/d/small"));
        }
    }

    @Test
    void prefetchWithoutAdviceChangesNothing() throws Exception {
        Path lower = newLower();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            writeFile(fs, "/f", bytes("f"));
            fs.prefetch("/f");
            assertArrayEquals(bytes("f"), readFile(fs, "/f"));
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
}
