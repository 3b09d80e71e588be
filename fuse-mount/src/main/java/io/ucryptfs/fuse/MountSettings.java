package io.ucryptfs.fuse;

import java.util.ArrayList;
import java.util.List;

/**
 * FUSE mount options, chosen for throughput (see docs/performance.md): 128 KiB reads and writes
 * ({@code big_writes}, {@code max_read}, {@code max_write}), names cached by the kernel for a second,
 * permissions checked by the kernel ({@code default_permissions}), inode numbers passed through
 * ({@code use_ino}). Attributes are not cached ({@code attr_timeout=0}): libfuse2's path-based API
 * gives each hard link its own kernel inode, so a cached stat of one name would not see a link count
 * or size changed through another.
 *
 * @param fsName shown in mount tables (the lower directory)
 * @param extra raw {@code -o} options from the user, appended last
 */
public record MountSettings(String fsName, boolean readOnly, boolean allowOther, boolean nonEmpty, List<String> extra) {

    public static final int MAX_IO = 128 * 1024;

    /** The arguments after the mount point, for libfuse2. */
    public String[] fuseArgs() {
        List<String> o = new ArrayList<>(List.of(
                "big_writes", "max_read=" + MAX_IO, "max_write=" + MAX_IO,
                "attr_timeout=0", "entry_timeout=1", "negative_timeout=0",
                "default_permissions", "use_ino",
                "fsname=" + escape(fsName), "subtype=ucryptfs"));
        if (readOnly) {
            o.add("ro");
        }
        if (allowOther) {
            o.add("allow_other");
        }
        if (nonEmpty) {
            o.add("nonempty");
        }
        o.addAll(extra);
        List<String> args = new ArrayList<>();
        for (String opt : o) {
            args.add("-o");
            args.add(opt);
        }
        return args.toArray(new String[0]);
    }

    /** libfuse splits -o on commas; a comma or backslash in the fsname is escaped with a backslash. */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace(",", "\\,");
    }
}
