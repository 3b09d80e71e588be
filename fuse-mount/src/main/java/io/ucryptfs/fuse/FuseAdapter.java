package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.FsStats;
import io.ucryptfs.core.fs.OpenMode;
import io.ucryptfs.core.fs.Owner;
import io.ucryptfs.core.names.NameBytes;
import io.ucryptfs.core.util.Pool;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates FUSE calls to {@link CryptFileSystem} calls and {@link FsException}s to {@code -errno}.
 * No crypto and no policy here: only argument and buffer conversion, so the binding could be swapped.
 * jnr-fuse types stay in this package. Paths, names and symlink targets are {@link NameBytes} Strings
 * both ways: {@link ByteNameCallbacks} decodes what libfuse passes, and readdir, readlink and
 * listxattr encode with it.
 */
public final class FuseAdapter extends FuseStubFS {
    private static final Logger log = LoggerFactory.getLogger(FuseAdapter.class);

    private static final int O_ACCMODE = 03;
    private static final int O_WRONLY = 01;
    private static final int O_RDWR = 02;
    private static final int O_TRUNC = 01000;
    private static final int O_APPEND = 02000;
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final int MAX_IO = 1 << 20;

    /** I/O buffers (jnr's Pointer copies from and to a Java array), pooled: libfuse's threads come and go. */
    private static final Pool<byte[]> BUFFERS = new Pool<>(() -> new byte[MountSettings.MAX_IO]);

    private final CryptFileSystem fs;
    private final Set<Long> appendHandles = ConcurrentHashMap.newKeySet();
    /** Our callbacks for every operation that carries a name: names as bytes (see {@link ByteNameCallbacks}). */
    private final Object byteNameCallbacks;

    /**
     * libfuse2's {@code fuse_operations} flag bits (an unsigned int of bit fields, whose first byte jnr-fuse
     * declares as the padding {@code flag_nullpath_ok}): bit 2 is {@code flag_utime_omit_ok}.
     */
    private static final int FLAG_UTIME_OMIT_OK = 1 << 2;

    public FuseAdapter(CryptFileSystem fs) {
        this.fs = fs;
        // Without flag_utime_omit_ok libfuse2 calls utimens only when both times are set, and silently
        // drops a change of one of them (touch -m, touch -a, utimensat with UTIME_OMIT) yet answers 0.
        // instant() below handles UTIME_OMIT and UTIME_NOW.
        jnr.ffi.Struct.getMemory(fuseOperations).putByte(Offsets.of(fuseOperations.flag_nullpath_ok), (byte) FLAG_UTIME_OMIT_OK);
        this.byteNameCallbacks = ByteNameCallbacks.install(this, fuseOperations);
    }

    /** The offset of a member of the operations table. */
    static long offsetOf(jnr.ffi.BaseStruct.Func<?> m) {
        return Offsets.of(m);
    }

    /** A struct member's offset: jnr-ffi lets only Struct subclasses see it. */
    private static final class Offsets extends jnr.ffi.Struct {
        private Offsets() {
            super(jnr.ffi.Runtime.getSystemRuntime());
        }

        static long of(jnr.ffi.Struct.AbstractMember m) {
            return m.offset();
        }
    }

    /** The libfuse operations table jnr-fuse built for this adapter (for {@link JavaThreadLoop}). */
    ru.serce.jnrfuse.struct.FuseOperations operations() {
        return fuseOperations;
    }

    private static int fail(String op, String path, FsException e) {
        int errno = e.errno();
        if (errno == Errno.EIO || errno == Errno.EACCES && e.getMessage().contains("no key")) {
            log.warn("{} {}: {}", op, path, e.getMessage());
        } else {
            log.debug("{} {}: {}", op, path, e.getMessage());
        }
        return -errno;
    }

    private static int crash(String op, String path, Throwable e) {
        // a bug must not take the mount down: answer EIO for this call and log it. Errors too (a
        // StackOverflowError, an OutOfMemoryError on one huge request, a LinkageError): thrown
        // through the native callback, one would end that libfuse worker thread and, one by one,
        // leave a mount that answers nothing
        log.error("{} {}: unexpected {}", op, path, e.toString(), e);
        return -Errno.EIO;
    }

    /**
     * Whether the daemon runs as root: then new nodes get the caller's uid and gid (with
     * {@code allow_other} other users create files here). Otherwise the caller is the daemon's user
     * (or, with allow_other, one whose files could not be given away anyway) and the lower default stays.
     */
    private static final boolean ROOT = new com.sun.security.auth.module.UnixSystem().getUid() == 0;

