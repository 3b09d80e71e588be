package io.ucryptfs.fuse;

import java.util.ArrayList;
import java.util.List;

/**
 * FUSE mount options, chosen for throughput (see docs/performance.md): writes of up to 1 MiB a request
 * ({@link #maxWrite}, asked for in our INIT answer), reads of as much ({@code max_read});
 * {@code -o max_write=N} lowers both ({@code max_read=} of the user's is ignored: it cannot be larger),
 * permissions checked by the kernel ({@code default_permissions}) when other users can reach the mount
 * ({@code allow_other}), else by the lower filesystem, as gocryptfs does. How long the kernel caches names and attributes is ours to say per
 * answer ({@link FuseAdapter.Timeouts}; {@code -o attr_timeout=S,entry_timeout=S,negative_timeout=S}
 * change the defaults of 1, 1 and 0 seconds).
 *
 * @param fsName shown in mount tables (the lower directory)
 * @param extra raw {@code -o} options from the user, appended last
 */
public record MountSettings(String fsName, boolean readOnly, boolean allowOther, boolean nonEmpty, List<String> extra) {

    /** The largest read or write request: the kernel's limit (256 pages) since Linux 4.20. */
    public static final int MAX_IO = 1024 * 1024;

    /**
     * libfuse2 high-level options that have no meaning here: the node ids and their caching are ours
     * ({@code use_ino}: inode numbers always pass through; {@code hard_remove}: an unlinked open file is
     * never hidden), and libfuse2 low-level options whose job is ours now ({@code big_writes}: always;
     * {@code async_read}: always). Accepted so that an old fstab line still mounts.
     */
    private static final List<String> IGNORED = List.of("use_ino", "readdir_ino", "hard_remove", "kernel_cache",
            "auto_cache", "noauto_cache", "big_writes", "async_read");

    /** Ours, not the kernel's: {@link #writebackCache}. */
    private static final List<String> WRITEBACK = List.of("writeback_cache", "no_writeback_cache");

    /**
     * Whether to ask for the kernel's writeback cache ({@code -o writeback_cache}; off by default):
     * written pages stay in the kernel's page cache and come to us later in larger writes, so a program
     * writing a file in small pieces (tar: 10 KiB at a time) costs a few requests instead of one per
     * write; measured, large sequential writes ~10% slower, an untar 40% faster at first and within the
     * noise once tar's other costs were cut (performance.md). Not the default: with it, the kernel
     * keeps the ctime and mtime of regular files itself, and as each name of a file is its own node
     * ({@link NodeTable}) the ctime of a file's other links does not change when one is unlinked or
     * renamed over (pjdfstest rename_23, unlink_00), and
     * stress-ng's fsize stressor made the kernel send a write tens of GB past the end of a file, which
     * the eCryptfs format (no holes) fills with encrypted zeros (docs/conformance.md).
     */
    public boolean writebackCache() {
        return extra.contains("writeback_cache") && !extra.contains("no_writeback_cache");
    }

    /** The mount options for libfuse's {@code fuse_mount}, without "-o". */
    public List<String> fuseOptions() {
        List<String> o = new ArrayList<>(List.of(
                // as large as a write: a read reply is built in a buffer of that size, and a reply
                // shorter than the kernel asked for would read as the end of the file
                "max_read=" + maxWrite(),
                "fsname=" + escape(fsName), "subtype=ucryptfs"));
        if (allowOther && !extra.contains("default_permissions")) {
            // Other users reach the mount: the kernel checks their permissions against the modes and
            // owners we report. Without allow_other only the daemon's own user reaches it, and the
            // lower filesystem checks that user's permissions as it does everywhere else (an access(2)
            // comes to us as FUSE_ACCESS). Not asked for then, because with it every change in a
            // directory makes the next lookup through it cost a GETATTR: measured, one more request
            // for every file an untar or an rm -r makes or removes.
            o.add("default_permissions");
        }
        if (readOnly) {
            o.add("ro");
        }
        if (allowOther) {
            o.add("allow_other");
        }
        if (nonEmpty) {
            o.add("nonempty");
        }
        for (String e : extra) {
            if (!IGNORED.contains(e) && !WRITEBACK.contains(e) && timeout(e) == null && !e.startsWith("max_write=")
                    && !e.startsWith("max_read=")) {
                o.add(e);
            }
        }
        return o;
    }

    /** The largest write request to ask of the kernel: {@link #MAX_IO}, or less with {@code -o max_write=N}. */
    public int maxWrite() {
        int max = MAX_IO;
        for (String e : extra) {
            if (e.startsWith("max_write=")) {
                try {
                    max = Integer.parseInt(e.substring("max_write=".length()));
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException("bad FUSE option " + e + ": a number of bytes expected");
                }
                if (max < 4096) {
                    throw new IllegalArgumentException("bad FUSE option " + e + ": at least 4096");
                }
            }
        }
        return Math.min(max, MAX_IO) & ~4095;
    }

    /** The cache timeouts, with any of {@code attr_timeout=}, {@code entry_timeout=}, {@code negative_timeout=} from the options. */
    public FuseAdapter.Timeouts timeouts() {
        FuseAdapter.Timeouts d = FuseAdapter.Timeouts.DEFAULT;
        double attr = d.attr();
        double entry = d.entry();
        double negative = d.negative();
        for (String e : extra) {
            String[] t = timeout(e);
            if (t == null) {
                continue;
            }
            double v = seconds(e, t[1]);
            switch (t[0]) {
                case "attr_timeout" -> attr = v;
                case "entry_timeout" -> entry = v;
                default -> negative = v;
            }
        }
        return new FuseAdapter.Timeouts(attr, entry, negative);
    }

    private static String[] timeout(String option) {
        int eq = option.indexOf('=');
        if (eq < 0) {
            return null;
        }
        String key = option.substring(0, eq);
        return key.equals("attr_timeout") || key.equals("entry_timeout") || key.equals("negative_timeout")
                ? new String[] {key, option.substring(eq + 1)} : null;
    }

    private static double seconds(String option, String value) {
        try {
            double v = Double.parseDouble(value);
            if (v >= 0 && !Double.isInfinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("bad FUSE option " + option + ": seconds expected");
    }

    /** libfuse splits -o on commas; a comma or backslash in the fsname is escaped with a backslash. */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace(",", "\\,");
    }
}
