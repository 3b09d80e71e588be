package io.ucryptfs.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh empty lower directory and mount point per test; every mount unmounted after it ({@link Mounts}),
 * every file holder ({@link #hold}) stopped.
 */
abstract class FuseTestBase {

    @RegisterExtension
    final Mounts mounts = new Mounts();

    @TempDir
    Path tmp;

    Path lower;
    Path mnt;

    private final List<Holder> holders = new ArrayList<>();

    /** A python3 process holding {@code file} open; killed after the test if still running. */
    Holder hold(Path file) throws IOException {
        Holder h = new Holder(file);
        holders.add(h);
        return h;
    }

    @AfterEach
    void stopHolders() throws Exception {
        for (Holder h : holders) {
            h.close();
        }
        holders.clear();
    }

    @BeforeEach
    void dirs() throws Exception {
        lower = Files.createDirectories(tmp.resolve("lower"));
        mnt = Files.createDirectories(tmp.resolve("mnt"));
    }
}
