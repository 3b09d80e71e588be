package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.KEY_A;
import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.encryptedNames;
import static io.ucryptfs.core.fs.FsTestSupport.errno;
import static io.ucryptfs.core.fs.FsTestSupport.newLower;
import static io.ucryptfs.core.fs.FsTestSupport.plainNames;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Attributes and extended attributes: chmod, utimens, truncate by path, owners of new nodes, file types, user xattrs. */
class AttributesAndXattrsTest {

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
    void lowerModeTypeBitsNameTheFileType() {
        assertEquals(FileType.FIFO, LowerAttributes.typeOf(0010644));
        assertEquals(FileType.SOCKET, LowerAttributes.typeOf(0140755));
        assertEquals(FileType.CHAR_DEVICE, LowerAttributes.typeOf(0020600));
        assertEquals(FileType.BLOCK_DEVICE, LowerAttributes.typeOf(0060600));
        assertEquals(FileType.REGULAR, LowerAttributes.typeOf(0100644));
    }

    /**
     * Times set on a file still open with cached writes (tar, cp -a) go through its descriptor on a real
     * lower directory: they stick after the write-back and the release; an atime-only change keeps the
     * mtime of the write-back.
     */
    @Test
    void utimensOfAnOpenFileThroughItsDescriptorSticks(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(tmp, encryptedNames().build())) {
            long h = fs.create("/f", 0644);
            fs.write(h, ByteBuffer.wrap(bytes("cached, not yet written back")), 0);
            Instant m = Instant.ofEpochSecond(1_700_000_000L, 5);
            fs.utimens("/f", null, m);
            assertEquals(m, fs.getattr("/f").mtime());
            fs.release(h);
            assertEquals(m, fs.getattr("/f").mtime(), "after the release");
            assertArrayEquals(bytes("cached, not yet written back"), readFile(fs, "/f"));

            long h2 = fs.open("/f", OpenMode.READ_WRITE);
            fs.write(h2, ByteBuffer.wrap(bytes("X")), 0);
            Instant a = Instant.ofEpochSecond(1_600_000_000L, 7);
            fs.utimens("/f", a, null);
            Instant written = fs.getattr("/f").mtime();
            assertTrue(written.isAfter(m), "the write-back's mtime is kept: " + written);
            fs.release(h2);
            assertEquals(written, fs.getattr("/f").mtime());
            assertEquals(a, fs.getattr("/f").atime());
        }
    }

    /**
     * access(2) is the lower node's own check with the daemon's credentials: on a real lower directory,
     * where even root may not execute a file without an execute bit, and a lower symlink (whose target
     * is an encrypted name) is never followed.
     */
    @Test
    void accessIsTheLowerFilesOwnCheck(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(tmp, encryptedNames().build())) {
            writeFile(fs, "/f", bytes("data"));
            fs.chmod("/f", 0644);
            fs.access("/f", 0);
            fs.access("/f", 4 | 2);
            assertEquals(Errno.EACCES, errno(() -> fs.access("/f", 1)));
            fs.chmod("/f", 0755);
            fs.access("/f", 1);
            fs.symlink("no/such/target", "/l");
            fs.access("/l", 4);
            assertEquals(Errno.ENOENT, errno(() -> fs.access("/missing", 0)));
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
