package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.FsStats;
import io.ucryptfs.core.fs.Owner;
import io.ucryptfs.core.names.NameBytes;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * FUSE's inode-based operations over the path-based {@link CryptFileSystem}: node ids become paths
 * ({@link NodeTable}), and the answers say how long the kernel may cache them. Plain Java, no native
 * types ({@link KernelRequests} turns the kernel's requests into these calls and the results into replies), so
 * the binding could be swapped. Every failure is an {@link FsException}.
 *
 * <p>Caching: names and attributes are cached by the kernel for {@link Timeouts#entry} and
 * {@link Timeouts#attr} seconds, which is what makes a stat of a path one request or none instead of one
 * per path component. The exception is a non-directory with more than one link: each of its names is a
 * node of its own (see {@link NodeTable}), so a cached size or link count of one name would miss a
 * change made through another; its attributes are never cached.
 */
public final class FuseAdapter {
    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_IXGRP = 00010;

    /** How long the kernel may keep what we answer, in seconds ({@code -o attr_timeout=...} etc.). */
    public record Timeouts(double attr, double entry, double negative) {
        public static final Timeouts DEFAULT = new Timeouts(1.0, 1.0, 0.0);
    }

    /** A name the kernel now knows: its node, attributes and how long it may keep both. */
    record Entry(long node, FileAttributes attrs, double attrTimeout, double entryTimeout) {}

    /** Attributes and how long the kernel may keep them. */
    record Attr(FileAttributes attrs, double timeout) {}

    /** An open file made by create: the entry and the handle. */
    record Created(Entry entry, long handle) {}

    /** The process a request comes from (its fsuid and fsgid). */
    record Caller(int uid, int gid) {}

    /**
     * What a setattr changes; {@code null} (or -1 for ids) leaves a field alone.
     *
     * @param mode permission bits, or null
     * @param size the new size, or null
     */
    record Changes(Integer mode, int uid, int gid, Long size, Instant atime, Instant mtime) {
        boolean times() {
            return atime != null || mtime != null;
        }
    }

    /**
     * Whether the daemon runs as root: then new nodes get the caller's uid and gid (with
     * {@code allow_other} other users create files here). Otherwise the caller is the daemon's user
     * (or, with allow_other, one whose files could not be given away anyway) and the lower default stays.
     */
    private static final boolean ROOT = new com.sun.security.auth.module.UnixSystem().getUid() == 0;

    private final CryptFileSystem fs;
    private final Timeouts timeouts;
    private final NodeTable nodes = new NodeTable();
    private final OpenFlags flags = new OpenFlags();
    private final OpenDirectories dirs = new OpenDirectories();
    private final DirectoryReadAhead readAhead;
    private final FileReadAhead fileReadAhead;

    /** Drops the kernel's cached pages and attributes of one node (set by {@link KernelRequests}). */
    private volatile java.util.function.LongConsumer kernelInvalidator = id -> { };

    public FuseAdapter(CryptFileSystem fs, Timeouts timeouts) {
        this.fs = fs;
        this.timeouts = timeouts;
        this.readAhead = new DirectoryReadAhead(fs);
        this.fileReadAhead = new FileReadAhead(fs);
    }

    void kernelInvalidator(java.util.function.LongConsumer invalidator) {
        this.kernelInvalidator = invalidator;
    }

    /**
     * Drops every page of plaintext and every attribute the kernel has cached for this mount (after
     * a lock: a descriptor opened before it, or an mmap, would otherwise still read cached pages
     * without reaching the daemon). Returns how many nodes were told.
     */
    public int dropKernelCaches() {
        long[] ids = nodes.ids();
        for (long id : ids) {
            kernelInvalidator.accept(id);
        }
        return ids.length;
    }

    Timeouts timeouts() {
        return timeouts;
    }

    /** Nodes the kernel holds. */
    int nodeCount() {
        return nodes.size();
    }

    private Owner owner(Caller c) {
        return ROOT && c != null ? new Owner(c.uid(), c.gid()) : Owner.DAEMON;
    }

    private double attrTimeout(FileAttributes a) {
        return !a.isDirectory() && a.nlink() > 1 ? 0 : timeouts.attr();
    }

    private Entry entry(long parent, String name, FileAttributes a) throws FsException {
        long id = nodes.lookedUp(parent, name);
        return new Entry(id, a, attrTimeout(a), timeouts.entry());
    }

    // ---- names and attributes ----

    Entry lookup(long parent, String name) throws FsException {
        FileAttributes a = fs.getattr(nodes.childPath(parent, name));
        return entry(parent, name, a);
    }

    void forget(long node, long count) {
        nodes.forget(node, count);
    }

    /**
     * Names of a listing as lookups would answer them (READDIRPLUS), their attributes read on several
     * threads ({@link ListingAttributes}); null for "." and "..", and for a name that cannot be answered
     * (gone meanwhile): then the kernel gets the name alone.
     */
    List<Entry> listed(long parent, List<byte[]> names, long first) {
        int n = names.size();
        String[] decoded = new String[n];
        String[] paths = new String[n];
        for (int i = 0; i < n; i++) {
            byte[] name = names.get(i);
            if (!RequestFields.dot(name)) {
                decoded[i] = NameBytes.decode(name);
                try {
                    paths[i] = nodes.childPath(parent, decoded[i]);
                } catch (FsException e) {
                    return new ArrayList<>(java.util.Collections.nCopies(n, null)); // the directory is gone
                }
            }
        }
        FileAttributes[] attrs = ListingAttributes.read(n, i -> paths[i] == null ? null : fs.getattr(paths[i]));
        readAhead.subdirectories(paths, attrs);
        listedNames(parent, first, FileReadAhead.regularFiles(decoded, attrs));
        List<Entry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Entry e = null;
            if (attrs[i] != null) {
                try {
                    e = entry(parent, decoded[i], attrs[i]);
                } catch (FsException x) {
                    e = null; // the directory went meanwhile
                }
            }
            out.add(e);
        }
        return out;
    }

    /**
     * Names of a listing without attributes (READDIR): told to the file read-ahead, types unknown.
     *
     * @param first the listing's index of the first name
     */
    void listedWithoutAttributes(long parent, List<byte[]> names, long first) {
        listedNames(parent, first, FileReadAhead.decoded(names));
    }

    private void listedNames(long parent, long first, List<String> names) {
        try {
            fileReadAhead.listed(nodes.path(parent), first, names);
        } catch (FsException e) {
            // the directory is gone: nothing to read ahead
        }
    }

    /** The kernel did not take an entry we answered (the request was interrupted): undo its lookup. */
    void entryDropped(Entry e) {
        nodes.forget(e.node(), 1);
    }

    /** @param handle the open handle the kernel named (fstat), or -1 */
    Attr getattr(long node, long handle) throws FsException {
        FileAttributes a;
        if (handle >= 0) {
            a = fs.fgetattr(handle);
        } else if (nodes.named(node)) {
            a = fs.getattr(nodes.path(node));
        } else {
            a = fs.fgetattr(handleOf(node));
        }
        return new Attr(a, attrTimeout(a));
    }

    /** An open handle of a node that has lost its name (unlinked while open), or ENOENT. */
    private long handleOf(long node) throws FsException {
        long h = nodes.anyHandle(node);
        if (h < 0) {
            throw new FsException(Errno.ENOENT, "node " + node + " has been removed");
        }
        return h;
    }

    Attr setattr(long node, Changes c, long handle) throws FsException {
        String path = nodes.named(node) ? nodes.path(node) : null;
        if (c.mode() != null) {
            fs.chmod(need(path, node), c.mode());
        }
        if (c.uid() >= 0 || c.gid() >= 0) {
            fs.chown(need(path, node), c.uid(), c.gid());
        }
        if (c.size() != null) {
            if (handle >= 0) {
                fs.ftruncate(handle, c.size());
            } else if (path != null) {
                fs.truncate(path, c.size());
            } else {
                fs.ftruncate(handleOf(node), c.size());
            }
        }
        if (c.times() && path != null) {
            fs.utimens(path, c.atime(), c.mtime());
        }
        // times of a file unlinked while open are not kept: its lower file has no name left to set
        // them on, and nobody can look it up; the kernel sends them with every truncate when it
        // keeps the times itself (writeback cache), and failing the truncate for them would lose it
        return getattr(node, handle);
    }

    private static String need(String path, long node) throws FsException {
        if (path == null) {
            throw new FsException(Errno.ENOENT, "node " + node + " has been removed");
        }
        return path;
    }

    /** FUSE_ACCESS: sent only without {@code default_permissions} (see {@link MountSettings#fuseOptions}). */
    void access(long node, int mask) throws FsException {
        fs.access(nodes.path(node), mask);
    }

    String readlink(long node) throws FsException {
        return fs.readlink(nodes.path(node));
    }

    Entry mknod(long parent, String name, int mode, long rdev, Caller caller) throws FsException {
        FileType type = switch (mode & S_IFMT) {
            case S_IFREG, 0 -> FileType.REGULAR;
            case S_IFIFO -> FileType.FIFO;
            case S_IFSOCK -> FileType.SOCKET;
            case S_IFCHR -> FileType.CHAR_DEVICE;
            case S_IFBLK -> FileType.BLOCK_DEVICE;
            default -> null;
        };
        if (type == null) {
            throw new FsException(Errno.EINVAL, "mknod of type " + Integer.toOctalString(mode & S_IFMT));
        }
        String path = nodes.childPath(parent, name);
        fs.mknod(path, type, mode & 07777, rdev, owner(caller));
        return entry(parent, name, fs.getattr(path));
    }

    Entry mkdir(long parent, String name, int mode, Caller caller) throws FsException {
        String path = nodes.childPath(parent, name);
        fs.mkdir(path, mode, owner(caller));
        return entry(parent, name, fs.getattr(path));
    }

    Entry symlink(String target, long parent, String name, Caller caller) throws FsException {
        String path = nodes.childPath(parent, name);
        fs.symlink(target, path, owner(caller));
        return entry(parent, name, fs.getattr(path));
    }

    Entry link(long node, long newParent, String newName) throws FsException {
        String path = nodes.childPath(newParent, newName);
        fs.link(nodes.path(node), path);
        return entry(newParent, newName, fs.getattr(path));
    }

    void unlink(long parent, String name) throws FsException {
        fs.unlink(nodes.childPath(parent, name));
        nodes.removed(parent, name);
    }

    void rmdir(long parent, String name) throws FsException {
        fs.rmdir(nodes.childPath(parent, name));
        nodes.removed(parent, name);
    }

    void rename(long parent, String name, long newParent, String newName) throws FsException {
        fs.rename(nodes.childPath(parent, name), nodes.childPath(newParent, newName));
        nodes.renamed(parent, name, newParent, newName);
    }

    // ---- files ----

    /** See {@link OpenFlags}. */
    void offerWritebackCache(boolean on) {
        flags.offerWritebackCache(on);
    }

    boolean offersWritebackCache() {
        return flags.offersWritebackCache();
    }

    void writebackCache(boolean on) {
        flags.writebackCache(on);
    }

    Created create(long parent, String name, int mode, int openFlags, Caller caller) throws FsException {
        String path = nodes.childPath(parent, name);
        CryptFileSystem.NewFile made = fs.createAndGetattr(path, mode, owner(caller));
        long h = made.handle();
        Entry e;
        try {
            e = entry(parent, name, made.attributes());
        } catch (FsException | RuntimeException x) {
            fs.release(h);
            throw x;
        }
        opened(e.node(), h, flags.effective(openFlags));
        return new Created(e, h);
    }

    /**
     * Clears set-user-ID, and set-group-ID where group execute is set, as a write, a truncate or an
     * open with O_TRUNC by a process without CAP_FSETID must. The kernel leaves this to us
     * (FUSE_HANDLE_KILLPRIV_V2), which spares a GETXATTR of security.capability before every write.
     * A file unlinked while open keeps its bits (there is no name to chmod). Returns whether it changed.
     */
    boolean dropSetIds(long node, long handle) throws FsException {
        int mode = getattr(node, handle).attrs().mode();
        int cleared = mode & ~S_ISUID;
        if ((mode & S_IXGRP) != 0) {
            cleared &= ~S_ISGID;
        }
        if (cleared == mode || !nodes.named(node)) {
            return false;
        }
        fs.chmod(nodes.path(node), cleared);
        return true;
    }

    long open(long node, int requested) throws FsException {
        int effective = flags.effective(requested);
        String path = nodes.path(node);
        if (OpenFlags.mode(effective).canRead() && !OpenFlags.truncates(effective)) {
            fileReadAhead.opened(path); // before the open: the next files are read while it reads this one's header
        }
        long h = fs.open(path, OpenFlags.mode(effective));
        if (OpenFlags.truncates(effective)) {
            try {
                fs.ftruncate(h, 0);
            } catch (FsException | RuntimeException e) {
                fs.release(h);
                throw e;
            }
        }
        opened(node, h, effective);
        return h;
    }

    /** Whether the close of a handle opened with these flags (as the kernel sent them) needs a FLUSH ({@link OpenFlags#needsFlush}). */
    boolean needsFlush(int requested) {
        return OpenFlags.needsFlush(flags.effective(requested));
    }

    private void opened(long node, long h, int effective) {
        flags.opened(h, effective);
        nodes.opened(node, h);
    }

    int read(long handle, ByteBuffer dst, long offset) throws FsException {
        return fs.read(handle, dst, offset);
    }

    int write(long handle, ByteBuffer src, long offset) throws FsException {
        if (flags.appends(handle)) {
            int n = src.remaining();
            fs.append(handle, src);
            return n;
        }
        return fs.write(handle, src, offset);
    }

    void flush(long handle) throws FsException {
        fs.flush(handle);
    }

    void fsync(long handle, boolean dataOnly) throws FsException {
        fs.fsync(handle, dataOnly);
    }

    void release(long node, long handle) throws FsException {
        flags.released(handle);
        nodes.closed(node, handle);
        fs.release(handle);
    }

    // ---- directories ----

    long opendir(long node) throws FsException {
        nodes.path(node); // a removed directory cannot be opened
        return dirs.open();
    }

    /** The directory's entries as name bytes ({@link OpenDirectories#read}). */
    List<byte[]> readdir(long node, long dirHandle, long offset) throws FsException {
        return dirs.read(dirHandle, offset, () -> fs.readdir(nodes.path(node)));
    }

    void releasedir(long dirHandle) {
        dirs.release(dirHandle);
    }

    FsStats statfs() throws FsException {
        return fs.statfs();
    }

    // ---- extended attributes ----

    void setxattr(long node, String name, byte[] value, int flags) throws FsException {
        fs.setxattr(nodes.path(node), name, value, flags);
    }

    byte[] getxattr(long node, String name) throws FsException {
        return fs.getxattr(nodes.path(node), name);
    }

    /** The names, each followed by a NUL, as listxattr(2) returns them. */
    byte[] listxattr(long node) throws FsException {
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (String n : fs.listxattr(nodes.path(node))) {
            names.writeBytes(NameBytes.encode(n));
            names.write(0);
        }
        return names.toByteArray();
    }

    void removexattr(long node, String name) throws FsException {
        fs.removexattr(nodes.path(node), name);
    }
}
