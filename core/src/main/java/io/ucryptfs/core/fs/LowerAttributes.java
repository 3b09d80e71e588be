package io.ucryptfs.core.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads and sets the POSIX attributes of lower files: on the real lower filesystem with one lstat
 * through {@link UnixStat} (or the JDK's "unix" attribute view when that is not open to us), else
 * through the "posix" view (jimfs in tests).
 */
final class LowerAttributes {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final String UNIX_ATTRIBUTES = "unix:mode,ino,nlink,uid,gid,ctime,size,lastModifiedTime,"
            + "lastAccessTime,isRegularFile,isDirectory,isSymbolicLink,fileKey,rdev";

    /** A lower entry's attributes; {@code inode} identifies the file (hard links share it). */
    record Raw(FileType type, long size, int mode, int uid, int gid, int nlink, Object inode, long ino,
               FileTime atime, FileTime mtime, FileTime ctime, long rdev) {

        FileAttributes toAttributes(long plainSize) {
            return new FileAttributes(type, plainSize, mode, uid, gid, nlink, ino,
                    atime.toInstant(), mtime.toInstant(), ctime.toInstant(), rdev);
        }
    }

    Raw read(Path p) throws IOException {
        if (UnixStat.handles(p)) {
            Raw raw = UnixStat.lstat(p);
            if (raw != null) {
                return raw;
            }
            // another error than a missing file: the view below throws the JDK's exception for it
        }
        return readThroughViews(p);
    }

    /** The same through the JDK's attribute views (and what tests compare {@link UnixStat} with). */
    Raw readThroughViews(Path p) throws IOException {
        Map<String, Object> unix = unixAttributes(p);
        if (unix != null) {
            // one stat(2) for everything, on the real lower filesystem
            int fullMode = (Integer) unix.get("mode");
            FileType type = Boolean.TRUE.equals(unix.get("isRegularFile")) ? FileType.REGULAR
                    : Boolean.TRUE.equals(unix.get("isDirectory")) ? FileType.DIRECTORY
                    : Boolean.TRUE.equals(unix.get("isSymbolicLink")) ? FileType.SYMLINK
                    : typeOf(fullMode);
            long rdev = unix.get("rdev") instanceof Number n ? n.longValue() : 0;
            Object key = unix.get("fileKey") != null ? unix.get("fileKey") : p.toAbsolutePath().normalize();
            return new Raw(type, (Long) unix.get("size"), ((Integer) unix.get("mode")) & 07777,
                    (Integer) unix.get("uid"), (Integer) unix.get("gid"), (Integer) unix.get("nlink"),
                    key, ((Number) unix.get("ino")).longValue(),
                    (FileTime) unix.get("lastAccessTime"), (FileTime) unix.get("lastModifiedTime"), (FileTime) unix.get("ctime"),
                    type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE ? rdev : 0);
        }
        BasicFileAttributes b = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        FileType type = b.isRegularFile() ? FileType.REGULAR
                : b.isDirectory() ? FileType.DIRECTORY
                : b.isSymbolicLink() ? FileType.SYMLINK
                : FileType.OTHER;
        Object key = b.fileKey() != null ? b.fileKey() : p.toAbsolutePath().normalize();
        int mode = 0;
        int uid = 0;
        int gid = 0;
        try {
            PosixFileAttributes px = Files.readAttributes(p, PosixFileAttributes.class, NOFOLLOW);
            mode = modeOf(px.permissions());
            uid = numeric(px.owner().getName());
            gid = numeric(px.group().getName());
        } catch (UnsupportedOperationException e) {
            mode = type == FileType.DIRECTORY ? 0755 : 0644;
        }
        int nlink = 1;
        try {
            Object n = Files.getAttribute(p, "unix:nlink", NOFOLLOW);
            nlink = ((Number) n).intValue();
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // no unix view
        }
        return new Raw(type, b.size(), mode, uid, gid, nlink, key, key.hashCode() & 0xffffffffL,
                b.lastAccessTime(), b.lastModifiedTime(), b.lastModifiedTime(), 0);
    }

    /** FIFOs, sockets and device nodes: nodes that must not be opened to read or change them. */
    static boolean isSpecial(FileType t) {
        return t == FileType.FIFO || t == FileType.SOCKET || t == FileType.CHAR_DEVICE || t == FileType.BLOCK_DEVICE;
    }

    /** The file type in a full st_mode (S_IFMT bits). */
    static FileType typeOf(int fullMode) {
        return switch (fullMode & 0170000) {
            case 0100000 -> FileType.REGULAR;
            case 0040000 -> FileType.DIRECTORY;
            case 0120000 -> FileType.SYMLINK;
            case 0010000 -> FileType.FIFO;
            case 0140000 -> FileType.SOCKET;
            case 0020000 -> FileType.CHAR_DEVICE;
            case 0060000 -> FileType.BLOCK_DEVICE;
            default -> FileType.OTHER;
        };
    }

    private static Map<String, Object> unixAttributes(Path p) throws IOException {
        try {
            // named, not "unix:*": that would also resolve owner and group names (getpwuid, getgrgid
            // through NSS) on every call
            Map<String, Object> m = Files.readAttributes(p, UNIX_ATTRIBUTES, NOFOLLOW);
            return m.get("mode") instanceof Integer && m.get("ino") != null && m.get("ctime") != null
                    && m.get("isRegularFile") != null && m.get("size") instanceof Long ? m : null;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    void setMode(Path p, int mode) throws IOException {
        int bits = mode & 07777;
        try {
            Files.setAttribute(p, "unix:mode", bits);
            return;
        } catch (UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            // fall back to the posix view (no set-id or sticky bits there)
        }
        Files.setPosixFilePermissions(p, permissionsOf(bits));
    }

    void setOwner(Path p, int uid, int gid) throws IOException {
        try {
            if (uid >= 0) {
                Files.setAttribute(p, "unix:uid", uid, NOFOLLOW);
            }
            if (gid >= 0) {
                Files.setAttribute(p, "unix:gid", gid, NOFOLLOW);
            }
            return;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // fall back to names in the posix view
        }
        UserPrincipalLookupService users = p.getFileSystem().getUserPrincipalLookupService();
        if (uid >= 0) {
            Files.setAttribute(p, "posix:owner", users.lookupPrincipalByName(Integer.toString(uid)), NOFOLLOW);
        }
        if (gid >= 0) {
            Files.setAttribute(p, "posix:group", users.lookupPrincipalByGroupName(Integer.toString(gid)), NOFOLLOW);
        }
    }

    private static int numeric(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static final PosixFilePermission[] ORDER = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    static int modeOf(Set<PosixFilePermission> perms) {
        int m = 0;
        for (int i = 0; i < ORDER.length; i++) {
            if (perms.contains(ORDER[i])) {
                m |= 1 << i;
            }
        }
        return m;
    }

    static Set<PosixFilePermission> permissionsOf(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < ORDER.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(ORDER[i]);
            }
        }
        return s;
    }
}
