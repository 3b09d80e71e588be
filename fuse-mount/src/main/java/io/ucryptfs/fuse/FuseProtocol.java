package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FsStats;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The kernel's FUSE protocol ({@code include/uapi/linux/fuse.h}) as we speak it, version 7.33: the
 * opcodes, the INIT flags, and the layouts of the structs we read and write, with the code that
 * writes the ones shared by several replies. All little-endian (x86-64 and arm64), in {@link ByteBuffer}s
 * of native order. {@link KernelRequests} says what each request does.
 */
final class FuseProtocol {
    private FuseProtocol() {}

    static final int MAJOR = 7;
    /**
     * The minor version we answer with (or the kernel's, if older). Nothing we read changed size
     * since 7.12 unless we ask for it (SETXATTR_EXT, security contexts); 7.33 brought
     * HANDLE_KILLPRIV_V2, the newest thing we use.
     */
    static final int MINOR = 33;

    // ---- opcodes ----
    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int READLINK = 5;
    static final int SYMLINK = 6;
    static final int MKNOD = 8;
    static final int MKDIR = 9;
    static final int UNLINK = 10;
    static final int RMDIR = 11;
    static final int RENAME = 12;
    static final int LINK = 13;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int WRITE = 16;
    static final int STATFS = 17;
    static final int RELEASE = 18;
    static final int FSYNC = 20;
    static final int SETXATTR = 21;
    static final int GETXATTR = 22;
    static final int LISTXATTR = 23;
    static final int REMOVEXATTR = 24;
    static final int FLUSH = 25;
    static final int INIT = 26;
    static final int OPENDIR = 27;
    static final int READDIR = 28;
    static final int RELEASEDIR = 29;
    static final int ACCESS = 34;
    static final int CREATE = 35;
    static final int INTERRUPT = 36;
    static final int DESTROY = 38;
    static final int NOTIFY_REPLY = 41;
    static final int BATCH_FORGET = 42;
    static final int READDIRPLUS = 44;

    // ---- INIT flags ----
    static final int ASYNC_READ = 1;
    /** The kernel keeps written pages and sends them later, in larger writes (FUSE_WRITEBACK_CACHE). */
    static final int WRITEBACK_CACHE = 1 << 16;
    static final int BIG_WRITES = 1 << 5;
    static final int DO_READDIRPLUS = 1 << 13;
    static final int READDIRPLUS_AUTO = 1 << 14;
    static final int MAX_PAGES = 1 << 22;
    static final int HANDLE_KILLPRIV_V2 = 1 << 28;

    /** write_in's write_flags bit, setattr_in's valid bit, open_in's open_flags bit: clear set-ids (killpriv v2). */
    static final int WRITE_KILL_SUIDGID = 1 << 2;
    static final int FATTR_KILL_SUIDGID = 1 << 11;
    static final int OPEN_KILL_SUIDGID = 1;

    // ---- open_out's open_flags ----
    /**
     * No FLUSH at this handle's close (kernel 5.16 on; ignored before, and by the kernel while its
     * writeback cache is on). For read-only handles: see {@link OpenFlags#needsFlush}.
     */
    static final int FOPEN_NOFLUSH = 1 << 5;

    // ---- headers ----
    /** fuse_in_header: len, opcode, unique, nodeid, uid, gid, pid, padding. */
    static final int IN_HEADER = 40;
    static final int IN_OPCODE = 4;
    static final int IN_UNIQUE = 8;
    static final int IN_NODEID = 16;
    static final int IN_UID = 24;
    static final int IN_GID = 28;
    /** fuse_out_header: len, error (a negative errno), unique. */
    static final int OUT_HEADER = 16;
    /** The "error" of a notification: FUSE_NOTIFY_INVAL_INODE. */
    static final int NOTIFY_INVAL_INODE = 2;

