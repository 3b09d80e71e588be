package io.ucryptfs.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A fresh empty lower directory and mount point per test; every mount unmounted after it ({@link Mounts}). */
abstract class FuseTestBase {

    @RegisterExtension
    final Mounts mounts = new Mounts();

    @TempDir
    Path tmp;

    Path lower;
    Path mnt;

    @BeforeEach
    void dirs() throws Exception {
        lower = Files.createDirectories(tmp.resolve("lower"));
        mnt = Files.createDirectories(tmp.resolve("mnt"));
    }
}
