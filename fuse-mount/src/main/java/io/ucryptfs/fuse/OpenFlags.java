package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.OpenMode;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How the flags of an open apply here: the access mode, O_TRUNC, O_APPEND (remembered per handle: its
 * writes go to the end of the file), and what changes while the kernel's writeback cache is on.
 */
final class OpenFlags {
    private static final int O_ACCMODE = 03;
    private static final int O_WRONLY = 01;
    private static final int O_RDWR = 02;
    private static final int O_TRUNC = 01000;
    private static final int O_APPEND = 02000;

    private final Set<Long> appendHandles = ConcurrentHashMap.newKeySet();
    /** Whether INIT is to ask for the kernel's writeback cache ({@link MountSettings#writebackCache}). */
    private volatile boolean offerWritebackCache;
    /** Whether the kernel keeps written pages itself (INIT granted FUSE_WRITEBACK_CACHE). */
    private volatile boolean writebackCache;

    void offerWritebackCache(boolean on) {
        offerWritebackCache = on;
    }

    boolean offersWritebackCache() {
        return offerWritebackCache;
    }

    /** What INIT agreed on. */
    void writebackCache(boolean on) {
        writebackCache = on;
    }

    /**
     * An open's flags as they apply here. With the writeback cache the kernel reads pages of a file
     * opened write-only (to fill the rest of a page partly written) and places appends itself from the
     * size it keeps, so a write-only open is readable here and O_APPEND is not ours to apply (as
     * libfuse's passthrough_ll does).
     */
    int effective(int flags) {
        if (!writebackCache) {
            return flags;
        }
        int f = flags & ~O_APPEND;
        return (f & O_ACCMODE) == O_WRONLY ? (f & ~O_ACCMODE) | O_RDWR : f;
    }

    static OpenMode mode(int flags) {
        return switch (flags & O_ACCMODE) {
            case O_WRONLY -> OpenMode.WRITE;
            case O_RDWR -> OpenMode.READ_WRITE;
            default -> OpenMode.READ;
        };
    }

    /** Whether an open with these (effective) flags empties the file. */
    static boolean truncates(int flags) {
        return (flags & O_TRUNC) != 0 && mode(flags).canWrite();
    }

    /**
     * Whether the close of a handle opened with these (effective) flags needs a FLUSH request. Not when
     * read-only: a FLUSH writes back what was written through the handle and reports its errors to
     * close(2), and a read-only handle wrote nothing (what writers on other handles wrote is theirs to
     * flush; POSIX locks, the other thing a FLUSH is for, the kernel keeps itself here as we answer
     * none of its lock requests). Sparing the round trip is a few tens of microseconds off every
     * {@code cat}, {@code tar c} or {@code cp} source file.
     */
    static boolean needsFlush(int flags) {
        return mode(flags).canWrite();
    }

    /** Remembers a new handle's (effective) flags. */
    void opened(long handle, int flags) {
        if ((flags & O_APPEND) != 0) {
            appendHandles.add(handle);
        }
    }

    /** Whether the writes of this handle go to the end of the file. */
    boolean appends(long handle) {
        return appendHandles.contains(handle);
    }

    void released(long handle) {
        appendHandles.remove(handle);
    }
}
