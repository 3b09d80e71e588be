package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FsStats;
import io.ucryptfs.core.names.NameBytes;
import java.time.Instant;
import jnr.ffi.Pointer;

/**
 * The native structs of libfuse 2.9's low-level API and the kernel's, as offsets and the code that
 * writes and reads them (x86-64 and arm64 Linux share these layouts): {@code struct stat},
 * {@code fuse_entry_param}, {@code fuse_file_info}, {@code statvfs}, {@code fuse_ctx},
 * {@code fuse_dirent}, and setattr's bits. Kept apart from {@link LowLevelOps}, which says what each
 * request does with them.
 */
final class NativeStructs {
    private NativeStructs() {}

    // struct stat (x86-64 / aarch64 glibc share these offsets for the fields we use)
    static final int STAT_SIZE = 144;
    static final int ST_INO = 8;
    static final int ST_NLINK = 16;
    static final int ST_MODE = 24;
    static final int ST_UID = 28;
    static final int ST_GID = 32;
    static final int ST_RDEV = 40;
    static final int ST_SIZE = 48;
    static final int ST_BLKSIZE = 56;
    static final int ST_BLOCKS = 64;
    static final int ST_ATIM = 72;
    static final int ST_MTIM = 88;
    static final int ST_CTIM = 104;

    // struct fuse_entry_param: ino, generation, attr, attr_timeout, entry_timeout
    static final int ENTRY_SIZE = 176;
    static final int E_INO = 0;
    static final int E_ATTR = 16;
    static final int E_ATTR_TIMEOUT = 160;
    static final int E_ENTRY_TIMEOUT = 168;

    // struct fuse_file_info (libfuse 2.9): flags, fh_old, writepage, bit fields, fh, lock_owner
    static final int FI_FLAGS = 0;
    static final int FI_FH = 24;

    // struct statvfs
    static final int STATVFS_SIZE = 112;

    // struct fuse_ctx: uid, gid, pid, umask
    static final int CTX_UID = 0;
    static final int CTX_GID = 4;

    // setattr's to_set bits (FUSE_SET_ATTR_*)
    static final int SET_MODE = 1;
    static final int SET_UID = 2;
    static final int SET_GID = 4;
    static final int SET_SIZE = 8;
    static final int SET_ATIME = 16;
    static final int SET_MTIME = 32;
    static final int SET_ATIME_NOW = 128;
    static final int SET_MTIME_NOW = 256;

    /** struct fuse_dirent: ino, off, namelen, type, then the name, padded to 8 bytes. */
    static final int DIRENT_NAME = 24;
    /** The inode number libfuse's high-level API gives entries it has no attributes for. */
    static final long UNKNOWN_INO = 0xffffffffL;

    /** Linux PATH_MAX: the longest name or target the kernel hands over, NUL included. */
    static final int PATH_MAX = 4096;

    static void putStat(Pointer p, long at, FileAttributes a) {
        int type = switch (a.type()) {
            case REGULAR, OTHER -> FuseAdapter.S_IFREG;
            case DIRECTORY -> FuseAdapter.S_IFDIR;
            case SYMLINK -> FuseAdapter.S_IFLNK;
            case FIFO -> FuseAdapter.S_IFIFO;
            case SOCKET -> FuseAdapter.S_IFSOCK;
            case CHAR_DEVICE -> FuseAdapter.S_IFCHR;
            case BLOCK_DEVICE -> FuseAdapter.S_IFBLK;
        };
        p.putLong(at + ST_INO, a.inode());
        p.putLong(at + ST_NLINK, a.nlink());
        p.putInt(at + ST_MODE, type | (a.mode() & 07777));
        p.putInt(at + ST_UID, Math.max(a.uid(), 0));
        p.putInt(at + ST_GID, Math.max(a.gid(), 0));
        p.putLong(at + ST_RDEV, a.rdev());
        p.putLong(at + ST_SIZE, a.size());
        p.putLong(at + ST_BLKSIZE, 4096);
        p.putLong(at + ST_BLOCKS, a.blocks());
        putTime(p, at + ST_ATIM, a.atime());
        putTime(p, at + ST_MTIM, a.mtime());
        putTime(p, at + ST_CTIM, a.ctime());
    }

