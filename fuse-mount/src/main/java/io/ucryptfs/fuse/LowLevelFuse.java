package io.ucryptfs.fuse;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;

/**
 * libfuse 2.9's low-level (inode-based) API, loaded with jnr-ffi from {@code libfuse.so.2}: mounting,
 * the session and its request loop, and the reply functions. jnr-fuse binds only the high-level,
 * path-based API, which keeps inodes to itself; see {@link LowLevelOps} for why we need them.
 *
 * <p>Every {@code fuse_reply_*} returns 0, or -ENOENT when the request was interrupted and the reply
 * dropped (then an entry's lookup or a handle is not the kernel's and is taken back).
 */
public interface LowLevelFuse {

    // ---- mounting and the session ----

    /** Mounts through fusermount; consumes the mount options of {@code args}. A {@code fuse_chan}, or null. */
    Pointer fuse_mount(String mountpoint, Pointer args);

    void fuse_unmount(String mountpoint, Pointer chan);

    /** A session for {@code ops}; consumes the low-level options left in {@code args}. Null on a bad option. */
    Pointer fuse_lowlevel_new(Pointer args, Pointer ops, long opsSize, Pointer userData);

    void fuse_session_add_chan(Pointer session, Pointer chan);

    void fuse_session_destroy(Pointer session);

    long fuse_chan_bufsize(Pointer chan);

    int fuse_session_receive_buf(Pointer session, Pointer buf, Pointer chanOut);

    void fuse_session_process_buf(Pointer session, Pointer buf, Pointer chan);

    int fuse_session_exited(Pointer session);

    void fuse_session_exit(Pointer session);

    void fuse_opt_free_args(Pointer args);

    // ---- replies ----

    int fuse_reply_err(Pointer req, int errno);

    void fuse_reply_none(Pointer req);

    int fuse_reply_entry(Pointer req, Pointer entryParam);

    int fuse_reply_create(Pointer req, Pointer entryParam, Pointer fileInfo);

    int fuse_reply_attr(Pointer req, Pointer stat, double attrTimeout);

    int fuse_reply_readlink(Pointer req, @In byte[] link);

    int fuse_reply_open(Pointer req, Pointer fileInfo);

    int fuse_reply_write(Pointer req, long count);

    int fuse_reply_buf(Pointer req, Pointer buf, long size);

    int fuse_reply_statfs(Pointer req, Pointer statvfs);

    int fuse_reply_xattr(Pointer req, long count);

    /**
     * Tells the kernel that a node's attributes changed without a request of its own ({@code off} -1:
     * attributes only, not the page cache).
     */
    int fuse_lowlevel_notify_inval_inode(Pointer chan, long ino, long off, long len);

    /** The caller of a request: {@code struct fuse_ctx} (uid, gid, pid, umask). */
    Pointer fuse_req_ctx(Pointer req);
}