    // ---- structs ----
    /** fuse_attr: ino, size, blocks, atime, mtime, ctime, their nsecs, mode, nlink, uid, gid, rdev, blksize, flags. */
    static final int ATTR_SIZE = 88;
    /** fuse_entry_out: nodeid, generation, entry_valid, attr_valid, their nsecs, then fuse_attr. */
    static final int ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
    /** fuse_attr_out: attr_valid, attr_valid_nsec, dummy, then fuse_attr. */
    static final int ATTR_OUT_SIZE = 16 + ATTR_SIZE;
    /** fuse_open_out: fh, open_flags, padding. */
    static final int OPEN_OUT_SIZE = 16;
    /** fuse_init_out as of 7.28 and later (64 bytes; the kernel takes it whole). */
    static final int INIT_OUT_SIZE = 64;
    /** fuse_kstatfs. */
    static final int STATFS_OUT_SIZE = 80;
    /** fuse_write_in: fh, offset, size, write_flags, lock_owner, flags, padding; the data follows. */
    static final int WRITE_IN_SIZE = 40;
    /** fuse_dirent: ino, off, namelen, type, then the name, padded to 8 bytes. */
    static final int DIRENT_NAME = 24;
    /** The inode number our directory entries carry (libfuse's, for entries without attributes). */
    static final long UNKNOWN_INO = 0xffffffffL;

    // ---- setattr's valid bits (FATTR_*) ----
    static final int FATTR_MODE = 1;
    static final int FATTR_UID = 2;
    static final int FATTR_GID = 4;
    static final int FATTR_SIZE = 8;
    static final int FATTR_ATIME = 16;
    static final int FATTR_MTIME = 32;
    static final int FATTR_FH = 64;
    static final int FATTR_ATIME_NOW = 128;
    static final int FATTR_MTIME_NOW = 256;

    /** getattr_in's flag: the fh field is valid (an fstat). */
    static final int GETATTR_FH = 1;

    /** Linux PATH_MAX: the longest name or target the kernel hands over, NUL included. */
    static final int PATH_MAX = 4096;

    /** st_mode: the type bits and the permission bits. */
    static int fullMode(FileAttributes a) {
        int type = switch (a.type()) {
            case REGULAR, OTHER -> FuseAdapter.S_IFREG;
            case DIRECTORY -> FuseAdapter.S_IFDIR;
            case SYMLINK -> FuseAdapter.S_IFLNK;
            case FIFO -> FuseAdapter.S_IFIFO;
            case SOCKET -> FuseAdapter.S_IFSOCK;
            case CHAR_DEVICE -> FuseAdapter.S_IFCHR;
            case BLOCK_DEVICE -> FuseAdapter.S_IFBLK;
        };
        return type | (a.mode() & 07777);
    }

    /** Writes a fuse_attr at {@code at}. */
    static void putAttr(ByteBuffer b, int at, FileAttributes a) {
        b.putLong(at, a.inode());
        b.putLong(at + 8, a.size());
        b.putLong(at + 16, a.blocks());
        b.putLong(at + 24, a.atime().getEpochSecond());
        b.putLong(at + 32, a.mtime().getEpochSecond());
        b.putLong(at + 40, a.ctime().getEpochSecond());
        b.putInt(at + 48, a.atime().getNano());
        b.putInt(at + 52, a.mtime().getNano());
        b.putInt(at + 56, a.ctime().getNano());
        b.putInt(at + 60, fullMode(a));
        b.putInt(at + 64, (int) Math.min(a.nlink(), Integer.MAX_VALUE));
        b.putInt(at + 68, Math.max(a.uid(), 0));
        b.putInt(at + 72, Math.max(a.gid(), 0));
        b.putInt(at + 76, (int) a.rdev()); // the kernel's new_encode_dev form, as glibc's st_rdev for small numbers
        b.putInt(at + 80, 4096);
        b.putInt(at + 84, 0);
    }

    /** Writes a fuse_entry_out at {@code at}: node 0 with only an entry timeout is a cacheable ENOENT. */
    static void putEntryOut(ByteBuffer b, int at, long node, FileAttributes a, double attrTimeout, double entryTimeout) {
        b.putLong(at, node);
        b.putLong(at + 8, 0); // generation: node ids are never reused while the mount lives
        putTimeout(b, at + 16, at + 32, entryTimeout);
        putTimeout(b, at + 24, at + 36, attrTimeout);
        if (a != null) {
            putAttr(b, at + 40, a);
        } else {
            zero(b, at + 40, ATTR_SIZE);
        }
    }

