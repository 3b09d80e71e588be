package io.ucryptfs.fuse;

import static io.ucryptfs.fuse.NativeStructs.*;

import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.names.NameBytes;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Delegate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libfuse's {@code struct fuse_lowlevel_ops}, filled with Java callbacks that decode the native
 * arguments, call {@link FuseAdapter} and send the reply.
 *
 * <p>Why the low-level API: with the high-level one (jnr-fuse) libfuse owns the inodes, answers every
 * name with one attribute timeout for all, and gives a file two kernel inodes when it has two names, so
 * the only safe timeout was 0 and a stat of {@code a/b/c/f} cost five requests (one per component, for
 * the permission checks). Here each answer carries its own timeouts ({@link FuseAdapter}), and a file
 * unlinked while open keeps working through its handles instead of being renamed to
 * {@code .fuse_hidden*}.
 *
 * <p>Each callback replies exactly once: the reply is its last step, and an exception before it becomes
 * {@code fuse_reply_err}. A bug (any RuntimeException or Error) answers EIO for that request only: thrown
 * through the native frame, it would end the worker thread. The structs' layouts are in
 * {@link NativeStructs}.
 */
final class LowLevelOps {
    private static final Logger log = LoggerFactory.getLogger(LowLevelOps.class);

    /** The members of {@code fuse_lowlevel_ops} up to {@code create}; libfuse zero-fills the rest. */
    private static final String[] MEMBERS = {
        "init", "destroy", "lookup", "forget", "getattr", "setattr", "readlink", "mknod", "mkdir", "unlink",
        "rmdir", "symlink", "rename", "link", "open", "read", "write", "flush", "release", "fsync", "opendir",
        "readdir", "releasedir", "fsyncdir", "statfs", "setxattr", "getxattr", "listxattr", "removexattr",
        "access", "create",
    };


    private final LowLevelFuse lib;
    private final FuseAdapter fs;
    private final Runtime runtime;
    private final Pointer table;
    /** The callbacks' Java objects by member: jnr-ffi frees a closure when its object is collected. */
    private final Map<String, Object> callbacks = new HashMap<>();
    private final ThreadLocal<Scratch> scratch;
    private volatile Pointer chan;

    /**
     * Per-thread memory: the native structs we reply with, a native buffer for read replies and
     * directory listings, and a Java array that file data passes through. Why the array and a copy:
     * the JDK's AES runs on arrays, and given direct buffers it copies through its own small arrays
     * chunk by chunk (measured: 1 GiB sequential write 290 MB/s through direct buffers, 344 with the
     * copy).
     */
    private static final class Scratch {
        final Pointer entry;
        final Pointer stat;
        final Pointer statvfs;
        final Pointer dataPtr;
        final byte[] array;

        Scratch(Runtime rt) {
            entry = Memory.allocateDirect(rt, ENTRY_SIZE, true);
            stat = Memory.allocateDirect(rt, STAT_SIZE, true);
            statvfs = Memory.allocateDirect(rt, STATVFS_SIZE, true);
            dataPtr = Memory.allocateDirect(rt, MountSettings.MAX_IO, true);
            array = new byte[MountSettings.MAX_IO];
        }
    }

