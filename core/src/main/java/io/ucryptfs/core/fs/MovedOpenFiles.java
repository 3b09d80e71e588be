package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.PassthroughFile;
import io.ucryptfs.core.fs.LowerPaths.Reach;
import io.ucryptfs.core.fs.OpenFileTable.OpenFile;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open files whose lower name moves or goes away while they are open. An open file outlives its name
 * (as on Linux), so a rename or an unlink must tell it where its lower file is now, or that it has no
 * name any more: its content writes an xattr header and checks free space through that path, fstat
 * reads the lower attributes through it, and close remembers the plaintext size under it.
 */
final class MovedOpenFiles {
    private static final Logger log = LoggerFactory.getLogger(MovedOpenFiles.class);

    private final OpenFileTable table;
    private final LowerPaths paths;
    private final LowerAttributes attributes;
    private final PlaintextSizes sizes;

    MovedOpenFiles(OpenFileTable table, LowerPaths paths, LowerAttributes attributes, PlaintextSizes sizes) {
        this.table = table;
        this.paths = paths;
        this.attributes = attributes;
        this.sizes = sizes;
    }

    /**
     * After a rename, tells open files where their lower file is now: the moved file itself, files
     * inside a moved directory, and a file the rename replaced (whose path now names another file).
     */
    void renamed(Path src, Path dst) {
        for (OpenFile f : table.all()) {
            Path p = f.lowerPath;
            if (p == null) {
                continue;
            }
            Path now;
            if (p.equals(src)) {
                now = dst;
            } else if (p.startsWith(src)) {
                now = dst.resolve(src.relativize(p));
            } else if (p.equals(dst) || p.startsWith(dst)) {
                now = null; // replaced
            } else {
                continue;
            }
            f.lowerPath = now;
            f.content.moved(now == null ? null : pin(f, now));
        }
    }

    /** The path the content of a moved open file uses from now on (kept reachable until it is closed). */
    private Path pin(OpenFile f, Path now) {
        try {
            Reach pin = paths.pin(now);
            // the old pins stay open until the file closes: its content may be using their paths right now
            f.keep(pin);
            return pin.at();
        } catch (IOException e) {
            log.warn("{}: cannot reach the moved lower file {}: {}", f.plainPath, now, e.getMessage());
            return now;
        }
    }

    /**
     * After lower file {@code lower} (attributes {@code raw}, as they were before) was unlinked: if the
     * file open under that name was it, from now on its content has no path (an xattr header is no
     * longer written; a new file created under the same name is not touched), and fstat shows the
     * attributes it had, with one link less (0 for the last, as Linux shows).
     */
    void unlinked(Path lower, LowerAttributes.Raw raw) {
        OpenFile f = raw.type() == FileType.REGULAR ? table.find(raw.inode()) : null;
        if (f == null || !lower.equals(f.lowerPath)) {
            return;
        }
        f.unlinkedAttributes = new LowerAttributes.Raw(raw.type(), raw.size(), raw.mode(), raw.uid(), raw.gid(),
                Math.max(raw.nlink() - 1, 0), raw.inode(), raw.ino(), raw.atime(), raw.mtime(), raw.ctime(), raw.rdev());
        f.lowerPath = null;
        f.content.moved(null);
    }

    /** fstat: the lower file's attributes while it has a name, the ones it had when it lost it after. */
    FileAttributes attributesOf(OpenFile f) {
        Path lowerPath = f.lowerPath;
        try (Reach lower = lowerPath == null ? null : paths.reach(lowerPath)) {
            LowerAttributes.Raw raw = lower == null ? null : attributes.read(lower.at());
            if (raw != null && raw.inode().equals(f.inode)) {
                return raw.toAttributes(f.content.size());
            }
        } catch (IOException e) {
            // unlinked while open: fall through
        }
        LowerAttributes.Raw last = f.unlinkedAttributes;
        if (last != null) {
            return last.toAttributes(f.content.size());
        }
        Instant now = Instant.now();
        return new FileAttributes(FileType.REGULAR, f.content.size(), 0600, -1, -1, 0, 0, now, now, now);
    }

    /** After the content of {@code last} is closed: settles its cached size and lets go of its paths. */
    void closed(OpenFile last) {
        Path lowerPath = last.lowerPath; // read once: an unlink or rename may clear it meanwhile
        if (lowerPath != null && last.content.revoked()) {
            sizes.invalidate(last.inode); // a new open after an unlock may have written since
        } else if (lowerPath != null && last.content.modified()) {
            rememberSize(last, lowerPath);
        }
        // a file only read changed neither its lower size nor its mtime: a size cached for it holds,
        // and an lstat of its path at every close was a fifth of the daemon's time reading small files
        last.closePins();
    }

    /**
     * The plaintext size of a file just closed is known: remember it, so the next getattr need not read
     * the header again (which would also bump the lower atime an utimens just set).
     */
    private void rememberSize(OpenFile f, Path lowerPath) {
        sizes.invalidate(f.inode);
        if (f.content instanceof PassthroughFile) {
            return; // a passthrough file's size is its lower size, read with its attributes
        }
        try (Reach lower = paths.reach(lowerPath)) {
            LowerAttributes.Raw after = attributes.read(lower.at());
            if (after.inode().equals(f.inode)) {
                sizes.remember(after, f.content.size());
            }
        } catch (IOException e) {
            // gone or unreadable: the next getattr finds out
        }
    }
}