    /** The owner of a node this request makes: the FUSE caller's fsuid and fsgid. */
    private Owner caller() {
        if (!ROOT) {
            return Owner.DAEMON;
        }
        ru.serce.jnrfuse.struct.FuseContext c = getContext();
        return new Owner((int) c.uid.get(), (int) c.gid.get());
    }

    /** A buffer of at least {@code size} bytes (at most MAX_IO); give it back with {@link #done}. */
    private static byte[] buffer(long size) {
        byte[] b = BUFFERS.take();
        return b.length >= size ? b : new byte[(int) Math.min(size, MAX_IO)];
    }

    private static void done(byte[] b) {
        if (b.length == MountSettings.MAX_IO) {
            BUFFERS.give(b);
        }
    }

    // ---- attributes ----

    @Override
    public int getattr(String path, FileStat stat) {
        try {
            fill(stat, fs.getattr(path));
            return 0;
        } catch (FsException e) {
            return -e.errno(); // ENOENT is the common, expected answer: not logged
        } catch (RuntimeException | Error e) {
            return crash("getattr", path, e);
        }
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        try {
            fill(stat, fs.fgetattr(fi.fh.get()));
            return 0;
        } catch (FsException e) {
            return fail("fgetattr", path, e);
        } catch (RuntimeException | Error e) {
            return crash("fgetattr", path, e);
        }
    }

    private static void fill(FileStat stat, FileAttributes a) {
        int type = switch (a.type()) {
            case REGULAR -> FileStat.S_IFREG;
            case DIRECTORY -> FileStat.S_IFDIR;
            case SYMLINK -> FileStat.S_IFLNK;
            case FIFO -> FileStat.S_IFIFO;
            case SOCKET -> FileStat.S_IFSOCK;
            case CHAR_DEVICE -> FileStat.S_IFCHR;
            case BLOCK_DEVICE -> FileStat.S_IFBLK;
            case OTHER -> FileStat.S_IFREG;
        };
        stat.st_rdev.set(a.rdev());
        stat.st_mode.set(type | (a.mode() & 07777));
        stat.st_size.set(a.size());
        stat.st_nlink.set(a.nlink());
        if (a.uid() >= 0) {
            stat.st_uid.set(a.uid());
        }
        if (a.gid() >= 0) {
            stat.st_gid.set(a.gid());
        }
        stat.st_ino.set(a.inode());
        stat.st_blksize.set(4096);
        stat.st_blocks.set(a.blocks());
        time(stat.st_atim, a.atime());
        time(stat.st_mtim, a.mtime());
        time(stat.st_ctim, a.ctime());
    }

    private static void time(Timespec t, Instant i) {
        t.tv_sec.set(i.getEpochSecond());
        t.tv_nsec.set(i.getNano());
    }

