package io.ucryptfs.core.fs;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Tells the lower filesystem that a file's first bytes will be read soon, so that it starts reading
 * them into its page cache and returns without waiting ({@code posix_fadvise(POSIX_FADV_WILLNEED)}).
 * Used by {@link CryptFileSystem#prefetch}: a reader going through a tree's files one after the other
 * then finds the next files cached (docs/architecture.md, "Files read ahead"). The FUSE module supplies
 * one through libc; {@link #NONE} (the default, and in tests on jimfs) does nothing.
 */
public interface PageCacheAdvice {
    /** No advice: prefetching does nothing. */
    PageCacheAdvice NONE = (lowerFile, length) -> { };

    /**
     * Asks for bytes {@code [0, length)} of the regular file {@code lowerFile} to be read in the
     * background. Must not wait for the disk.
     *
     * @throws IOException when the file cannot be opened; the caller ignores it (a hint only)
     */
    void willNeed(Path lowerFile, long length) throws IOException;
}