    static void putTime(Pointer p, long at, Instant t) {
        p.putLong(at, t.getEpochSecond());
        p.putLong(at + 8, t.getNano());
    }

    static void putStatvfs(Pointer st, FsStats s) {
        st.setMemory(0, STATVFS_SIZE, (byte) 0);
        st.putLong(0, s.blockSize()); // f_bsize
        st.putLong(8, s.blockSize()); // f_frsize
        st.putLong(16, s.totalBlocks());
        st.putLong(24, s.freeBlocks());
        st.putLong(32, s.availableBlocks());
        st.putLong(40, s.totalInodes());
        st.putLong(48, s.freeInodes());
        st.putLong(56, s.freeInodes()); // f_favail
        st.putLong(80, s.maxNameLength()); // f_namemax
    }

    /**
     * Writes one {@code struct fuse_dirent} at {@code at} as {@code fuse_add_direntry} does; returns its
     * size, or 0 when it does not fit before {@code limit}.
     */
    static int direntry(Pointer buf, int at, int limit, byte[] name, long nextOffset) {
        int len = DIRENT_NAME + name.length;
        int padded = (len + 7) & ~7;
        if (at + padded > limit) {
            return 0;
        }
        buf.putLong(at, UNKNOWN_INO);
        buf.putLong(at + 8, nextOffset);
        buf.putInt(at + 16, name.length);
        buf.putInt(at + 20, 0); // DT_UNKNOWN, as libfuse's high-level API sent without attributes
        buf.put(at + DIRENT_NAME, name, 0, name.length);
        for (int i = len; i < padded; i++) {
            buf.putByte(at + i, (byte) 0);
        }
        return padded;
    }


    /** The handle in a file info that may be absent (getattr, setattr: only for fstat, ftruncate). */
    static long handleOrNone(Pointer fi) {
        return fi == null || fi.address() == 0 ? -1 : fi.getLong(FI_FH);
    }

    static FuseAdapter.Changes changes(Pointer attr, int toSet) {
        Integer mode = (toSet & SET_MODE) != 0 ? attr.getInt(ST_MODE) & 07777 : null;
        int uid = (toSet & SET_UID) != 0 ? attr.getInt(ST_UID) : -1;
        int gid = (toSet & SET_GID) != 0 ? attr.getInt(ST_GID) : -1;
        Long size = (toSet & SET_SIZE) != 0 ? attr.getLong(ST_SIZE) : null;
        Instant now = (toSet & (SET_ATIME_NOW | SET_MTIME_NOW)) != 0 ? Instant.now() : null;
        Instant atime = (toSet & SET_ATIME_NOW) != 0 ? now
                : (toSet & SET_ATIME) != 0 ? time(attr, ST_ATIM) : null;
        Instant mtime = (toSet & SET_MTIME_NOW) != 0 ? now
                : (toSet & SET_MTIME) != 0 ? time(attr, ST_MTIM) : null;
        return new FuseAdapter.Changes(mode, uid, gid, size, atime, mtime);
    }

    static Instant time(Pointer p, long at) {
        return Instant.ofEpochSecond(p.getLong(at), p.getLong(at + 8));
    }


    /** A name or symlink target from the kernel, as the {@link NameBytes} String of its bytes. */
    static String string(Pointer p) {
        int n = p.indexOf(0, (byte) 0, PATH_MAX);
        if (n < 0) {
            n = PATH_MAX;
        }
        byte[] b = new byte[n];
        p.get(0, b, 0, n);
        return NameBytes.decode(b);
    }

    static byte[] cString(byte[] b) {
        byte[] c = new byte[b.length + 1];
        System.arraycopy(b, 0, c, 0, b.length);
        return c;
    }
}
