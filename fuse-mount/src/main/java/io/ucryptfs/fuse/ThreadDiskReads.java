package io.ucryptfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many bytes the calling thread has had the kernel read from storage so far ({@code read_bytes}
 * in {@code /proc/thread-self/io}), or -1 where the system does not say (not Linux, no task I/O
 * accounting).
 *
 * <p>Why: {@link DirectoryReadAhead} has to tell a read-ahead that waited for the disk from one that
 * found everything cached. Timing could not: on two cores busy with a warm walk, a read-ahead of a
 * cached directory waits for a core longer than a cold one waits for the disk. A read that reaches
 * the disk is counted here whatever the wait (ext4's directory blocks and inodes included); a hit
 * in the cache is not. About 10 µs a call.
 */
final class ThreadDiskReads {
    private static final Path IO = Path.of("/proc/thread-self/io");
    private static final String KEY = "\nread_bytes: ";

    private ThreadDiskReads() {}

    static long current() {
        try {
            return parse(new String(Files.readAllBytes(IO), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The read_bytes value of a {@code /proc/.../io} text, or -1 when it has none. */
    static long parse(String io) {
        int at = io.indexOf(KEY);
        if (at < 0) {
            return -1;
        }
        long n = 0;
        int digits = 0;
        for (int i = at + KEY.length(); i < io.length() && Character.isDigit(io.charAt(i)); i++, digits++) {
            n = n * 10 + (io.charAt(i) - '0');
        }
        return digits > 0 ? n : -1;
    }
}