    private static final byte[] DOT = {'.', 0};
    private static final byte[] DOT_DOT = {'.', '.', 0};

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
        try {
            List<String> names = fs.readdir(path);
            filter.apply(buf, ByteBuffer.wrap(DOT), null, 0);
            filter.apply(buf, ByteBuffer.wrap(DOT_DOT), null, 0);
            for (String n : names) {
                if (filter.apply(buf, ByteBuffer.wrap(ByteNameCallbacks.cString(n)), null, 0) != 0) {
                    break;
                }
            }
            return 0;
        } catch (FsException e) {
            return fail("readdir", path, e);
        } catch (RuntimeException | Error e) {
            return crash("readdir", path, e);
        }
    }

    // ---- files ----

    private static OpenMode mode(int flags) {
        return switch (flags & O_ACCMODE) {
            case O_WRONLY -> OpenMode.WRITE;
            case O_RDWR -> OpenMode.READ_WRITE;
            default -> OpenMode.READ;
        };
    }

    @Override
    public int create(String path, @mode_t long mode, FuseFileInfo fi) {
        try {
            long h = fs.create(path, (int) mode, caller());
            fi.fh.set(h);
            if ((fi.flags.get() & O_APPEND) != 0) {
                appendHandles.add(h);
            }
            return 0;
        } catch (FsException e) {
            return fail("create", path, e);
        } catch (RuntimeException | Error e) {
            return crash("create", path, e);
        }
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            int flags = fi.flags.get();
            long h = fs.open(path, mode(flags));
            if ((flags & O_TRUNC) != 0 && mode(flags).canWrite()) {
                try {
                    fs.ftruncate(h, 0);
                } catch (FsException e) {
                    fs.release(h);
                    throw e;
                }
            }
            if ((flags & O_APPEND) != 0) {
                appendHandles.add(h);
            }
            fi.fh.set(h);
            return 0;
        } catch (FsException e) {
            return fail("open", path, e);
        } catch (RuntimeException | Error e) {
            return crash("open", path, e);
        }
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        try {
            int want = (int) Math.min(size, MAX_IO);
            byte[] b = buffer(want);
            try {
                int n = fs.read(fi.fh.get(), ByteBuffer.wrap(b, 0, want), offset);
                buf.put(0, b, 0, n);
                return n;
            } finally {
                done(b);
            }
        } catch (FsException e) {
            return fail("read", path, e);
        } catch (RuntimeException | Error e) {
            return crash("read", path, e);
        }
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        try {
            int n = (int) Math.min(size, MAX_IO);
            byte[] b = buffer(n);
            try {
                buf.get(0, b, 0, n);
                long h = fi.fh.get();
                if (appendHandles.contains(h)) {
                    fs.append(h, ByteBuffer.wrap(b, 0, n));
                    return n;
                }
                return fs.write(h, ByteBuffer.wrap(b, 0, n), offset);
            } finally {
                done(b);
            }
        } catch (FsException e) {
            return fail("write", path, e);
        } catch (RuntimeException | Error e) {
            return crash("write", path, e);
        }
    }

    @Override
    public int truncate(String path, @off_t long size) {
        try {
            fs.truncate(path, size);
            return 0;
        } catch (FsException e) {
            return fail("truncate", path, e);
        } catch (RuntimeException | Error e) {
            return crash("truncate", path, e);
        }
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        try {
            fs.ftruncate(fi.fh.get(), size);
            return 0;
        } catch (FsException e) {
            return fail("ftruncate", path, e);
        } catch (RuntimeException | Error e) {
            return crash("ftruncate", path, e);
        }
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        try {
            fs.flush(fi.fh.get());
            return 0;
        } catch (FsException e) {
            return fail("flush", path, e);
        } catch (RuntimeException | Error e) {
            return crash("flush", path, e);
        }
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        try {
            fs.fsync(fi.fh.get(), isdatasync != 0);
            return 0;
        } catch (FsException e) {
            return fail("fsync", path, e);
        } catch (RuntimeException | Error e) {
            return crash("fsync", path, e);
        }
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        long h = fi.fh.get();
        appendHandles.remove(h);
        try {
            fs.release(h);
            return 0;
        } catch (FsException e) {
            return fail("release", path, e);
        } catch (RuntimeException | Error e) {
            return crash("release", path, e);
        }
    }

    // ---- names ----

    @Override
    public int unlink(String path) {
        try {
            fs.unlink(path);
            return 0;
        } catch (FsException e) {
            return fail("unlink", path, e);
        } catch (RuntimeException | Error e) {
            return crash("unlink", path, e);
        }
    }

    @Override
    public int mkdir(String path, @mode_t long mode) {
        try {
            fs.mkdir(path, (int) mode, caller());
            return 0;
        } catch (FsException e) {
            return fail("mkdir", path, e);
        } catch (RuntimeException | Error e) {
            return crash("mkdir", path, e);
        }
    }

    @Override
    public int rmdir(String path) {
        try {
            fs.rmdir(path);
            return 0;
        } catch (FsException e) {
            return fail("rmdir", path, e);
        } catch (RuntimeException | Error e) {
            return crash("rmdir", path, e);
        }
    }

    @Override
    public int rename(String oldpath, String newpath) {
        try {
            fs.rename(oldpath, newpath);
            return 0;
        } catch (FsException e) {
            return fail("rename", oldpath, e);
        } catch (RuntimeException | Error e) {
            return crash("rename", oldpath, e);
        }
    }

    @Override
    public int symlink(String oldpath, String newpath) {
        try {
            fs.symlink(oldpath, newpath, caller());
            return 0;
        } catch (FsException e) {
            return fail("symlink", newpath, e);
        } catch (RuntimeException | Error e) {
            return crash("symlink", newpath, e);
        }
    }

    @Override
    public int readlink(String path, Pointer buf, @size_t long size) {
        try {
            byte[] target = NameBytes.encode(fs.readlink(path));
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        } catch (FsException e) {
            return fail("readlink", path, e);
        } catch (RuntimeException | Error e) {
            return crash("readlink", path, e);
        }
    }

    @Override
    public int mknod(String path, @mode_t long mode, @jnr.ffi.types.dev_t long rdev) {
        FileType type = switch ((int) mode & FileStat.S_IFMT) {
            case FileStat.S_IFREG, 0 -> FileType.REGULAR;
            case FileStat.S_IFIFO -> FileType.FIFO;
            case FileStat.S_IFSOCK -> FileType.SOCKET;
            case FileStat.S_IFCHR -> FileType.CHAR_DEVICE;
            case FileStat.S_IFBLK -> FileType.BLOCK_DEVICE;
            default -> null;
        };
        if (type == null) {
            return -Errno.EINVAL;
        }
        try {
            fs.mknod(path, type, (int) mode & 07777, rdev, caller());
            return 0;
        } catch (FsException e) {
            return fail("mknod", path, e);
        } catch (RuntimeException | Error e) {
            return crash("mknod", path, e);
        }
    }

    @Override
    public int link(String oldpath, String newpath) {
        try {
            fs.link(oldpath, newpath);
            return 0;
        } catch (FsException e) {
            return fail("link", newpath, e);
        } catch (RuntimeException | Error e) {
            return crash("link", newpath, e);
        }
    }

    // ---- metadata ----

    @Override
    public int chmod(String path, @mode_t long mode) {
        try {
            fs.chmod(path, (int) mode);
            return 0;
        } catch (FsException e) {
            return fail("chmod", path, e);
        } catch (RuntimeException | Error e) {
            return crash("chmod", path, e);
        }
    }

    @Override
    public int chown(String path, long uid, long gid) {
        try {
            fs.chown(path, (int) uid, (int) gid);
            return 0;
        } catch (FsException e) {
            return fail("chown", path, e);
        } catch (RuntimeException | Error e) {
            return crash("chown", path, e);
        }
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        try {
            fs.utimens(path, instant(timespec[0]), instant(timespec[1]));
            return 0;
        } catch (FsException e) {
            return fail("utimens", path, e);
        } catch (RuntimeException | Error e) {
            return crash("utimens", path, e);
        }
    }

    /** null for UTIME_OMIT (leave it), now for UTIME_NOW. */
    private static Instant instant(Timespec t) {
        long nsec = t.tv_nsec.longValue();
        if (nsec == UTIME_OMIT) {
            return null;
        }
        if (nsec == UTIME_NOW) {
            return Instant.now();
        }
        return Instant.ofEpochSecond(t.tv_sec.get(), nsec);
    }

    @Override
    public int statfs(String path, Statvfs st) {
        try {
            FsStats s = fs.statfs();
            st.f_bsize.set(s.blockSize());
            st.f_frsize.set(s.blockSize());
            st.f_blocks.set(s.totalBlocks());
            st.f_bfree.set(s.freeBlocks());
            st.f_bavail.set(s.availableBlocks());
            st.f_files.set(s.totalInodes());
            st.f_ffree.set(s.freeInodes());
            st.f_favail.set(s.freeInodes());
            st.f_namemax.set(s.maxNameLength());
            return 0;
        } catch (FsException e) {
            return fail("statfs", path, e);
        } catch (RuntimeException | Error e) {
            return crash("statfs", path, e);
        }
    }

    // ---- extended attributes ----

    @Override
    public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
        try {
            byte[] v = new byte[(int) size];
            value.get(0, v, 0, v.length);
            fs.setxattr(path, name, v, flags);
            return 0;
        } catch (FsException e) {
            return fail("setxattr", path, e);
        } catch (RuntimeException | Error e) {
            return crash("setxattr", path, e);
        }
    }

    @Override
    public int getxattr(String path, String name, Pointer value, @size_t long size) {
        try {
            byte[] v = fs.getxattr(path, name);
            if (size == 0) {
                return v.length;
            }
            if (v.length > size) {
                return -Errno.ERANGE;
            }
            value.put(0, v, 0, v.length);
            return v.length;
        } catch (FsException e) {
            return e.errno() == Errno.ENODATA || e.errno() == Errno.EOPNOTSUPP ? -e.errno() : fail("getxattr", path, e);
        } catch (RuntimeException | Error e) {
            return crash("getxattr", path, e);
        }
    }

    @Override
    public int listxattr(String path, Pointer list, @size_t long size) {
        try {
            java.io.ByteArrayOutputStream names = new java.io.ByteArrayOutputStream();
            for (String n : fs.listxattr(path)) {
                names.writeBytes(ByteNameCallbacks.cString(n));
            }
            byte[] b = names.toByteArray();
            if (size == 0) {
                return b.length;
            }
            if (b.length > size) {
                return -Errno.ERANGE;
            }
            list.put(0, b, 0, b.length);
            return b.length;
        } catch (FsException e) {
            return fail("listxattr", path, e);
        } catch (RuntimeException | Error e) {
            return crash("listxattr", path, e);
        }
    }

    @Override
    public int removexattr(String path, String name) {
        try {
            fs.removexattr(path, name);
            return 0;
        } catch (FsException e) {
            return fail("removexattr", path, e);
        } catch (RuntimeException | Error e) {
            return crash("removexattr", path, e);
        }
    }
}