    LowLevelOps(LowLevelFuse lib, FuseAdapter fs) {
        this.lib = lib;
        this.fs = fs;
        this.runtime = Runtime.getSystemRuntime();
        this.table = Memory.allocateDirect(runtime, MEMBERS.length * 8L, true);
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(runtime));
        install();
        fs.kernelInvalidator(this::invalidatePagesAndAttributes);
    }

    /** The mounted channel, for notifications to the kernel (set once mounted). */
    void channel(Pointer chan) {
        this.chan = chan;
    }

    /** The Java object behind a member of the table (for tests: calling it is what libfuse does). */
    Object callback(String member) {
        return callbacks.get(member);
    }

    /** The table for {@code fuse_lowlevel_new}. */
    Pointer table() {
        return table;
    }

    long tableSize() {
        return MEMBERS.length * 8L;
    }

    // ---- the callbacks' native signatures ----

    public interface Name { @Delegate void call(Pointer req, long parent, Pointer name); }

    public interface Forget { @Delegate void call(Pointer req, long ino, long nlookup); }

    public interface InoFi { @Delegate void call(Pointer req, long ino, Pointer fi); }

    public interface Setattr { @Delegate void call(Pointer req, long ino, Pointer attr, int toSet, Pointer fi); }

    public interface Ino { @Delegate void call(Pointer req, long ino); }

    public interface Mknod { @Delegate void call(Pointer req, long parent, Pointer name, int mode, long rdev); }

    public interface Mkdir { @Delegate void call(Pointer req, long parent, Pointer name, int mode); }

    public interface Symlink { @Delegate void call(Pointer req, Pointer link, long parent, Pointer name); }

    public interface Rename { @Delegate void call(Pointer req, long parent, Pointer name, long newParent, Pointer newName); }

    public interface Link { @Delegate void call(Pointer req, long ino, long newParent, Pointer newName); }

    public interface Read { @Delegate void call(Pointer req, long ino, long size, long off, Pointer fi); }

    public interface Write { @Delegate void call(Pointer req, long ino, Pointer buf, long size, long off, Pointer fi); }

    public interface Fsync { @Delegate void call(Pointer req, long ino, int datasync, Pointer fi); }

    public interface Setxattr { @Delegate void call(Pointer req, long ino, Pointer name, Pointer value, long size, int flags); }

    public interface Getxattr { @Delegate void call(Pointer req, long ino, Pointer name, long size); }

    public interface Listxattr { @Delegate void call(Pointer req, long ino, long size); }

    public interface Create { @Delegate void call(Pointer req, long parent, Pointer name, int mode, Pointer fi); }

    /** A request's work; throws to answer an error. */
    private interface Body { void run() throws FsException; }

    private void install() {
        set("lookup", Name.class, (Name) (req, parent, name) -> serve(req, "lookup", () -> {
            FuseAdapter.Entry e;
            try {
                e = fs.lookup(parent, string(name));
            } catch (FsException x) {
                if (x.errno() == Errno.ENOENT && fs.timeouts().negative() > 0) {
                    replyNegative(req);
                    return;
                }
                throw x;
            }
            replyEntry(req, e);
        }));
        set("forget", Forget.class, (Forget) (req, ino, n) -> {
            try {
                fs.forget(ino, n);
            } catch (RuntimeException | Error e) {
                log.error("forget {}: unexpected {}", ino, e.toString(), e);
            }
            lib.fuse_reply_none(req);
        });
        set("getattr", InoFi.class, (InoFi) (req, ino, fi) -> serve(req, "getattr", () ->
                replyAttr(req, fs.getattr(ino, handleOrNone(fi)))));
        set("setattr", Setattr.class, (Setattr) (req, ino, attr, toSet, fi) -> serve(req, "setattr", () ->
                replyAttr(req, fs.setattr(ino, changes(attr, toSet), handleOrNone(fi)))));
        set("readlink", Ino.class, (Ino) (req, ino) -> serve(req, "readlink", () ->
                lib.fuse_reply_readlink(req, cString(NameBytes.encode(fs.readlink(ino))))));
        set("mknod", Mknod.class, (Mknod) (req, parent, name, mode, rdev) -> serve(req, "mknod", () ->
                replyEntry(req, fs.mknod(parent, string(name), mode, rdev, caller(req)))));
        set("mkdir", Mkdir.class, (Mkdir) (req, parent, name, mode) -> serve(req, "mkdir", () ->
                replyEntry(req, fs.mkdir(parent, string(name), mode, caller(req)))));
        set("unlink", Name.class, (Name) (req, parent, name) -> serve(req, "unlink", () -> {
            fs.unlink(parent, string(name));
            lib.fuse_reply_err(req, 0);
        }));
        set("rmdir", Name.class, (Name) (req, parent, name) -> serve(req, "rmdir", () -> {
            fs.rmdir(parent, string(name));
            lib.fuse_reply_err(req, 0);
        }));
        set("symlink", Symlink.class, (Symlink) (req, link, parent, name) -> serve(req, "symlink", () ->
                replyEntry(req, fs.symlink(string(link), parent, string(name), caller(req)))));
        set("rename", Rename.class, (Rename) (req, parent, name, newParent, newName) -> serve(req, "rename", () -> {
            fs.rename(parent, string(name), newParent, string(newName));
            lib.fuse_reply_err(req, 0);
        }));
        set("link", Link.class, (Link) (req, ino, newParent, newName) -> serve(req, "link", () -> {
            FuseAdapter.Entry e = fs.link(ino, newParent, string(newName));
            // the existing name's node may have its link count (1) cached, and the kernel does not
            // update it: drop its cached attributes before link(2) returns (from now on they are not
            // cached, nlink > 1)
            invalidateAttributes(ino);
            replyEntry(req, e);
        }));
        set("open", InoFi.class, (InoFi) (req, ino, fi) -> serve(req, "open", () -> {
            long h = fs.open(ino, fi.getInt(FI_FLAGS));
            fi.putLong(FI_FH, h);
            if (lib.fuse_reply_open(req, fi) != 0) {
                fs.release(ino, h); // interrupted: the kernel will not release it
            }
        }));
        set("read", Read.class, (Read) (req, ino, size, off, fi) -> serve(req, "read", () -> {
            Scratch s = scratch.get();
            int n = fs.read(fi.getLong(FI_FH), ByteBuffer.wrap(s.array, 0, (int) Math.min(size, s.array.length)), off);
            s.dataPtr.put(0, s.array, 0, n);
            lib.fuse_reply_buf(req, s.dataPtr, n);
        }));
        set("write", Write.class, (Write) (req, ino, buf, size, off, fi) -> serve(req, "write", () -> {
            byte[] a = scratch.get().array;
            int n = (int) Math.min(size, a.length); // libfuse never hands more than max_write
            buf.get(0, a, 0, n);
            lib.fuse_reply_write(req, fs.write(fi.getLong(FI_FH), ByteBuffer.wrap(a, 0, n), off));
        }));
        set("flush", InoFi.class, (InoFi) (req, ino, fi) -> serve(req, "flush", () -> {
            fs.flush(fi.getLong(FI_FH));
            lib.fuse_reply_err(req, 0);
        }));
        set("release", InoFi.class, (InoFi) (req, ino, fi) -> serve(req, "release", () -> {
            fs.release(ino, fi.getLong(FI_FH));
            lib.fuse_reply_err(req, 0);
        }));
        set("fsync", Fsync.class, (Fsync) (req, ino, datasync, fi) -> serve(req, "fsync", () -> {
            fs.fsync(fi.getLong(FI_FH), datasync != 0);
            lib.fuse_reply_err(req, 0);
        }));
        set("opendir", InoFi.class, (InoFi) (req, ino, fi) -> serve(req, "opendir", () -> {
            long dh = fs.opendir(ino);
            fi.putLong(FI_FH, dh);
            if (lib.fuse_reply_open(req, fi) != 0) {
                fs.releasedir(dh);
            }
        }));
        set("readdir", Read.class, (Read) (req, ino, size, off, fi) -> serve(req, "readdir", () -> {
            List<byte[]> names = fs.readdir(ino, fi.getLong(FI_FH), off);
            Scratch s = scratch.get();
            int limit = (int) Math.min(size, MountSettings.MAX_IO);
            int used = 0;
            for (long i = Math.max(off, 0); i < names.size(); i++) {
                int n = direntry(s.dataPtr, used, limit, names.get((int) i), i + 1);
                if (n == 0) {
                    break;
                }
                used += n;
            }
            lib.fuse_reply_buf(req, s.dataPtr, used);
        }));
        set("releasedir", InoFi.class, (InoFi) (req, ino, fi) -> serve(req, "releasedir", () -> {
            fs.releasedir(fi.getLong(FI_FH));
            lib.fuse_reply_err(req, 0);
        }));
        set("statfs", Ino.class, (Ino) (req, ino) -> serve(req, "statfs", () -> {
            Pointer st = scratch.get().statvfs;
            putStatvfs(st, fs.statfs());
            lib.fuse_reply_statfs(req, st);
        }));
        set("setxattr", Setxattr.class, (Setxattr) (req, ino, name, value, size, flags) -> serve(req, "setxattr", () -> {
            byte[] v = new byte[(int) size];
            value.get(0, v, 0, v.length);
            fs.setxattr(ino, string(name), v, flags);
            lib.fuse_reply_err(req, 0);
        }));
        set("getxattr", Getxattr.class, (Getxattr) (req, ino, name, size) -> serve(req, "getxattr", () ->
                replyXattr(req, fs.getxattr(ino, string(name)), size)));
        set("listxattr", Listxattr.class, (Listxattr) (req, ino, size) -> serve(req, "listxattr", () ->
                replyXattr(req, fs.listxattr(ino), size)));
        set("removexattr", Name.class, (Name) (req, ino, name) -> serve(req, "removexattr", () -> {
            fs.removexattr(ino, string(name));
            lib.fuse_reply_err(req, 0);
        }));
        set("create", Create.class, (Create) (req, parent, name, mode, fi) -> serve(req, "create", () -> {
            FuseAdapter.Created c = fs.create(parent, string(name), mode, fi.getInt(FI_FLAGS), caller(req));
            fi.putLong(FI_FH, c.handle());
            Pointer e = entryParam(c.entry());
            if (lib.fuse_reply_create(req, e, fi) != 0) {
                fs.release(c.entry().node(), c.handle());
                fs.entryDropped(c.entry());
            }
        }));
    }

    private <T> void set(String member, Class<T> type, T callback) {
        int index = List.of(MEMBERS).indexOf(member);
        if (index < 0) {
            throw new IllegalArgumentException(member);
        }
        Pointer fn = runtime.getClosureManager().getClosurePointer(type, callback);
        callbacks.put(member, callback);
        table.putPointer(index * 8L, fn);
    }

    /** Runs a request's body; a failure becomes its error reply. */
    private void serve(Pointer req, String op, Body body) {
        try {
            body.run();
        } catch (FsException e) {
            int errno = e.errno();
            if (errno == Errno.EIO || errno == Errno.EACCES && String.valueOf(e.getMessage()).contains("no key")) {
                log.warn("{}: {}", op, e.getMessage());
            } else if (log.isDebugEnabled()) {
                log.debug("{}: {}", op, e.getMessage());
            }
            lib.fuse_reply_err(req, errno);
        } catch (RuntimeException | Error e) {
            // a bug must not take the mount down: EIO for this call, and the log says what happened
            log.error("{}: unexpected {}", op, e.toString(), e);
            lib.fuse_reply_err(req, Errno.EIO);
        }
    }

    // ---- replies ----

    /** The kernel's cached pages (all of them) and attributes of a node, dropped. */
    private void invalidatePagesAndAttributes(long ino) {
        Pointer ch = chan;
        if (ch != null) {
            lib.fuse_lowlevel_notify_inval_inode(ch, ino, 0, 0);
        }
    }

    /** The kernel's cached attributes of a node, dropped (a no-op before the mount is up). */
    private void invalidateAttributes(long ino) {
        Pointer ch = chan;
        if (ch != null) {
            int rc = lib.fuse_lowlevel_notify_inval_inode(ch, ino, -1, 0);
            if (rc != 0 && rc != -Errno.ENOENT) { // ENOENT: the kernel no longer holds the node
                log.debug("notify_inval_inode {}: {}", ino, rc);
            }
        }
    }

    private void replyEntry(Pointer req, FuseAdapter.Entry e) {
        if (lib.fuse_reply_entry(req, entryParam(e)) != 0) {
            fs.entryDropped(e);
        }
    }

    private Pointer entryParam(FuseAdapter.Entry e) {
        Pointer p = scratch.get().entry;
        p.setMemory(0, ENTRY_SIZE, (byte) 0);
        p.putLong(E_INO, e.node());
        putStat(p, E_ATTR, e.attrs());
        p.putDouble(E_ATTR_TIMEOUT, e.attrTimeout());
        p.putDouble(E_ENTRY_TIMEOUT, e.entryTimeout());
        return p;
    }

    /** An ENOENT the kernel may cache: an entry with node id 0. */
    private void replyNegative(Pointer req) {
        Pointer p = scratch.get().entry;
        p.setMemory(0, ENTRY_SIZE, (byte) 0);
        p.putDouble(E_ENTRY_TIMEOUT, fs.timeouts().negative());
        lib.fuse_reply_entry(req, p);
    }

    private void replyAttr(Pointer req, FuseAdapter.Attr a) {
        Pointer st = scratch.get().stat;
        st.setMemory(0, STAT_SIZE, (byte) 0);
        putStat(st, 0, a.attrs());
        lib.fuse_reply_attr(req, st, a.timeout());
    }

    /** getxattr/listxattr: the size when asked for 0 bytes, ERANGE when it does not fit. */
    private void replyXattr(Pointer req, byte[] v, long size) {
        if (size == 0) {
            lib.fuse_reply_xattr(req, v.length);
        } else if (v.length > size) {
            lib.fuse_reply_err(req, Errno.ERANGE);
        } else {
            Scratch s = scratch.get();
            s.dataPtr.put(0, v, 0, v.length);
            lib.fuse_reply_buf(req, s.dataPtr, v.length);
        }
    }

    private FuseAdapter.Caller caller(Pointer req) {
        Pointer ctx = lib.fuse_req_ctx(req);
        return new FuseAdapter.Caller(ctx.getInt(CTX_UID), ctx.getInt(CTX_GID));
    }
}
