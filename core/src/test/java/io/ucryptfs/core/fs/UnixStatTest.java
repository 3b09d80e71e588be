package io.ucryptfs.core.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lstat through the JDK's own attributes gives what the attribute views give, and missing files as errnos. */
class UnixStatTest {
    @TempDir
    Path dir;

    private final LowerAttributes attributes = new LowerAttributes();

    @Test
    void theTestsRunTheFastPath() {
        // surefire opens sun.nio.fs as the daemon and the launcher do; without it every test below
        // would compare the views with themselves
        assertTrue(UnixStat.handles(dir), "java.base/sun.nio.fs is not opened to the tests");
    }

    @Test
    void sameAttributesAsTheViews() throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[12345]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-x---"));
        Path link = Files.createLink(dir.resolve("hard"), file);
        Path sub = Files.createDirectory(dir.resolve("d"));
        Path symlink = Files.createSymbolicLink(dir.resolve("s"), Path.of("f"));
        for (Path p : new Path[] {file, link, sub, symlink, dir}) {
            LowerAttributes.Raw fast = UnixStat.lstat(p);
            LowerAttributes.Raw views = attributes.readThroughViews(p);
            assertEquals(views, fast, p.toString());
        }
        assertEquals(UnixStat.lstat(file).inode(), UnixStat.lstat(link).inode(), "hard links share the key");
        assertEquals(2, UnixStat.lstat(file).nlink());
        assertEquals(FileType.SYMLINK, UnixStat.lstat(symlink).type(), "a symlink is not followed");
        assertEquals(0750, UnixStat.lstat(file).mode());
    }

    @Test
    void missingFilesAreErrnosWithoutStackTraces() throws Exception {
        UnixStat.Missing gone = assertThrows(UnixStat.Missing.class, () -> UnixStat.lstat(dir.resolve("nope")));
        assertEquals(Errno.ENOENT, gone.errno);
        assertEquals(0, gone.getStackTrace().length);
        Path file = Files.createFile(dir.resolve("file"));
        UnixStat.Missing notDir = assertThrows(UnixStat.Missing.class, () -> UnixStat.lstat(file.resolve("x")));
        assertEquals(Errno.ENOTDIR, notDir.errno);
        // and the plaintext view gets the same errno as from the JDK's exceptions
        assertEquals(Errno.ENOENT, IoErrors.toFs(gone, "/a").errno());
        assertEquals(Errno.ENOTDIR, IoErrors.toFs(notDir, "/a").errno());
        assertEquals(Errno.ENOENT, IoErrors.toFs(assertThrows(java.io.IOException.class,
                () -> attributes.read(dir.resolve("nope"))), "/a").errno());
    }

    @Test
    void otherErrorsFallBackToTheJdksException() throws Exception {
        // a name too long for the lower filesystem: not "missing", so the views throw their own exception
        Path tooLong = dir.resolve("x".repeat(300));
        assertEquals(null, UnixStat.lstat(tooLong));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> attributes.read(tooLong));
        assertEquals(Errno.ENAMETOOLONG, IoErrors.toFs(e, "/a").errno());
    }

    @Test
    void otherFilesystemsUseTheViews() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix").build())) {
            Path p = Files.write(fs.getPath("/f"), new byte[7]);
            assertFalse(UnixStat.handles(p));
            assertEquals(7, attributes.read(p).size());
        }
    }
}
