package io.ucryptfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Unmounts with the setuid {@code fusermount} of fuse3 (works for the user who mounted, and for root). */
public final class Fusermount {
    private Fusermount() {}

    /** Runs {@code fusermount -u [-z] MOUNTPOINT}; returns its output (empty on success). */
    public static String unmount(Path mountPoint, boolean lazy) throws IOException {
        String tool = Files.isExecutable(Path.of("/usr/bin/fusermount3")) ? "/usr/bin/fusermount3" : "fusermount";
        List<String> cmd = lazy ? List.of(tool, "-u", "-z", mountPoint.toString()) : List.of(tool, "-u", mountPoint.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }
}
