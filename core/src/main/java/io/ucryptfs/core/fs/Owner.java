package io.ucryptfs.core.fs;

/**
 * Who a new file, directory, symlink or special file belongs to: the uid and gid of the process that
 * made it (FUSE's caller), as a kernel filesystem would set them. -1 keeps what the lower filesystem
 * gives (the daemon's own ids). The gid is not applied under a set-group-ID directory, whose group the
 * lower filesystem already gave the new node (System V semantics, as Linux does).
 */
public record Owner(int uid, int gid) {
    /** Leave ownership to the lower filesystem (the daemon's uid and gid). */
    public static final Owner DAEMON = new Owner(-1, -1);
}
