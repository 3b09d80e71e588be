package io.ucryptfs.core.fs;

import io.ucryptfs.core.fs.OpenFileTable.OpenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * Sets a node's access and modification times (utimens) so that they stay what was asked: a file's
 * cached writes are written back first, and its plaintext size is kept without reading the header
 * again.
 */
final class FileTimes {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private final LowerAttributes attributes;
    private final OpenFileTable table;
    private final PlaintextSizes sizes;
    private final SpecialNodes specialNodes;

    FileTimes(LowerAttributes attributes, OpenFileTable table, PlaintextSizes sizes, SpecialNodes specialNodes) {
        this.attributes = attributes;
        this.table = table;
        this.sizes = sizes;
        this.specialNodes = specialNodes;
    }

    /** Sets the times of the node at {@code lower} (plaintext {@code path}, for messages); null: unchanged. */
    void set(Path lower, String path, Instant atime, Instant mtime) throws IOException {
        // Write back the file's cached writes first: written back later, they would set the lower mtime to
        // the time of the write-back (cp -a and tar x set the times on a file they still have open)
        LowerAttributes.Raw raw = attributes.read(lower);
        OpenFile open = raw.type() == FileType.REGULAR ? table.find(raw.inode()) : null;
        if (open != null && mtime != null) {
            // through the open file's descriptor: the futimens alone instead of the JDK's lstat, open,
            // fstat, futimens and close by path (tar and cp -a set times on every file they write). An
            // atime left as it is is the one read above (writing back does not touch it); an mtime left
            // as it is would be the one after the write-back, so that case goes by path
            FileTime a = atime == null ? raw.atime() : FileTime.from(atime);
            if (open.content.flushAndSetTimes(a, FileTime.from(mtime))) {
                return;
            }
        } else if (open != null) {
            open.content.flush();
        }
        if (LowerAttributes.isSpecial(raw.type())) {
            if (specialNodes == null) {
                throw new FsException(Errno.EOPNOTSUPP, path + ": cannot set the times of a special file here");
            }
            specialNodes.setTimes(lower, atime, mtime);
            return;
        }
        // the plaintext size, known now, stays known: re-reading the header after the mtime changed
        // would bump the lower atime that is being set (relatime)
        long plainSize = raw.type() == FileType.REGULAR && open == null
                ? sizes.sizeOf(lower, raw) : -1;
        BasicFileAttributeView v = Files.getFileAttributeView(lower, BasicFileAttributeView.class, NOFOLLOW);
        v.setTimes(mtime == null ? null : FileTime.from(mtime), atime == null ? null : FileTime.from(atime), null);
        if (plainSize >= 0) {
            LowerAttributes.Raw after = attributes.read(lower);
            sizes.remember(after, plainSize);
        }
    }
}
