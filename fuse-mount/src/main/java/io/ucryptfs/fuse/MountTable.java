package io.ucryptfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Reads {@code /proc/self/mountinfo}: is a path a FUSE mount point, and of which filesystem. */
public final class MountTable {
    private MountTable() {}

    /** The filesystem type mounted exactly at {@code dir} ("fuse.ucryptfs"), if any. */
    public static Optional<String> typeAt(Path dir) {
        String target = dir.toAbsolutePath().normalize().toString();
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        String type = null;
        for (String line : lines) {
            // id parent major:minor root mountpoint options ... - fstype source superoptions
            String[] f = line.split(" ");
            if (f.length < 5 || !unescape(f[4]).equals(target)) {
                continue;
            }
            int dash = line.indexOf(" - ");
            if (dash > 0) {
                type = line.substring(dash + 3).split(" ")[0]; // the last mount on a path wins
            }
        }
        return Optional.ofNullable(type);
    }

    /** The source (fsname) of the mount exactly at {@code dir} ("ucryptfs:/path/to/lower"), if any. */
    public static Optional<String> sourceAt(Path dir) {
        String target = dir.toAbsolutePath().normalize().toString();
        String source = null;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                int dash = line.indexOf(" - ");
                if (f.length >= 5 && unescape(f[4]).equals(target) && dash > 0) {
                    String[] after = line.substring(dash + 3).split(" ");
                    source = after.length > 1 ? unescape(after[1]) : null; // the last mount on a path wins
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(source);
    }

    public static boolean isFuseMount(Path dir) {
        return typeAt(dir).map(t -> t.equals("fuse") || t.startsWith("fuse.")).orElse(false);
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
