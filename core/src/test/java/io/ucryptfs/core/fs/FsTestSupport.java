package io.ucryptfs.core.fs;

import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A jimfs lower directory, keys derived once and small helpers, shared by the filesystem tests. */
final class FsTestSupport {
    private FsTestSupport() {}

    static final PassphraseKey KEY_A = PassphraseKey.derive("passphrase A".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
    static final PassphraseKey KEY_B = PassphraseKey.derive("passphrase B".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
    static final PassphraseKey FNEK_A = PassphraseKey.derive("passphrase A".getBytes(StandardCharsets.UTF_8), PassphraseKey.FNEK_SALT);

    static Path newLower() throws Exception {
        FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix", "user")
                .build());
        return Files.createDirectories(jimfs.getPath("/lower"));
    }

    static MountOptions.Builder plainNames(PassphraseKey key) {
        return MountOptions.builder(KeyRing.of(List.of(key), null));
    }

    static MountOptions.Builder encryptedNames() {
        return MountOptions.builder(KeyRing.of(List.of(KEY_A), FNEK_A)).encryptNames(true);
    }

    static void writeFile(CryptFileSystem fs, String path, byte[] data) throws Exception {
        long h = fs.create(path, 0644);
        try {
            fs.write(h, ByteBuffer.wrap(data), 0);
        } finally {
            fs.release(h);
        }
    }

    static byte[] readFile(CryptFileSystem fs, String path) throws Exception {
        long h = fs.open(path, OpenMode.READ);
        try {
            return readAll(fs, h);
        } finally {
            fs.release(h);
        }
    }

    static byte[] readAll(CryptFileSystem fs, long h) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long off = 0;
        while (true) {
            buf.clear();
            int n = fs.read(h, buf, off);
            if (n == 0) {
                return out.toByteArray();
            }
            out.write(buf.array(), 0, n);
            off += n;
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static int errno(ThrowingRunnable r) {
        FsException e = assertThrows(FsException.class, r::run);
        return e.errno();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
