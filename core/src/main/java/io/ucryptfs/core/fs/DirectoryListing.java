package io.ucryptfs.core.fs;

import io.ucryptfs.core.fs.LowerPaths.Reach;
import io.ucryptfs.core.names.InvalidNameException;
import io.ucryptfs.core.names.NameCipher;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists a directory of the plaintext tree: its lower entries with their names decrypted. A lower
 * entry whose name does not decrypt (a stray file, another mount's key) is left out, not an error,
 * so one bad name does not hide a whole directory.
 */
final class DirectoryListing {
    private static final Logger log = LoggerFactory.getLogger(DirectoryListing.class);
    /** Bounds {@link #reported}: a huge tree of foreign names must not grow the heap without end. */
    private static final int MAX_REPORTED = 10_000;
    /** The entries a read-ahead reads at most ({@link #readAhead}). */
    static final int READ_AHEAD_ENTRIES = 1_024;
    /**
     * What a read-ahead asks of each regular file: its first page, where the plaintext size is
     * ({@link PlaintextSizes}), so that the listing's attributes that follow find it cached.
     */
    static final long HEADER_PAGE = 4096;

    private final LowerPaths paths;
    private final MountKeys keys;
    private final PageCacheAdvice advice;
    private final PlaintextSizes sizes;
    /** Lower names already reported as undecryptable, so that listing a directory again logs nothing new. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    DirectoryListing(LowerPaths paths, MountKeys keys, PageCacheAdvice advice, PlaintextSizes sizes) {
        this.paths = paths;
        this.keys = keys;
        this.advice = advice;
        this.sizes = sizes;
    }

    /**
     * The plaintext names in directory {@code path}; each lower name that does not decrypt also goes to
     * {@code undecryptable} (with the reason) when it is not null.
     */
    List<String> list(String path, BiConsumer<String, String> undecryptable) throws FsException {
        try {
            // while locked (names encrypted): EACCES, as a lookup. Not an empty listing (a sync tool could
            // take it for a directory emptied) nor the lower names (each would fail its lookup anyway).
            return keys.names(path, k -> list(path, k.names(), undecryptable));
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    /**
     * Reads the lower entries of directory {@code path} and the inode of each, asks for the first page of
     * each regular file whose size is not known yet ({@link #HEADER_PAGE}, through {@link PageCacheAdvice}:
     * queued, not waited for; a known one would cost a read for nothing: measured, 204 against 179 ms),
     * and drops them: the lower filesystem then has the directory's blocks, inodes and plaintext sizes
     * cached for the listing that follows. The sizes because each is one more random read a file on a
     * cold disk, which the listing's attributes otherwise made a few at a time (gocryptfs computes its
     * sizes from the lower size; eCryptfs keeps them in the header). Why the rest:
     * an eCryptfs name is 84 characters and more, so a lower directory of 50 files takes an index and
     * two leaf blocks where gocryptfs's takes one, and ext4 reads an indexed directory's blocks one
     * after the other; a cold walk waited for them directory by directory (docs/performance.md,
     * sessions 8 and 9). At most {@link #READ_AHEAD_ENTRIES}: a hint must not cost a whole mail
     * folder of 100,000 files when the listing that follows reads its first pages from the cache anyway.
     */
    void readAhead(String path) {
        int entries = 0;
        try (Reach lower = paths.reach(path); DirectoryStream<Path> ds = Files.newDirectoryStream(lower.at())) {
            for (Path child : ds) {
                if (++entries > READ_AHEAD_ENTRIES) {
                    break;
                }
                if (UnixStat.handles(child)) {
                    try {
                        // the inode too, for the listing's attributes
                        LowerAttributes.Raw raw = UnixStat.lstat(child);
                        if (raw != null && raw.type() == FileType.REGULAR && raw.size() > 0 && !sizes.known(raw)) {
                            advice.willNeed(child, Math.min(raw.size(), HEADER_PAGE));
                        }
                    } catch (IOException e) {
                        // gone meanwhile, or not ours to open: a hint only
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.trace("read-ahead of {} not made: {}", path, e.toString());
        }
    }

    private List<String> list(String path, NameCipher names, BiConsumer<String, String> undecryptable)
            throws FsException {
        List<String> out = new ArrayList<>();
        try (Reach lower = paths.reach(path); DirectoryStream<Path> ds = Files.newDirectoryStream(lower.at())) {
            for (Path child : ds) {
                String lowerName = NamePaths.name(child);
                try {
                    out.add(names.decrypt(lowerName));
                } catch (InvalidNameException e) {
                    if (undecryptable != null) {
                        undecryptable.accept(lowerName, e.getMessage());
                    }
                    if (reported.size() < MAX_REPORTED && reported.add(lower.lower() + "/" + lowerName)) {
                        log.warn("{}: skipping lower entry {} whose name does not decrypt: {}", path, lowerName, e.getMessage());
                    }
                }
            }
        } catch (NotDirectoryException e) {
            throw new FsException(Errno.ENOTDIR, path + ": not a directory");
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
        return out;
    }
}
