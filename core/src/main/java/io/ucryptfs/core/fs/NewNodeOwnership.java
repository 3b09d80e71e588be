package io.ucryptfs.core.fs;

import io.ucryptfs.core.fs.LowerPaths.Reach;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Gives a node just made in the lower directory the owner and mode its creator asked for. The daemon
 * makes every lower node with its own uid, so this is what makes a file belong to the user who created
 * it; it follows Linux's rules for set-group-ID parent directories, which the lower filesystem applied
 * already and a careless chown would undo.
 */
final class NewNodeOwnership {
    private static final int S_ISGID = 02000;

    private final LowerPaths paths;
    private final LowerAttributes attributes;

    NewNodeOwnership(LowerPaths paths, LowerAttributes attributes) {
        this.paths = paths;
        this.attributes = attributes;
    }

    /**
     * A regular file, with only the system calls that change something: {@code fresh} is its attributes
     * as created, and most of the time (a daemon running as the user who creates the file, the usual
     * umask) they are right already. A create is one lstat here instead of a parent lstat, two lchowns
     * and a chmod: small-file workloads are bound by such per-file costs. Returns whether it changed
     * anything (then {@code fresh} is out of date).
     */
    boolean file(Reach lower, LowerAttributes.Raw fresh, Owner owner, int mode) throws IOException {
        int uid = owner.uid() >= 0 && owner.uid() != fresh.uid() ? owner.uid() : -1;
        int gid = owner.gid() >= 0 && owner.gid() != fresh.gid() && !parentSetgid(lower) ? owner.gid() : -1;
        boolean chowned = uid >= 0 || gid >= 0;
        if (chowned) {
            attributes.setOwner(lower.at(), uid, gid); // before the mode: a chown clears set-ID bits
        }
        if (chowned || fresh.mode() != (mode & 07777)) {
            attributes.setMode(lower.at(), mode);
            return true;
        }
        return false;
    }

    /** A directory: as Linux does, one made in a set-group-ID directory is set-group-ID too. */
    void directory(Reach lower, Owner owner, int mode) throws IOException {
        boolean sgid = parentSetgid(lower);
        own(lower.at(), owner, sgid);
        attributes.setMode(lower.at(), sgid ? mode | S_ISGID : mode);
    }

    /** A symbolic link: an owner only, as a link's mode means nothing on Linux. */
    void symlink(Reach lower, Owner owner) throws IOException {
        ownAsAsked(lower, owner);
    }

    /** A FIFO, socket or device node. */
    void special(Reach lower, Owner owner, int mode) throws IOException {
        ownAsAsked(lower, owner);
        attributes.setMode(lower.at(), mode);
    }

    /** The parent's set-group-ID bit matters only when a group is asked for: no parent lstat otherwise. */
    private void ownAsAsked(Reach lower, Owner owner) throws IOException {
        own(lower.at(), owner, owner.gid() >= 0 && parentSetgid(lower));
    }

    private boolean parentSetgid(Reach lower) throws IOException {
        Path parent = lower.lower().getParent();
        if (parent == null) {
            return false;
        }
        try (Reach p = paths.reach(parent)) {
            return (attributes.read(p.at()).mode() & S_ISGID) != 0;
        }
    }

    /**
     * Under a set-group-ID parent the group stays the parent's, which the lower filesystem gave it;
     * called before the mode is set, since a chown clears set-ID bits.
     */
    private void own(Path lower, Owner owner, boolean parentSetgid) throws IOException {
        int gid = parentSetgid ? -1 : owner.gid();
        if (owner.uid() >= 0 || gid >= 0) {
            attributes.setOwner(lower, owner.uid(), gid);
        }
    }
}
