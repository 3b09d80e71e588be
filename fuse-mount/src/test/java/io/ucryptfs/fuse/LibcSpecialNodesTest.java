package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.fs.Owner;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device nodes made through libc in a real lower directory, no FUSE: as root (the test suite's usual
 * user) the node keeps its device number; as another user mknod is refused with EPERM, as Linux
 * refuses it, and nothing is left behind.
 */
class LibcSpecialNodesTest {
    @TempDir
    Path tmp;

    @Test
    void aDeviceNodeShowsItsDeviceNumber() throws Exception {
        boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        PassphraseKey key = PassphraseKey.derive("dev".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        MountOptions o = MountOptions.builder(KeyRing.of(key)).specialNodes(new LibcSpecialNodes()).build();
        try (CryptFileSystem fs = EcryptfsFileSystem.open(Files.createDirectory(tmp.resolve("lower")), o)) {
            long rdev = (1 << 8) | 2; // 1,2 in the old encoding, as pjdfstest's mknod_11
            if (!root) {
                FsException e = assertThrows(FsException.class,
                        () -> fs.mknod("/c", FileType.CHAR_DEVICE, 0644, rdev, Owner.DAEMON));
                assertEquals(Errno.EPERM, e.errno(), e.getMessage());
                assertEquals(0, fs.readdir("/").size(), "nothing left behind");
                return;
            }
            fs.mknod("/c", FileType.CHAR_DEVICE, 0644, rdev, Owner.DAEMON);
            FileAttributes a = fs.getattr("/c");
            assertEquals(FileType.CHAR_DEVICE, a.type());
            assertEquals(rdev, a.rdev());
        }
    }
}
