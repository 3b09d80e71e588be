package io.ucryptfs.core.fs;

import io.ucryptfs.core.fs.LowerPaths.Reach;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CryptFileSystem#prefetch}: asks the lower filesystem to read a regular file's first
 * {@link #BYTES} ahead ({@link PageCacheAdvice}). Why that much: the open that follows reads the
 * eCryptfs header (8 KiB and more at the front), and the first reads of a reader like {@code cat} or
 * {@code tar} ask for 128 KiB; a small file (fsbench's 4 KiB ones are 12 KiB below) is read whole.
 */
final class FilePrefetch {
    private static final Logger log = LoggerFactory.getLogger(FilePrefetch.class);
    static final long BYTES = 128 * 1024;

    private final LowerPaths paths;
    private final LowerAttributes attributes;
    private final PageCacheAdvice advice;

    FilePrefetch(LowerPaths paths, LowerAttributes attributes, PageCacheAdvice advice) {
        this.paths = paths;
        this.attributes = attributes;
        this.advice = advice;
    }

    void prefetch(String path) {
        if (advice == PageCacheAdvice.NONE) {
            return;
        }
        try (Reach lower = paths.reach(path)) {
            // the lstat is cached (the listing that named the file read it); it keeps a FIFO, whose open
            // would wait for a writer, and a directory out
            LowerAttributes.Raw raw = attributes.read(lower.at());
            if (raw.type() == FileType.REGULAR && raw.size() > 0) {
                advice.willNeed(lower.at(), Math.min(raw.size(), BYTES));
            }
        } catch (IOException | RuntimeException e) {
            log.trace("prefetch of {} not made: {}", path, e.toString());
        }
    }
}
