package io.ucryptfs.core.fs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixUnlinkTest {
    @TempDir
    Path dir;

    @Test
    void removesAFileOrASymlinkAndFailsAsFilesDeleteWould() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        Path l = Files.createSymbolicLink(dir.resolve("l"), dir.resolve("nowhere"));
        UnixUnlink.unlink(f);
        UnixUnlink.unlink(l);
        assertFalse(Files.exists(f));
        assertFalse(Files.exists(l, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertThrows(NoSuchFileException.class, () -> UnixUnlink.unlink(f), "the JDK's own exception");
        Path d = Files.createDirectory(dir.resolve("d"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> UnixUnlink.unlink(d));
        org.junit.jupiter.api.Assertions.assertEquals(Errno.EISDIR, IoErrors.errnoOf(e), e.toString());
    }
}
