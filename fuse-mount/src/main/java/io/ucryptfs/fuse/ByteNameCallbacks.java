package io.ucryptfs.fuse;

import io.ucryptfs.core.names.NameBytes;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.BaseStruct;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.provider.jffi.ClosureHelper;
import jnr.ffi.types.dev_t;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.FuseOperations;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * Registers {@link FuseAdapter}'s libfuse callbacks again, with every path and extended-attribute name
 * taken as the C string it is and turned into a String by {@link NameBytes}.
 *
 * <p>jnr-fuse 0.5.8 declares these arguments as {@code String}, which jnr-ffi decodes with the JVM's
 * default charset (UTF-8, or ASCII under {@code LANG=C}): every byte that is not valid UTF-8 became
 * U+FFFD, so such a name was altered, a name of the maximum length grew past it, and two names that
 * differ only in such bytes became one file. The callbacks here have the same native signatures as
 * jnr-fuse's ({@code FuseCallbacks}), with {@code Pointer} for each string, and call the same
 * {@link FuseAdapter} methods. They overwrite the function pointers jnr-fuse wrote into the
 * {@code fuse_operations} table, before libfuse sees it.
 *
 * <p>Public, as are the callback interfaces, only because jnr-ffi's generated closure classes live in
 * their own class loader and must reach the interfaces.
 */
public final class ByteNameCallbacks {
    /** Linux PATH_MAX: the longest path libfuse hands over, NUL included. */
    private static final int PATH_MAX = 4096;

    /** The callbacks' Java objects: jnr-ffi frees a closure when its object is collected. */
    private final List<Object> keep = new ArrayList<>();
    private final FuseOperations ops;

    private ByteNameCallbacks(FuseOperations ops) {
        this.ops = ops;
    }

    /** A C string from libfuse (a path, a symlink target or an xattr name) as a {@link NameBytes} String. */
    static String string(Pointer p) {
        int n = p.indexOf(0, (byte) 0, PATH_MAX);
        if (n < 0) {
            n = PATH_MAX;
        }
        byte[] b = new byte[n];
        p.get(0, b, 0, n);
        return NameBytes.decode(b);
    }

    /** A name for libfuse: its {@link NameBytes} bytes and a NUL. */
    static byte[] cString(String name) {
        byte[] b = NameBytes.encode(name);
        byte[] c = new byte[b.length + 1];
        System.arraycopy(b, 0, c, 0, b.length);
        return c;
    }

    // The native signatures, as jnr-fuse's FuseCallbacks declares them, with Pointer for each string.

    public interface Path1 { @Delegate int call(Pointer path); }

    public interface Path2 { @Delegate int call(Pointer path, Pointer path2); }

    public interface PathPtr { @Delegate int call(Pointer path, Pointer p); }

    public interface PathPtrPtr { @Delegate int call(Pointer path, Pointer p, Pointer q); }

    public interface PathMode { @Delegate int call(Pointer path, @mode_t long mode); }

    public interface PathOff { @Delegate int call(Pointer path, @off_t long size); }

    public interface PathModePtr { @Delegate int call(Pointer path, @mode_t long mode, Pointer fi); }

    public interface PathOffPtr { @Delegate int call(Pointer path, @off_t long size, Pointer fi); }

    public interface PathIntPtr { @Delegate int call(Pointer path, int i, Pointer fi); }

    public interface PathBuf { @Delegate int call(Pointer path, Pointer buf, @size_t long size); }

    public interface PathIo { @Delegate int call(Pointer path, Pointer buf, @size_t long size, @off_t long offset, Pointer fi); }

    public interface PathReaddir { @Delegate int call(Pointer path, Pointer buf, Pointer filler, @off_t long offset, Pointer fi); }

    public interface PathModeDev { @Delegate int call(Pointer path, @mode_t long mode, @dev_t long rdev); }

    public interface PathOwner { @Delegate int call(Pointer path, @uid_t long uid, @gid_t long gid); }

    public interface PathSetxattr { @Delegate int call(Pointer path, Pointer name, Pointer value, @size_t long size, int flags); }

    public interface PathGetxattr { @Delegate int call(Pointer path, Pointer name, Pointer value, @size_t long size); }

