package io.ucryptfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where a background mount keeps its log and pid: {@code $XDG_STATE_HOME/ucryptfs} (default
 * {@code ~/.local/state/ucryptfs}), one pair per mount point, named after its absolute path.
 */
final class StateFiles {
    private StateFiles() {}

    static Path dir() throws IOException {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        Path d = base.resolve("ucryptfs");
        if (!Files.isDirectory(d)) {
            Files.createDirectories(d);
            try {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX filesystem: leave it
            }
        }
        return d;
    }

    private static String key(Path mountPoint) {
        String s = mountPoint.toAbsolutePath().normalize().toString();
        return s.equals("/") ? "root" : s.substring(1).replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static Path log(Path mountPoint) throws IOException {
        return dir().resolve(key(mountPoint) + ".log");
    }

    static Path pid(Path mountPoint) throws IOException {
        return dir().resolve(key(mountPoint) + ".pid");
    }
}
