package io.ucryptfs.core.fs;

import io.ucryptfs.core.names.InvalidNameException;
import io.ucryptfs.core.names.NameTooLongException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Symbolic link targets, which eCryptfs encrypts like names: a lower link points at the encrypted form
 * of the plaintext target, so the lower directory does not show where links lead.
 */
final class SymlinkTargets {
    private final MountKeys keys;

    SymlinkTargets(MountKeys keys) {
        this.keys = keys;
    }

    /** The lower target of a new link {@code linkPath} to {@code target}. */
    Path encrypt(Path lowerLink, String linkPath, String target) throws IOException {
        String lowerTarget = keys.names(linkPath, k -> {
            try {
                return k.names().encryptSymlinkTarget(target);
            } catch (NameTooLongException e) {
                throw new FsException(Errno.ENAMETOOLONG, linkPath + ": symlink target too long: " + e.getMessage());
            }
        });
        return NamePaths.target(lowerLink.getFileSystem(), lowerTarget);
    }

    /** The plaintext target of the lower link at {@code at} (plaintext {@code path}). */
    String read(Path at, String path) throws IOException {
        String lowerTarget = NamePaths.targetString(Files.readSymbolicLink(at));
        return keys.names(path, k -> {
            try {
                return k.names().decryptSymlinkTarget(lowerTarget);
            } catch (InvalidNameException e) {
                throw new FsException(Errno.EIO, path + ": symlink target does not decrypt: " + e.getMessage());
            }
        });
    }
}