    /** Writes a fuse_attr_out at {@code at}. */
    static void putAttrOut(ByteBuffer b, int at, FileAttributes a, double timeout) {
        putTimeout(b, at, at + 8, timeout);
        b.putInt(at + 12, 0);
        putAttr(b, at + 16, a);
    }

    /** fuse_open_out: the handle, its FOPEN_ flags (none: the kernel's page cache as usual), padding. */
    static void putOpenOut(ByteBuffer b, int at, long handle, int openFlags) {
        b.putLong(at, handle);
        b.putInt(at + 8, openFlags);
        b.putInt(at + 12, 0);
    }

    /** Writes a fuse_kstatfs at {@code at}. */
    static void putStatfs(ByteBuffer b, int at, FsStats s) {
        b.putLong(at, s.totalBlocks());
        b.putLong(at + 8, s.freeBlocks());
        b.putLong(at + 16, s.availableBlocks());
        b.putLong(at + 24, s.totalInodes());
        b.putLong(at + 32, s.freeInodes());
        b.putInt(at + 40, (int) s.blockSize());
        b.putInt(at + 44, (int) s.maxNameLength());
        b.putInt(at + 48, (int) s.blockSize()); // frsize
        zero(b, at + 52, STATFS_OUT_SIZE - 52);
    }

    /** The size of a fuse_dirent with {@code name}, padded to 8 bytes. */
    static int direntSize(byte[] name) {
        return (DIRENT_NAME + name.length + 7) & ~7;
    }

    /**
     * Writes one fuse_dirent at {@code at}; returns its size, or 0 when it does not fit before
     * {@code limit}. {@code type} is the DT_ value (the S_IFMT bits shifted down; 0 unknown).
     */
    static int putDirent(ByteBuffer b, int at, int limit, byte[] name, long nextOffset, long ino, int type) {
        int len = DIRENT_NAME + name.length;
        int padded = direntSize(name);
        if (at + padded > limit) {
            return 0;
        }
        b.putLong(at, ino);
        b.putLong(at + 8, nextOffset);
        b.putInt(at + 16, name.length);
        b.putInt(at + 20, type);
        b.put(at + DIRENT_NAME, name, 0, name.length);
        zero(b, at + len, padded - len);
        return padded;
    }

    /** A timeout in seconds as the kernel takes it: whole seconds and nanoseconds, in two fields. */
    static void putTimeout(ByteBuffer b, int secondsAt, int nanosAt, double seconds) {
        long whole = (long) seconds;
        b.putLong(secondsAt, whole);
        b.putInt(nanosAt, (int) Math.round((seconds - whole) * 1e9));
    }

    static Instant time(ByteBuffer b, int secondsAt, int nanosAt) {
        return Instant.ofEpochSecond(b.getLong(secondsAt), b.getInt(nanosAt) & 0xffffffffL);
    }

    static void zero(ByteBuffer b, int at, int n) {
        for (int i = 0; i < n; i++) {
            b.put(at + i, (byte) 0);
        }
    }

    /** An opcode's name, for the log. */
    static String opcodeName(int opcode) {
        return switch (opcode) {
            case LOOKUP -> "lookup";
            case GETATTR -> "getattr";
            case SETATTR -> "setattr";
            case READLINK -> "readlink";
            case SYMLINK -> "symlink";
            case MKNOD -> "mknod";
            case MKDIR -> "mkdir";
            case UNLINK -> "unlink";
            case RMDIR -> "rmdir";
            case RENAME -> "rename";
            case LINK -> "link";
            case OPEN -> "open";
            case READ -> "read";
            case WRITE -> "write";
            case STATFS -> "statfs";
            case RELEASE -> "release";
            case FSYNC -> "fsync";
            case SETXATTR -> "setxattr";
            case GETXATTR -> "getxattr";
            case LISTXATTR -> "listxattr";
            case REMOVEXATTR -> "removexattr";
            case FLUSH -> "flush";
            case OPENDIR -> "opendir";
            case READDIR -> "readdir";
            case RELEASEDIR -> "releasedir";
            case CREATE -> "create";
            case READDIRPLUS -> "readdirplus";
            case FORGET, BATCH_FORGET -> "forget";
            default -> "opcode " + opcode;
        };
    }
}