    /** Replaces the callbacks of {@code fs} in its operations table; the result must stay reachable. */
    static Object install(FuseAdapter fs, FuseOperations ops) {
        ByteNameCallbacks c = new ByteNameCallbacks(ops);
        c.set(ops.getattr, PathPtr.class, (p, st) -> fs.getattr(string(p), FileStat.of(st)));
        c.set(ops.fgetattr, PathPtrPtr.class, (p, st, fi) -> fs.fgetattr(string(p), FileStat.of(st), FuseFileInfo.of(fi)));
        c.set(ops.readdir, PathReaddir.class, (p, buf, filler, off, fi) -> {
            ClosureHelper helper = ClosureHelper.getInstance();
            FuseFillDir fill = helper.getNativeConveter(FuseFillDir.class).fromNative(filler, helper.getFromNativeContext());
            return fs.readdir(string(p), buf, fill, off, FuseFileInfo.of(fi));
        });
        c.set(ops.create, PathModePtr.class, (p, mode, fi) -> fs.create(string(p), mode, FuseFileInfo.of(fi)));
        c.set(ops.open, PathPtr.class, (p, fi) -> fs.open(string(p), FuseFileInfo.of(fi)));
        c.set(ops.read, PathIo.class, (p, buf, size, off, fi) -> fs.read(string(p), buf, size, off, FuseFileInfo.of(fi)));
        c.set(ops.write, PathIo.class, (p, buf, size, off, fi) -> fs.write(string(p), buf, size, off, FuseFileInfo.of(fi)));
        c.set(ops.truncate, PathOff.class, (p, size) -> fs.truncate(string(p), size));
        c.set(ops.ftruncate, PathOffPtr.class, (p, size, fi) -> fs.ftruncate(string(p), size, FuseFileInfo.of(fi)));
        c.set(ops.flush, PathPtr.class, (p, fi) -> fs.flush(string(p), FuseFileInfo.of(fi)));
        c.set(ops.fsync, PathIntPtr.class, (p, d, fi) -> fs.fsync(string(p), d, FuseFileInfo.of(fi)));
        c.set(ops.release, PathPtr.class, (p, fi) -> fs.release(string(p), FuseFileInfo.of(fi)));
        c.set(ops.unlink, Path1.class, p -> fs.unlink(string(p)));
        c.set(ops.mkdir, PathMode.class, (p, mode) -> fs.mkdir(string(p), mode));
        c.set(ops.rmdir, Path1.class, p -> fs.rmdir(string(p)));
        c.set(ops.rename, Path2.class, (from, to) -> fs.rename(string(from), string(to)));
        c.set(ops.symlink, Path2.class, (target, p) -> fs.symlink(string(target), string(p)));
        c.set(ops.readlink, PathBuf.class, (p, buf, size) -> fs.readlink(string(p), buf, size));
        c.set(ops.mknod, PathModeDev.class, (p, mode, rdev) -> fs.mknod(string(p), mode, rdev));
        c.set(ops.link, Path2.class, (from, to) -> fs.link(string(from), string(to)));
        c.set(ops.chmod, PathMode.class, (p, mode) -> fs.chmod(string(p), mode));
        c.set(ops.chown, PathOwner.class, (p, uid, gid) -> fs.chown(string(p), uid, gid));
        c.set(ops.utimens, PathPtr.class, (p, ts) -> {
            Timespec atime = Timespec.of(ts);
            Timespec mtime = Timespec.of(ts.slice(Struct.size(atime)));
            return fs.utimens(string(p), new Timespec[] {atime, mtime});
        });
        c.set(ops.statfs, PathPtr.class, (p, st) -> fs.statfs(string(p), Statvfs.of(st)));
        c.set(ops.setxattr, PathSetxattr.class, (p, n, v, size, flags) -> fs.setxattr(string(p), string(n), v, size, flags));
        c.set(ops.getxattr, PathGetxattr.class, (p, n, v, size) -> fs.getxattr(string(p), string(n), v, size));
        c.set(ops.listxattr, PathBuf.class, (p, list, size) -> fs.listxattr(string(p), list, size));
        c.set(ops.removexattr, Path2.class, (p, n) -> fs.removexattr(string(p), string(n)));
        return c;
    }

    private <T> void set(BaseStruct.Func<?> member, Class<T> type, T callback) {
        Pointer fn = Runtime.getSystemRuntime().getClosureManager().getClosurePointer(type, callback);
        keep.add(callback);
        Struct.getMemory(ops).putPointer(FuseAdapter.offsetOf(member), fn);
    }
}
