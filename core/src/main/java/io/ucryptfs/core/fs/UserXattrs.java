package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.Xattrs;
import io.ucryptfs.core.names.NameBytes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * User extended attributes of the plaintext view: "user." names pass through to the lower file as they
 * are (unencrypted, as in the kernel); the header xattr is hidden and protected; other namespaces are
 * not supported.
 */
final class UserXattrs {
    private final LowerAttributes attributes;
    /** The header xattr's name (when headers are kept in xattrs): never shown, never writable. */
    private final String hidden;

    UserXattrs(LowerAttributes attributes, String hidden) {
        this.attributes = attributes;
        this.hidden = hidden;
    }

    /** EOPNOTSUPP for a name outside the user namespace (or "user." alone). */
    void refuseOtherNamespaces(String path, String name) throws FsException {
        if (!name.startsWith(Xattrs.USER_PREFIX) || name.length() == Xattrs.USER_PREFIX.length()) {
            throw new FsException(Errno.EOPNOTSUPP, path + ": only user.* extended attributes are supported, not " + name);
        }
    }

    private void check(String path, String name) throws FsException {
        refuseOtherNamespaces(path, name);
        if (!NameBytes.isText(name)) {
            // the JDK's xattr calls take names as Strings in the platform encoding: bytes that are not
            // UTF-8 would reach the lower file as '?'
            throw new FsException(Errno.EOPNOTSUPP, path + ": extended attribute names that are not UTF-8 are not supported");
        }
        if (name.equals(hidden)) {
            throw new FsException(Errno.EPERM, path + ": " + name + " holds the file's header and is not writable here");
        }
    }

    /**
     * User extended attributes are for regular files and directories only (Linux refuses them on special
     * files with EPERM); checked before the JDK opens the lower node, which for a FIFO would block.
     */
    private void noneOnSpecial(Path lower, String path, String name) throws FsException {
        if (!name.startsWith(Xattrs.USER_PREFIX)) {
            return; // refused by name, without touching the file
        }
        try {
            if (LowerAttributes.isSpecial(attributes.read(lower).type())) {
                throw new FsException(Errno.EPERM, path + ": no user extended attributes on special files");
            }
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    byte[] get(Path lower, String path, String name) throws FsException {
        if (name.equals(hidden)) {
            throw new FsException(Errno.ENODATA, path + ": no attribute " + name);
        }
        noneOnSpecial(lower, path, name);
        check(path, name);
        try {
            return Xattrs.get(lower, name).orElseThrow(() -> new FsException(Errno.ENODATA, path + ": no attribute " + name));
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    /** Sets {@code name}, honouring setxattr(2)'s XATTR_CREATE and XATTR_REPLACE {@code flags}. */
    void set(Path lower, String path, String name, byte[] value, int flags) throws FsException {
        noneOnSpecial(lower, path, name);
        check(path, name);
        if ((flags & (CryptFileSystem.XATTR_CREATE | CryptFileSystem.XATTR_REPLACE)) != 0) {
            // checked, then set: not atomic against a concurrent setxattr of the same name
            boolean exists;
            try {
                exists = Xattrs.get(lower, name).isPresent();
            } catch (IOException e) {
                throw IoErrors.toFs(e, path);
            }
            if (exists && (flags & CryptFileSystem.XATTR_CREATE) != 0) {
                throw new FsException(Errno.EEXIST, path + ": attribute " + name + " exists (XATTR_CREATE)");
            }
            if (!exists && (flags & CryptFileSystem.XATTR_REPLACE) != 0) {
                throw new FsException(Errno.ENODATA, path + ": no attribute " + name + " (XATTR_REPLACE)");
            }
        }
        try {
            Xattrs.set(lower, name, value);
        } catch (UnsupportedOperationException e) {
            throw new FsException(Errno.EOPNOTSUPP, path + ": the lower filesystem has no user extended attributes");
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    List<String> list(Path lower, String path) throws FsException {
        try {
            if (LowerAttributes.isSpecial(attributes.read(lower).type())) {
                return List.of();
            }
            return Xattrs.list(lower).stream().filter(n -> !n.equals(hidden)).toList();
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    void remove(Path lower, String path, String name) throws FsException {
        noneOnSpecial(lower, path, name);
        check(path, name);
        try {
            if (Xattrs.get(lower, name).isEmpty()) {
                throw new FsException(Errno.ENODATA, path + ": no attribute " + name);
            }
            Xattrs.remove(lower, name);
        } catch (UnsupportedOperationException e) {
            throw new FsException(Errno.EOPNOTSUPP, path + ": the lower filesystem has no user extended attributes");
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }
}
