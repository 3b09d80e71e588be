package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.KEY_A;
import static io.ucryptfs.core.fs.FsTestSupport.KEY_B;
import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.errno;
import static io.ucryptfs.core.fs.FsTestSupport.newLower;
import static io.ucryptfs.core.fs.FsTestSupport.plainNames;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lower files under another key or in another format (not eCryptfs, empty, header in an xattr), passthrough and read-only mounts. */
class KeysAndFormatsTest {

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
}
