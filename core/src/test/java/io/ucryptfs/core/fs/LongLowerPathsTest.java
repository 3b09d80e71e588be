package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.encryptedNames;
import static io.ucryptfs.core.fs.FsTestSupport.newLower;
import static io.ucryptfs.core.fs.FsTestSupport.readAll;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.names.PlainNames;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lower paths longer than the limit, reached through {@link LowerHandles} ({@link FakeLowerHandles}
 * on jimfs, with a limit of a few hundred bytes instead of the kernel's 4,096).
 */
class LongLowerPathsTest {
    private static final int LIMIT = 300;

    /** "/" plus {@code depth} directory names of {@code len} characters. */
    private static String deepDir(int depth, int len) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            b.append('/').append(Character.toString('a' + i).repeat(len));
        }
        return b.toString();
    }

    /** mkdir -p, one directory at a time (each deeper one through handles). */
    private static void mkdirs(CryptFileSystem fs, String dir) throws FsException {
        for (int i = dir.indexOf('/', 1); ; i = dir.indexOf('/', i + 1)) {
            fs.mkdir(i < 0 ? dir : dir.substring(0, i), 0755);
            if (i < 0) {
                return;
            }
        }
    }

    @Test
    void aShortPathIsTheLowerPathAndOpensNothing() throws Exception {
        FakeLowerHandles fake = new FakeLowerHandles(LIMIT);
        Path root = newLower();
        LowerPaths paths = new LowerPaths(root, new PlainNames(), fake, LIMIT);
        Path lower = paths.lower("/x/y");
        try (LowerPaths.Reach r = paths.reach(lower)) {
            assertSame(lower, r.at());
            assertFalse(r.throughHandles());
        }
        assertEquals(0, fake.opened);
    }

    @Test
    void aLongPathGoesThroughAChainOfHandlesClosedWithTheReach() throws Exception {
        FakeLowerHandles fake = new FakeLowerHandles(LIMIT);
        Path root = newLower();
        LowerPaths paths = new LowerPaths(root, new PlainNames(), fake, LIMIT);
        String dir = deepDir(12, 90); // ~1,100 bytes: three or four handles deep
        Files.createDirectories(paths.lower(dir));
        Path file = paths.lower(dir + "/f");
        Files.write(file, bytes("deep"));
        try (LowerPaths.Reach r = paths.reach(dir + "/f")) {
            assertEquals(file, r.lower());
            assertTrue(r.throughHandles());
            assertTrue(LowerPaths.utf8Length(r.at().toString()) <= LIMIT, r.at().toString());
            assertEquals("f", r.at().getFileName().toString()); // never the handle's own path
            assertArrayEquals(bytes("deep"), Files.readAllBytes(r.at()));
            assertTrue(fake.openNow() >= 3, "handles: " + fake.openNow());
        }
        assertEquals(0, fake.openNow());
        // a directory that is not there: the error of the path walk, nothing left open
        assertThrows(java.nio.file.NoSuchFileException.class, () -> paths.reach(deepDir(12, 90).replace('b', 'z') + "/f"));
        assertEquals(0, fake.openNow());
    }

    @Test
    void sizesCountUtf8Bytes() {
        assertEquals(3, LowerPaths.utf8Length("abc"));
        assertEquals(2, LowerPaths.utf8Length("é"));
        assertEquals(3, LowerPaths.utf8Length("€"));
        assertEquals(4, LowerPaths.utf8Length("😀"));
    }

    @Test
    void everyOperationWorksAtADeepPathAndLeavesNoHandleOpen() throws Exception {
        FakeLowerHandles fake = new FakeLowerHandles(LIMIT);
        Path lower = newLower();
        MountOptions o = encryptedNames().lowerHandles(fake).build();
        try (EcryptfsFileSystem fs = EcryptfsFileSystem.open(lower, o, LIMIT)) {
            String d = deepDir(8, 60);
            mkdirs(fs, d);
            assertEquals(0, fake.openNow());
            String f = d + "/file";
            writeFile(fs, f, bytes("hello, deep world"));
            assertEquals(0, fake.openNow());
            assertTrue(fake.opened > 0);
            assertEquals(17, fs.getattr(f).size());
            assertArrayEquals(bytes("hello, deep world"), readFile(fs, f));
            assertEquals(List.of("file"), fs.readdir(d));

            fs.chmod(f, 0600);
            assertEquals(0600, fs.getattr(f).mode() & 07777);
            Instant t = Instant.parse("2020-01-02T03:04:05Z");
            fs.utimens(f, t, t);
            assertEquals(t, fs.getattr(f).mtime());
            fs.truncate(f, 5);
            assertArrayEquals(bytes("hello"), readFile(fs, f));
            fs.setxattr(f, "user.k", bytes("v"), 0);
            assertArrayEquals(bytes("v"), fs.getxattr(f, "user.k"));
            assertEquals(List.of("user.k"), fs.listxattr(f));
            fs.removexattr(f, "user.k");

            fs.symlink("../elsewhere", d + "/link");
            assertEquals("../elsewhere", fs.readlink(d + "/link"));
            assertEquals(12, fs.getattr(d + "/link").size());
            fs.link(f, d + "/hard");
            assertEquals(2, fs.getattr(f).nlink());

            // rename between two deep directories, both sides through handles
            String other = d.substring(0, d.lastIndexOf('/')) + "/" + "q".repeat(60);
            fs.mkdir(other, 0755);
            fs.rename(f, other + "/moved");
            assertArrayEquals(bytes("hello"), readFile(fs, other + "/moved"));
            fs.unlink(other + "/moved");
            fs.unlink(d + "/hard");
            fs.unlink(d + "/link");
            fs.rmdir(other);
            fs.rmdir(d);
            assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> fs.getattr(d)).errno());
            assertEquals(0, fake.openNow());
        }
    }

    @Test
    void anOpenFileKeepsItsPathThroughRenamesAndClosesItsHandlesWithTheFile() throws Exception {
        FakeLowerHandles fake = new FakeLowerHandles(LIMIT);
        Path lower = newLower();
        // the header in an xattr: the open file sets its size there through the path it keeps
        MountOptions o = encryptedNames().headerInXattr(true).lowerHandles(fake).build();
        String d = deepDir(6, 60);
        try (EcryptfsFileSystem fs = EcryptfsFileSystem.open(lower, o, LIMIT)) {
            mkdirs(fs, d);
            long h = fs.create(d + "/a", 0644);
            assertEquals(1, fake.openNow()); // its directory, while it is open
            fs.write(h, ByteBuffer.wrap(bytes("one")), 0);
            fs.flush(h);
            fs.rename(d + "/a", d + "/b");
            fs.write(h, ByteBuffer.wrap(bytes("two")), 3);
            fs.flush(h);
            assertEquals(6, fs.fgetattr(h).size());
            long r = fs.open(d + "/b", OpenMode.READ);
            assertArrayEquals(bytes("onetwo"), readAll(fs, r));
            fs.release(r);
            fs.release(h);
            assertEquals(0, fake.openNow());
        }
        try (EcryptfsFileSystem fs = EcryptfsFileSystem.open(lower, o, LIMIT)) {
            assertEquals(6, fs.getattr(d + "/b").size());
            assertArrayEquals(bytes("onetwo"), readFile(fs, d + "/b"));
        }
    }
}
