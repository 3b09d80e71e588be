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

    /**
     * Where the plaintext sizes of lower directory {@code lower} are kept between mounts (core's
     * {@code SavedSizes}), named after its real path, so that each lower directory has its own whatever
     * the mount point; a hash of it where the name would be too long for a file name. Null when there is
     * no state directory to keep them in: the mount then reads headers, as it would anyway.
     */
    static Path sizes(Path lower) {
        try {
            String key = key(lower.toRealPath());
            String name = key + ".sizes";
            return dir().resolve(name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 200 ? name
                    : "sizes-" + java.util.HexFormat.of().formatHex(sha256(key), 0, 12) + ".sizes");
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The daemon's control socket ({@link ControlChannel}). A Unix socket's path holds at most 107 bytes,
     * so a long mount point's gets a name made from a hash of the key instead.
     */
    static Path control(Path mountPoint) throws IOException {
        Path d = dir();
        String key = key(mountPoint);
        Path p = d.resolve(key + ".sock");
        if (p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 100) {
            return p;
        }
        return d.resolve("ctl-" + java.util.HexFormat.of().formatHex(sha256(key), 0, 12) + ".sock");
    }

    /** The state directory, made 0700 if it is not (the control socket lives in it). */
    static Path privateDir() throws IOException {
        Path d = dir();
        try {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX filesystem: leave it
        }
        return d;
    }
}
