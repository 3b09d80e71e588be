package io.ucryptfs.core.fs;

import java.io.IOException;
import java.nio.file.AccessMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * access(2) of a plaintext node ({@link CryptFileSystem#access}): the lower node's own check, with the
 * daemon's credentials. What a mount without {@code allow_other} answers, where the kernel leaves
 * permission checks to the filesystem and the daemon's user is the only one who reaches it.
 */
final class LowerAccess {
    private final LowerAttributes attributes;

    LowerAccess(LowerAttributes attributes) {
        this.attributes = attributes;
    }

    /** @param mask 4 read, 2 write, 1 search/execute, 0 existence (EACCES or ENOENT if not) */
    void check(Path lower, int mask) throws IOException {
        LowerAttributes.Raw raw = attributes.read(lower); // ENOENT when missing
        // a lower symlink's target is an encrypted name: never follow it (the kernel asks for the
        // target's node, not the link's)
        if ((mask & 7) == 0 || raw.type() == FileType.SYMLINK) {
            return;
        }
        List<AccessMode> modes = new ArrayList<>(3);
        if ((mask & 4) != 0) {
            modes.add(AccessMode.READ);
        }
        if ((mask & 2) != 0) {
            modes.add(AccessMode.WRITE);
        }
        if ((mask & 1) != 0) {
            modes.add(AccessMode.EXECUTE);
        }
        lower.getFileSystem().provider().checkAccess(lower, modes.toArray(new AccessMode[0]));
    }
}
