package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.LowerHandles;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.fs.OpenMode;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /proc/self/fd handles on a real directory (ext4 under the temporary directory), no FUSE. */
class ProcFdLowerHandlesTest {
    private static final byte[] PASS = "long paths".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @Test
    void aHandleFollowsItsDirectoryAndFailsWithTheErrno() throws Exception {
        LowerHandles handles = ProcFdLowerHandles.create();
        assertNotNull(handles, "Linux with /proc");
        Path d = Files.createDirectory(tmp.resolve("d"));
        Files.writeString(d.resolve("f"), "in d");
        try (LowerHandles.Handle h = handles.open(d)) {
            assertTrue(h.path().startsWith("/proc/self/fd"), h.path().toString());
            Files.move(d, tmp.resolve("moved"));
            assertEquals("in d", Files.readString(h.path().resolve("f")));
            Files.writeString(h.path().resolve("g"), "through the handle");
            assertEquals("through the handle", Files.readString(tmp.resolve("moved/g")));
        }
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> handles.open(tmp.resolve("absent"))).errno());
        assertEquals(Errno.ENOTDIR, assertThrows(FsException.class, () -> handles.open(tmp.resolve("moved/f"))).errno());
    }

    /** Plaintext directories of 100 bytes, {@code depth} deep. */
    private static String deep(int depth) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            b.append('/').append((char) ('a' + i % 26)).append("123456789".repeat(11));
        }
        return b.toString();
    }

    private static MountOptions options(LowerHandles handles) {
        PassphraseKey key = PassphraseKey.derive(PASS, PassphraseKey.DEFAULT_SALT);
        PassphraseKey fnek = PassphraseKey.derive(PASS, PassphraseKey.FNEK_SALT);
        return MountOptions.builder(KeyRing.of(List.of(key), fnek)).encryptNames(true).lowerHandles(handles).build();
    }

    @Test
    void aFileAtAPlaintextPathOf4000BytesWorksInAnEncryptedLowerDirectory() throws Exception {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        String dir = deep(39); // 3,939 bytes; the lower path is over 5,000
        String file = dir + "/f" + "x".repeat(50);
        String renamed = dir + "/g" + "y".repeat(50);
        byte[] data = new byte[100_000];
        new java.util.Random(7).nextBytes(data);
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, options(ProcFdLowerHandles.create()))) {
            for (int i = dir.indexOf('/', 1); ; i = dir.indexOf('/', i + 1)) {
                fs.mkdir(i < 0 ? dir : dir.substring(0, i), 0755);
                if (i < 0) {
                    break;
                }
            }
            long h = fs.create(file, 0644);
            fs.write(h, ByteBuffer.wrap(data), 0);
            fs.release(h);
            assertEquals(data.length, fs.getattr(file).size());
            fs.rename(file, renamed);
            long r = fs.open(renamed, OpenMode.READ);
            ByteBuffer back = ByteBuffer.allocate(data.length + 1);
            while (fs.read(r, back, back.position()) > 0) {
                // reads until the end
            }
            fs.release(r);
            assertArrayEquals(data, java.util.Arrays.copyOf(back.array(), back.position()));
            fs.setxattr(renamed, "user.x", new byte[] {1}, 0);
            assertEquals(List.of("user.x"), fs.listxattr(renamed));
            fs.symlink("t", dir + "/l");
            assertEquals("t", fs.readlink(dir + "/l"));
            assertEquals(List.of(renamed.substring(dir.length() + 1), "l"), fs.readdir(dir).stream().sorted().toList());
        }
        // without handles the same path is too long for the kernel
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, options(null))) {
            assertEquals(Errno.ENAMETOOLONG, assertThrows(FsException.class, () -> fs.getattr(renamed)).errno());
        }
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, options(ProcFdLowerHandles.create()))) {
            fs.unlink(renamed);
            fs.unlink(dir + "/l");
            for (String d = dir; !d.isEmpty(); d = d.substring(0, d.lastIndexOf('/'))) {
                fs.rmdir(d);
            }
            assertEquals(List.of(), fs.readdir("/"));
        }
    }
}
