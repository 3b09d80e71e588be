package io.ucryptfs.fuse;

import static io.ucryptfs.fuse.FuseProtocol.*;

import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.names.NameBytes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each FUSE request does: decodes it from the kernel's bytes, calls {@link FuseAdapter}, and
 * writes the reply (layouts in {@link FuseProtocol}, the fields that take more than one read in
 * {@link RequestFields}, what is sent unasked in {@link KernelNotifications}).
 *
 * <p>Why our own protocol code rather than libfuse's request loop: every request used to cross from
 * libfuse's C into Java through a jnr-ffi callback (a JNI upcall, per-call struct mirrors, libfuse's
 * allocation of a request), and libfuse 2 speaks protocol 7.19, so the kernel sent at most 128 KiB a
 * write. Here a worker thread reads the request into its own buffer, and the INIT answer asks for
 * what 7.31 offers ({@link #init}).
 *
 * <p>Each request gets exactly one reply (FORGET, BATCH_FORGET, INTERRUPT and NOTIFY_REPLY none), sent
 * as its last step; an exception before it becomes an error reply. A bug (any RuntimeException or
 * Error) answers EIO for that request only and is logged. A reply the kernel refuses with ENOENT was
 * for an interrupted request: an entry or handle it carried is taken back.
 */
final class KernelRequests {
    private static final Logger log = LoggerFactory.getLogger(KernelRequests.class);
    /** Linux's limit on an xattr value (and a list of names): what a getxattr reply may carry. */
    private static final int XATTR_SIZE_MAX = 65536;
    /** The answer to a kernel older than protocol 7: we cannot speak it. */
    private static final int EPROTO = 71;

    private final FuseAdapter fs;
    private final FuseDevice device;
    private final int maxWrite;
    private final KernelNotifications notify;

    /**
     * A worker thread's buffers: the request as read, the reply being built, and a Java array that
     * file data passes through. Why the array and a copy: the JDK's AES runs on arrays, and given
     * direct buffers it copies through its own small arrays chunk by chunk (measured: 1 GiB sequential
     * write 290 MB/s through direct buffers, 344 with the copy).
     */
    static final class Scratch {
        final ByteBuffer in;
        final ByteBuffer out;
        final byte[] array;

        Scratch(int maxWrite) {
            in = ByteBuffer.allocateDirect(IN_HEADER + WRITE_IN_SIZE + maxWrite + 4096).order(ByteOrder.nativeOrder());
            // replies: a read of up to max_write (max_read follows it), or an xattr value or list of up
            // to XATTR_SIZE_MAX (64 KiB), whichever is larger. In a Java array, not a direct buffer: a
            // read decrypts into it and the device writes it pinned (FuseDevice.write), where a direct
            // buffer cost a 128 KiB copy a read (5.8% of the daemon's samples in a 1 GiB read)
            out = ByteBuffer.wrap(new byte[OUT_HEADER + Math.max(maxWrite, XATTR_SIZE_MAX)]).order(ByteOrder.nativeOrder());
            array = new byte[maxWrite];
        }
    }

    KernelRequests(FuseAdapter fs, FuseDevice device, int maxWrite) {
        this.fs = fs;
        this.device = device;
        this.maxWrite = maxWrite;
        this.notify = new KernelNotifications(device);
        fs.kernelInvalidator(notify::invalidatePagesAndAttributes);
    }

    Scratch scratch() {
        return new Scratch(maxWrite);
    }

    /** Serves the request of {@code len} bytes in {@code s.in}. */
    void handle(Scratch s, int len) {
        ByteBuffer in = s.in;
        int opcode = in.getInt(IN_OPCODE);
        long unique = in.getLong(IN_UNIQUE);
        long node = in.getLong(IN_NODEID);
        if (opcode == FORGET || opcode == BATCH_FORGET || opcode == INTERRUPT || opcode == NOTIFY_REPLY) {
            noReply(in, opcode, node, len);
            return;
        }
        try {
            dispatch(s, opcode, unique, node, len);
        } catch (FsException e) {
            int errno = e.errno();
            if (errno == Errno.EIO || errno == Errno.EACCES && String.valueOf(e.getMessage()).contains("no key")) {
                log.warn("{}: {}", opcodeName(opcode), e.getMessage());
            } else if (log.isDebugEnabled()) {
                log.debug("{}: {}", opcodeName(opcode), e.getMessage());
            }
            error(s, unique, errno);
        } catch (RuntimeException | Error e) {
            // a bug must not take the mount down: EIO for this request, and the log says what happened
            log.error("{}: unexpected {}", opcodeName(opcode), e.toString(), e);
            error(s, unique, Errno.EIO);
        }
    }

    private void dispatch(Scratch s, int opcode, long unique, long node, int len) throws FsException {
        ByteBuffer in = s.in;
        int body = IN_HEADER;
        switch (opcode) {
            case LOOKUP -> lookup(s, unique, node, RequestFields.string(in, body, len));
            case GETATTR -> {
                long fh = (in.getInt(body) & GETATTR_FH) != 0 ? in.getLong(body + 8) : -1;
                replyAttr(s, unique, fs.getattr(node, fh));
            }
            case SETATTR -> {
                int valid = in.getInt(body);
                long fh = (valid & FATTR_FH) != 0 ? in.getLong(body + 8) : -1;
                FuseAdapter.Attr a = fs.setattr(node, RequestFields.changes(in, body, valid), fh);
                if ((valid & FATTR_KILL_SUIDGID) != 0 && (valid & FATTR_MODE) == 0 && fs.dropSetIds(node, fh)) {
                    a = fs.getattr(node, fh); // a truncate by a process without CAP_FSETID
                }
                replyAttr(s, unique, a);
            }
            case ACCESS -> {
                fs.access(node, in.getInt(body));
                send(s, unique, 0);
            }
            case READLINK -> {
                byte[] target = NameBytes.encode(fs.readlink(node));
                s.out.put(OUT_HEADER, target, 0, target.length);
                send(s, unique, target.length);
            }
            case SYMLINK -> {
                int nameEnd = RequestFields.nul(in, body, len);
                String name = RequestFields.string(in, body, nameEnd);
                String target = RequestFields.string(in, nameEnd + 1, len);
                replyEntry(s, unique, fs.symlink(target, node, name, RequestFields.caller(in)));
            }
            case MKNOD -> replyEntry(s, unique, fs.mknod(node, RequestFields.string(in, body + 16, len), in.getInt(body),
                    in.getInt(body + 4) & 0xffffffffL, RequestFields.caller(in)));
            case MKDIR -> replyEntry(s, unique, fs.mkdir(node, RequestFields.string(in, body + 8, len), in.getInt(body), RequestFields.caller(in)));
            case UNLINK -> {
                fs.unlink(node, RequestFields.string(in, body, len));
                send(s, unique, 0);
            }
            case RMDIR -> {
                fs.rmdir(node, RequestFields.string(in, body, len));
                send(s, unique, 0);
            }
            case RENAME -> {
                int oldEnd = RequestFields.nul(in, body + 8, len);
                fs.rename(node, RequestFields.string(in, body + 8, oldEnd), in.getLong(body), RequestFields.string(in, oldEnd + 1, len));
                send(s, unique, 0);
            }
            case LINK -> {
                long existing = in.getLong(body);
                FuseAdapter.Entry e = fs.link(existing, node, RequestFields.string(in, body + 8, len));
                // the existing name's node may have its link count (1) cached, and the kernel does not
                // update it: drop its cached attributes before link(2) returns (from now on they are not
                // cached, nlink > 1)
                notify.invalidateAttributes(existing);
                replyEntry(s, unique, e);
            }
            case OPEN -> {
                int flags = in.getInt(body);
                long h = fs.open(node, flags);
                if ((in.getInt(body + 4) & OPEN_KILL_SUIDGID) != 0) {
                    try {
                        if (fs.dropSetIds(node, h)) { // O_TRUNC by a process without CAP_FSETID
                            notify.invalidateAttributes(node);
                        }
                    } catch (FsException | RuntimeException e) {
                        fs.release(node, h);
                        throw e;
                    }
                }
                if (replyOpen(s, unique, h, fs.needsFlush(flags) ? 0 : FOPEN_NOFLUSH) != 0) {
                    fs.release(node, h); // interrupted: the kernel will not release it
                }
            }
            case READ -> read(s, unique, in.getLong(body), in.getLong(body + 8), in.getInt(body + 16));
            case WRITE -> {
                if ((in.getInt(body + 20) & WRITE_KILL_SUIDGID) != 0 && fs.dropSetIds(node, in.getLong(body))) {
                    // a writer without CAP_FSETID, as file_remove_privs; the write's reply carries no
                    // attributes, so the kernel's cached mode goes
                    notify.invalidateAttributes(node);
                }
                write(s, unique, in.getLong(body), in.getLong(body + 8), in.getInt(body + 16), len);
            }
            case STATFS -> {
                putStatfs(s.out, OUT_HEADER, fs.statfs());
                send(s, unique, STATFS_OUT_SIZE);
            }
            case RELEASE -> {
                fs.release(node, in.getLong(body));
                send(s, unique, 0);
            }
            case FSYNC -> {
                fs.fsync(in.getLong(body), (in.getInt(body + 8) & 1) != 0);
                send(s, unique, 0);
            }
            case SETXATTR -> {
                int size = in.getInt(body);
                int flags = in.getInt(body + 4);
                int nameEnd = RequestFields.nul(in, body + 8, len);
                String name = RequestFields.string(in, body + 8, nameEnd);
                if (nameEnd + 1 + size > len) {
                    throw new FsException(Errno.EINVAL, "setxattr: value past the request");
                }
                byte[] v = new byte[size];
                in.get(nameEnd + 1, v, 0, size);
                fs.setxattr(node, name, v, flags);
                send(s, unique, 0);
            }
            case GETXATTR -> replyXattr(s, unique, fs.getxattr(node, RequestFields.string(in, body + 8, len)), in.getInt(body));
            case LISTXATTR -> replyXattr(s, unique, fs.listxattr(node), in.getInt(body));
            case REMOVEXATTR -> {
                fs.removexattr(node, RequestFields.string(in, body, len));
                send(s, unique, 0);
            }
            case FLUSH -> {
                fs.flush(in.getLong(body));
                send(s, unique, 0);
            }
            case INIT -> init(s, unique);
            case OPENDIR -> {
                long dh = fs.opendir(node);
                if (replyOpen(s, unique, dh, 0) != 0) {
                    fs.releasedir(dh);
                }
            }
            case READDIR -> readdir(s, unique, node, in.getLong(body), in.getLong(body + 8), in.getInt(body + 16));
            case READDIRPLUS -> readdirplus(s, unique, node, in.getLong(body), in.getLong(body + 8), in.getInt(body + 16));
            case RELEASEDIR -> {
                fs.releasedir(in.getLong(body));
                send(s, unique, 0);
            }
            case CREATE -> create(s, unique, node, in.getInt(body), in.getInt(body + 4), RequestFields.string(in, body + 16, len), RequestFields.caller(in));
            case DESTROY -> send(s, unique, 0);
            default -> error(s, unique, Errno.ENOSYS); // locks, ioctl, fallocate...: the kernel falls back or says so
        }
    }

    /** The requests the kernel expects no answer to. */
    private void noReply(ByteBuffer in, int opcode, long node, int len) {
        try {
            if (opcode == FORGET) {
                fs.forget(node, in.getLong(IN_HEADER));
            } else if (opcode == BATCH_FORGET) {
                int count = in.getInt(IN_HEADER);
                for (int i = 0, at = IN_HEADER + 8; i < count && at + 16 <= len; i++, at += 16) {
                    fs.forget(in.getLong(at), in.getLong(at + 8));
                }
            }
            // INTERRUPT: every request here runs to its end and answers then; NOTIFY_REPLY: we ask for none
        } catch (RuntimeException | Error e) {
            log.error("{}: unexpected {}", opcodeName(opcode), e.toString(), e);
        }
    }

    // ---- the requests with more to them ----

    /**
     * INIT: the version, and what we want of the kernel: 128 KiB requests and more ({@code max_write},
     * MAX_PAGES), reads while others are in flight (ASYNC_READ), set-id bits left to us
     * (HANDLE_KILLPRIV_V2: otherwise the kernel asks for security.capability before every write), and
     * listings with attributes where the kernel finds them useful (READDIRPLUS, AUTO: the first batch
     * of a listing, and later ones of a directory whose names were looked up).
     */
    private void init(Scratch s, long unique) {
        ByteBuffer in = s.in;
        int major = in.getInt(IN_HEADER);
        int minor = in.getInt(IN_HEADER + 4);
        int kernelReadahead = in.getInt(IN_HEADER + 8);
        int kernelFlags = in.getInt(IN_HEADER + 12);
        ByteBuffer out = s.out;
        zero(out, OUT_HEADER, INIT_OUT_SIZE);
        out.putInt(OUT_HEADER, MAJOR);
        if (major < MAJOR) {
            error(s, unique, EPROTO);
            return;
        }
        if (major > MAJOR) {
            // the kernel answers with a second INIT of our major
            send(s, unique, 8);
            return;
        }
        out.putInt(OUT_HEADER + 4, Math.min(minor, MINOR));
        out.putInt(OUT_HEADER + 8, kernelReadahead);
        int granted = kernelFlags & (ASYNC_READ | BIG_WRITES | MAX_PAGES | HANDLE_KILLPRIV_V2
                | DO_READDIRPLUS | READDIRPLUS_AUTO | (fs.offersWritebackCache() ? WRITEBACK_CACHE : 0));
        fs.writebackCache((granted & WRITEBACK_CACHE) != 0);
        out.putInt(OUT_HEADER + 12, granted);
        out.putShort(OUT_HEADER + 16, (short) 0); // max_background: the kernel's default
        out.putShort(OUT_HEADER + 18, (short) 0); // congestion_threshold: the kernel's default
        out.putInt(OUT_HEADER + 20, maxWrite);
        out.putInt(OUT_HEADER + 24, 1); // time_gran: nanoseconds
        out.putShort(OUT_HEADER + 28, (short) (maxWrite / 4096)); // max_pages
        send(s, unique, minor < 23 ? 24 : INIT_OUT_SIZE);
        log.debug("FUSE {}.{} (kernel {}.{}), max_write {}", MAJOR, Math.min(minor, MINOR), major, minor, maxWrite);
    }

    private void lookup(Scratch s, long unique, long parent, String name) throws FsException {
        FuseAdapter.Entry e;
        try {
            e = fs.lookup(parent, name);
        } catch (FsException x) {
            if (x.errno() == Errno.ENOENT && fs.timeouts().negative() > 0) {
                // an ENOENT the kernel may cache: node 0 with an entry timeout
                putEntryOut(s.out, OUT_HEADER, 0, null, 0, fs.timeouts().negative());
                send(s, unique, ENTRY_OUT_SIZE);
                return;
            }
            throw x;
        }
        replyEntry(s, unique, e);
    }

    private void read(Scratch s, long unique, long fh, long offset, int size) throws FsException {
        // decrypted straight into the reply, after its header
        int n = fs.read(fh, s.out.slice(OUT_HEADER, Math.min(size, s.out.capacity() - OUT_HEADER)), offset);
        send(s, unique, n);
    }

    private void write(Scratch s, long unique, long fh, long offset, int size, int len) throws FsException {
        int data = IN_HEADER + WRITE_IN_SIZE;
        int n = Math.min(size, Math.min(len - data, s.array.length));
        s.in.get(data, s.array, 0, n);
        int written = fs.write(fh, ByteBuffer.wrap(s.array, 0, n), offset);
        s.out.putInt(OUT_HEADER, written);
        s.out.putInt(OUT_HEADER + 4, 0);
        send(s, unique, 8);
    }

    private void readdir(Scratch s, long unique, long node, long dh, long offset, int size) throws FsException {
        List<byte[]> names = fs.readdir(node, dh, offset);
        int limit = OUT_HEADER + Math.min(size, s.out.capacity() - OUT_HEADER);
        int used = OUT_HEADER;
        int first = (int) Math.min(Math.max(offset, 0), names.size());
        int end = first;
        for (; end < names.size(); end++) {
            // DT_UNKNOWN and no inode number: the type comes with the lookup
            int n = putDirent(s.out, used, limit, names.get(end), end + 1, UNKNOWN_INO, 0);
            if (n == 0) {
                break;
            }
            used += n;
        }
        fs.listedWithoutAttributes(node, names.subList(first, end), first);
        send(s, unique, used - OUT_HEADER);
    }

    /**
     * A listing with each entry's attributes (fuse_direntplus: fuse_entry_out, then fuse_dirent):
     * the kernel links every entry we send (or forgets it), so a walk like {@code find | xargs stat}
     * or {@code rm -rf} needs no LOOKUP per name. Each entry with a node counts as one lookup of it;
     * "." and "..", and a name that went away meanwhile, go with node 0 (not linked, not counted).
     */
    private void readdirplus(Scratch s, long unique, long node, long dh, long offset, int size) throws FsException {
        List<byte[]> names = fs.readdir(node, dh, offset);
        int limit = OUT_HEADER + Math.min(size, s.out.capacity() - OUT_HEADER);
        int used = OUT_HEADER;
        List<FuseAdapter.Entry> counted = new ArrayList<>();
        // the names that fit this page, looked up together
        int first = (int) Math.min(Math.max(offset, 0), names.size());
        int end = first;
        for (int fit = used; end < names.size(); end++) {
            fit += ENTRY_OUT_SIZE + direntSize(names.get(end));
            if (fit > limit) {
                break;
            }
        }
        List<FuseAdapter.Entry> entries = fs.listed(node, names.subList(first, end), first);
        for (long i = first; i < end; i++) {
            byte[] name = names.get((int) i);
            FuseAdapter.Entry e = entries.get((int) i - first);
            long ino = UNKNOWN_INO;
            int type = 0;
            if (e != null) {
                putEntryOut(s.out, used, e.node(), e.attrs(), e.attrTimeout(), e.entryTimeout());
                counted.add(e);
                ino = e.attrs().inode();
                type = (fullMode(e.attrs()) >>> 12) & 017;
            } else {
                zero(s.out, used, ENTRY_OUT_SIZE);
            }
            used += ENTRY_OUT_SIZE;
            used += putDirent(s.out, used, limit, name, i + 1, ino, type);
        }
        if (send(s, unique, used - OUT_HEADER) != 0) {
            for (FuseAdapter.Entry e : counted) {
                fs.entryDropped(e); // interrupted: the kernel linked none of them
            }
        }
    }


    private void create(Scratch s, long unique, long parent, int flags, int mode, String name, FuseAdapter.Caller caller)
            throws FsException {
        FuseAdapter.Created c = fs.create(parent, name, mode, flags, caller);
        FuseAdapter.Entry e = c.entry();
        putEntryOut(s.out, OUT_HEADER, e.node(), e.attrs(), e.attrTimeout(), e.entryTimeout());
        putOpenOut(s.out, OUT_HEADER + ENTRY_OUT_SIZE, c.handle(), fs.needsFlush(flags) ? 0 : FOPEN_NOFLUSH);
        if (send(s, unique, ENTRY_OUT_SIZE + OPEN_OUT_SIZE) != 0) {
            fs.release(e.node(), c.handle());
            fs.entryDropped(e);
        }
    }

    // ---- replies ----

    /** Sends the reply whose {@code payload} bytes follow the header in {@code s.out}; 0 or the negative errno. */
    private int send(Scratch s, long unique, int payload) {
        ByteBuffer out = s.out;
        out.putInt(0, OUT_HEADER + payload);
        out.putInt(4, 0);
        out.putLong(8, unique);
        int rc = device.write(out, OUT_HEADER + payload);
        if (rc != 0 && rc != -FuseDevice.ENOENT) {
            log.debug("reply {}: errno {}", unique, -rc);
        }
        return rc;
    }

    private void error(Scratch s, long unique, int errno) {
        ByteBuffer out = s.out;
        out.putInt(0, OUT_HEADER);
        out.putInt(4, -errno);
        out.putLong(8, unique);
        device.write(out, OUT_HEADER);
    }

    private void replyEntry(Scratch s, long unique, FuseAdapter.Entry e) {
        putEntryOut(s.out, OUT_HEADER, e.node(), e.attrs(), e.attrTimeout(), e.entryTimeout());
        if (send(s, unique, ENTRY_OUT_SIZE) != 0) {
            fs.entryDropped(e);
        }
    }

    private void replyAttr(Scratch s, long unique, FuseAdapter.Attr a) {
        putAttrOut(s.out, OUT_HEADER, a.attrs(), a.timeout());
        send(s, unique, ATTR_OUT_SIZE);
    }

    private int replyOpen(Scratch s, long unique, long handle, int openFlags) {
        putOpenOut(s.out, OUT_HEADER, handle, openFlags);
        return send(s, unique, OPEN_OUT_SIZE);
    }

    /** getxattr/listxattr: the size when asked for 0 bytes, ERANGE when it does not fit. */
    private void replyXattr(Scratch s, long unique, byte[] v, int size) throws FsException {
        if (size == 0) {
            s.out.putInt(OUT_HEADER, v.length);
            s.out.putInt(OUT_HEADER + 4, 0);
            send(s, unique, 8);
        } else if (v.length > (size & 0xffffffffL)) {
            throw new FsException(Errno.ERANGE, "xattr value larger than the buffer");
        } else {
            s.out.put(OUT_HEADER, v, 0, v.length);
            send(s, unique, v.length);
        }
    }
}
