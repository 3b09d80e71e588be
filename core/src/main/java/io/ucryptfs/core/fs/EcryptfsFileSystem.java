package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.ExtentCache;
import io.ucryptfs.core.file.FileContent;
import io.ucryptfs.core.file.LowerSpace;
import io.ucryptfs.core.format.FileFormat;
import io.ucryptfs.core.fs.LowerPaths.Reach;
import io.ucryptfs.core.fs.OpenFileTable.Handle;
import io.ucryptfs.core.fs.OpenFileTable.OpenFile;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.core.names.NameBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plaintext tree of an eCryptfs lower directory: every {@link CryptFileSystem} operation, mapped
 * onto the lower directory through {@link LowerPaths} (names), {@link LowerFileOpener} (headers and
 * keys) and {@link FileContent} (data, through the page cache).
 */
public final class EcryptfsFileSystem implements CryptFileSystem {
    private static final Logger log = LoggerFactory.getLogger(EcryptfsFileSystem.class);
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private final LowerPaths paths;
    /** The mount key(s), the name cipher and what wraps FEKs: every use goes through it (locking). */
    private final MountKeys keys;
    /** For what needs no key: recognizing headers, the header xattr's name. */
    private final FileFormat format;
    private final ExtentCache cache;
    private final LowerFileOpener opener;
    private final PlaintextSizes sizes;
    private final LowerAttributes attributes;
    private final OpenFileTable table = new OpenFileTable();
    private final boolean readOnly;
    private final SpecialNodes specialNodes;

    // the parts of the operations below that have a job of their own
    private final MovedOpenFiles moved;
    private final NewNodeOwnership ownership;
    private final DirectoryListing listing;
    private final FilePrefetch prefetch;
    private final SymlinkTargets symlinks;
    private final UserXattrs xattrs;
    private final FileTimes times;
    private final LowerAccess access;
    private final MountLock lock;

    private EcryptfsFileSystem(Path lowerRoot, MountOptions o, MountKeys keys, int pathLimit) {
        this.keys = keys;
        this.paths = new LowerPaths(lowerRoot, keys, o.lowerHandles(), pathLimit);
        this.format = keys.layout();
        this.cache = new ExtentCache(o.cacheBytes(), 4096);
        this.opener = new LowerFileOpener(cache, LowerSpace.of(lowerRoot), o.passthrough(), o.readOnly());
        this.sizes = PlaintextSizes.keptIn(format, o.savedSizes());
        this.attributes = new LowerAttributes();
        this.moved = new MovedOpenFiles(table, paths, attributes, sizes);
        this.ownership = new NewNodeOwnership(paths, attributes);
        this.listing = new DirectoryListing(paths, keys, o.pageCacheAdvice(), sizes);
        this.prefetch = new FilePrefetch(paths, attributes, o.pageCacheAdvice());
        this.symlinks = new SymlinkTargets(keys);
        this.xattrs = new UserXattrs(attributes, format.headerXattrName());
        this.times = new FileTimes(attributes, table, sizes, o.specialNodes());
        this.access = new LowerAccess(attributes);
        this.lock = new MountLock(keys, table);
        this.readOnly = o.readOnly();
        this.specialNodes = o.specialNodes();
    }

    /** Mounts {@code lowerRoot} (an existing directory) with these options. */
    public static EcryptfsFileSystem open(Path lowerRoot, MountOptions o) throws FsException {
        return open(lowerRoot, o, LowerPaths.PATH_LIMIT);
    }

    /** {@link #open(Path, MountOptions)} reaching lower paths longer than {@code pathLimit} bytes through handles (tests). */
    static EcryptfsFileSystem open(Path lowerRoot, MountOptions o, int pathLimit) throws FsException {
        if (!Files.isDirectory(lowerRoot)) {
            throw new FsException(Errno.ENOTDIR, lowerRoot + ": the lower directory does not exist or is not a directory");
        }
        MountKeys keys = new MountKeys(o.keys(), o.keyBytes(), o.encryptNames(), o.headerInXattr(), new SecureRandom(),
                o.newFileKeys());
        return new EcryptfsFileSystem(lowerRoot, o, keys, pathLimit);
    }

    // ---- attributes and directories ----

    @Override
    public FileAttributes getattr(String path) throws FsException {
        try (Reach lower = paths.reach(path)) {
            LowerAttributes.Raw raw = attributes.read(lower.at());
            return plaintextView(lower, raw, path);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public void access(String path, int mask) throws FsException {
        try (Reach lower = paths.reach(path)) {
            access.check(lower.at(), mask);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    private FileAttributes plaintextView(Reach lower, LowerAttributes.Raw raw, String path) throws IOException {
        long size = raw.size();
        if (raw.type() == FileType.REGULAR) {
            OpenFile open = table.find(raw.inode());
            size = open != null ? open.content.size() : sizes.sizeOf(lower.at(), raw);
        } else if (raw.type() == FileType.SYMLINK) {
            size = NameBytes.length(symlinks.read(lower.at(), path));
        }
        return raw.toAttributes(size);
    }

    @Override
    public FileAttributes fgetattr(long handle) throws FsException {
        return moved.attributesOf(table.handle(handle).file());
    }

    @Override
    public List<String> readdir(String path) throws FsException {
        return readdir(path, null);
    }

    /**
     * readdir that also hands each lower name that does not decrypt to {@code undecryptable} (with the
     * reason), for tools that must account for every lower entry ({@link TreeExport}).
     */
    List<String> readdir(String path, BiConsumer<String, String> undecryptable) throws FsException {
        return listing.list(path, undecryptable);
    }

    @Override
    public void readAhead(String path) {
        listing.readAhead(path);
    }

    @Override
    public void prefetch(String path) {
        prefetch.prefetch(path);
    }

    @Override
    public void mkdir(String path, int mode, Owner owner) throws FsException {
        writable(path);
        try (Reach lower = paths.reach(path)) {
            Files.createDirectory(lower.at());
            ownership.directory(lower, owner, mode);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public void rmdir(String path) throws FsException {
        writable(path);
        try (Reach lower = paths.reach(path)) {
            if (!Files.isDirectory(lower.at(), NOFOLLOW)) {
                throw new FsException(Files.exists(lower.at(), NOFOLLOW) ? Errno.ENOTDIR : Errno.ENOENT, path + ": not a directory");
            }
            Files.delete(lower.at());
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    // ---- files ----

    @Override
    public long create(String path, int mode, Owner owner) throws FsException {
        return createAndGetattr(path, mode, owner).handle();
    }

    @Override
    public NewFile createAndGetattr(String path, int mode, Owner owner) throws FsException {
        writable(path);
        try {
            // under the keys' read lock to the end: a lock of open files waits for this one to be in the table
            return keys.use(path, k -> create(path, mode, owner, k.format()));
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    private NewFile create(String path, int mode, Owner owner, FileFormat keyed) throws FsException {
        Reach lower = null;
        try {
            // the new file's own path for as long as it is open (through a handle on its directory when too long)
            lower = paths.pin(paths.lower(path));
            Path at = lower.at();
            FileChannel ch = FileChannel.open(at, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileContent content;
            LowerAttributes.Raw made;
            try {
                content = opener.initialise(keyed, ch, at, path);
                // read after the header is written, these are the attributes the new file has from now
                // on, unless its owner or mode had to change: then once more (a create is one lstat
                // instead of two: the CREATE answer carries them)
                LowerAttributes.Raw fresh = attributes.read(at);
                made = ownership.file(lower, fresh, owner, mode) ? attributes.read(at) : fresh;
            } catch (IOException | RuntimeException e) {
                ch.close();
                Files.deleteIfExists(at);
                throw e;
            }
            sizes.remember(made, content.size()); // closed unwritten (touch), it keeps this state
            Object inode = made.inode();
            Reach pin = lower;
            long h = table.open(inode, OpenMode.READ_WRITE, () -> new OpenFile(inode, content, pin, path));
            lower = null; // the open file keeps it
            return new NewFile(h, made.toAttributes(content.size()));
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        } finally {
            if (lower != null) {
                lower.close();
            }
        }
    }

    @Override
    public long open(String path, OpenMode mode) throws FsException {
        if (mode.canWrite()) {
            writable(path);
        }
        try {
            // a new open needs the mount key even when the file is open already (held under the read lock
            // until the handle is in the table, so a lock of open files sees it)
            return keys.use(path, k -> open(path, mode, k.format()));
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    private long open(String path, OpenMode mode, FileFormat keyed) throws FsException {
        try (Reach lower = paths.reach(path)) {
            LowerAttributes.Raw raw = attributes.read(lower.at());
            if (raw.type() == FileType.DIRECTORY) {
                throw new FsException(Errno.EISDIR, path + ": is a directory");
            }
            if (raw.type() != FileType.REGULAR) {
                throw new FsException(Errno.EINVAL, path + ": not a regular file");
            }
            long h = table.open(raw.inode(), mode, () -> openLower(keyed, raw.inode(), lower.lower(), path));
            if (mode.canWrite() && !table.handle(h).file().content.writable()) {
                release(h);
                throw new FsException(Errno.EACCES, path + ": the lower file is read-only");
            }
            return h;
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    /** Opens the lower file for the open-file table; it keeps the file's path reachable while open. */
    private OpenFile openLower(FileFormat keyed, Object inode, Path lower, String path) throws FsException {
        Reach pin;
        try {
            pin = paths.pin(lower);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
        try {
            return new OpenFile(inode, opener.open(keyed, pin.at(), path), pin, path);
        } catch (FsException | RuntimeException e) {
            pin.close();
            throw e;
        }
    }

    @Override
    public int read(long handle, ByteBuffer dst, long offset) throws FsException {
        Handle h = table.handle(handle);
        if (!h.mode().canRead()) {
            throw new FsException(Errno.EBADF, h.file().plainPath + ": not open for reading");
        }
        try {
            return h.file().content.read(dst, offset);
        } catch (IOException e) {
            throw IoErrors.toFs(e, h.file().plainPath);
        }
    }

    @Override
    public int write(long handle, ByteBuffer src, long offset) throws FsException {
        Handle h = table.handle(handle);
        if (!h.mode().canWrite()) {
            throw new FsException(Errno.EBADF, h.file().plainPath + ": not open for writing");
        }
        try {
            return h.file().content.write(src, offset);
        } catch (IOException e) {
            throw IoErrors.toFs(e, h.file().plainPath);
        }
    }

    @Override
    public long append(long handle, ByteBuffer src) throws FsException {
        Handle h = table.handle(handle);
        if (!h.mode().canWrite()) {
            throw new FsException(Errno.EBADF, h.file().plainPath + ": not open for writing");
        }
        try {
            return h.file().content.append(src);
        } catch (IOException e) {
            throw IoErrors.toFs(e, h.file().plainPath);
        }
    }

    @Override
    public void truncate(String path, long size) throws FsException {
        writable(path);
        long h = open(path, OpenMode.WRITE);
        try {
            ftruncate(h, size);
        } finally {
            release(h);
        }
    }

    @Override
    public void ftruncate(long handle, long size) throws FsException {
        Handle h = table.handle(handle);
        writable(h.file().plainPath);
        if (!h.mode().canWrite()) {
            throw new FsException(Errno.EINVAL, h.file().plainPath + ": not open for writing");
        }
        if (size < 0) {
            throw new FsException(Errno.EINVAL, h.file().plainPath + ": negative size");
        }
        try {
            h.file().content.truncate(size);
        } catch (IOException e) {
            throw IoErrors.toFs(e, h.file().plainPath);
        }
    }

    @Override
    public void flush(long handle) throws FsException {
        Handle h = table.handle(handle);
        try {
            h.file().content.flush();
        } catch (IOException e) {
            throw IoErrors.toFs(e, h.file().plainPath);
        }
    }

    @Override
    public void fsync(long handle, boolean dataOnly) throws FsException {
        Handle h = table.handle(handle);
        try {
            h.file().content.fsync(!dataOnly);
        } catch (IOException e) {
            throw IoErrors.toFs(e, h.file().plainPath);
        }
    }

    @Override
    public void release(long handle) throws FsException {
        table.release(handle, last -> {
            try {
                last.content.close();
            } catch (IOException e) {
                throw IoErrors.toFs(e, last.plainPath);
            } finally {
                moved.closed(last);
            }
        });
    }

    @Override
    public void unlink(String path) throws FsException {
        writable(path);
        try (Reach lower = paths.reach(path)) {
            LowerAttributes.Raw raw = attributes.read(lower.at());
            if (raw.type() == FileType.DIRECTORY) {
                throw new FsException(Errno.EISDIR, path + ": is a directory");
            }
            UnixUnlink.unlink(lower.at());
            sizes.invalidate(raw.inode());
            moved.unlinked(lower.lower(), raw);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public void rename(String from, String to) throws FsException {
        writable(from);
        try (Reach src = paths.reach(from); Reach dst = paths.reach(to)) {
            Files.move(src.at(), dst.at(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved.renamed(src.lower(), dst.lower()); // sizes are kept by inode: a rename keeps them
        } catch (IOException e) {
            throw IoErrors.toFs(e, from + " -> " + to);
        }
    }

    // ---- links ----

    @Override
    public void symlink(String target, String linkPath, Owner owner) throws FsException {
        writable(linkPath);
        try (Reach lower = paths.reach(linkPath)) {
            Path at = lower.at();
            Files.createSymbolicLink(at, symlinks.encrypt(at, linkPath, target));
            try {
                ownership.symlink(lower, owner);
            } catch (IOException e) {
                Files.deleteIfExists(at);
                throw e;
            }
        } catch (IllegalArgumentException e) {
            throw new FsException(Errno.EINVAL, linkPath + ": " + e.getMessage());
        } catch (IOException e) {
            throw IoErrors.toFs(e, linkPath);
        }
    }

    @Override
    public String readlink(String path) throws FsException {
        try (Reach lower = paths.reach(path)) {
            return symlinks.read(lower.at(), path);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public void mknod(String path, FileType type, int mode, long rdev, Owner owner) throws FsException {
        if (type == FileType.REGULAR) {
            release(create(path, mode, owner));
            return;
        }
        writable(path);
        if (!LowerAttributes.isSpecial(type)) {
            throw new FsException(Errno.EINVAL, path + ": mknod of a " + type);
        }
        if (specialNodes == null) {
            throw new FsException(Errno.EPERM, path + ": special files are not supported here");
        }
        try (Reach lower = paths.reach(path)) {
            Path at = lower.at();
            specialNodes.mknod(at, type, mode & 0777, rdev);
            try {
                ownership.special(lower, owner, mode);
            } catch (IOException e) {
                Files.deleteIfExists(at);
                throw e;
            }
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public void link(String existing, String newPath) throws FsException {
        writable(newPath);
        try (Reach link = paths.reach(newPath); Reach target = paths.reach(existing)) {
            Files.createLink(link.at(), target.at());
        } catch (IOException e) {
            throw IoErrors.toFs(e, existing + " -> " + newPath);
        }
    }

    // ---- metadata ----

    @Override
    public void chmod(String path, int mode) throws FsException {
        writable(path);
        try (Reach lower = paths.reach(path)) {
            attributes.setMode(lower.at(), mode);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public void chown(String path, int uid, int gid) throws FsException {
        writable(path);
        try (Reach lower = paths.reach(path)) {
            attributes.setOwner(lower.at(), uid, gid);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public void utimens(String path, Instant atime, Instant mtime) throws FsException {
        writable(path);
        try (Reach lower = paths.reach(path)) {
            times.set(lower.at(), path, atime, mtime);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public FsStats statfs() throws FsException {
        try {
            FileStore store = Files.getFileStore(paths.root());
            long bs = blockSize(store);
            return new FsStats(bs, store.getTotalSpace() / bs, store.getUnallocatedSpace() / bs,
                    store.getUsableSpace() / bs, 0, 0, keys.maxNameLength());
        } catch (IOException e) {
            throw IoErrors.toFs(e, "/");
        }
    }

    /** The lower block size for statfs; 4096 when the store cannot say (jimfs, some FUSE lowers). */
    private static long blockSize(FileStore store) {
        try {
            return store.getBlockSize();
        } catch (IOException | UnsupportedOperationException e) {
            return 4096;
        }
    }

    // ---- extended attributes ----

    @Override
    public byte[] getxattr(String path, String name) throws FsException {
        // refused by name before the path is encrypted: the kernel asks for security.capability before
        // the first write to every file
        xattrs.refuseOtherNamespaces(path, name);
        try (Reach lower = paths.reach(path)) {
            return xattrs.get(lower.at(), path, name);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws FsException {
        writable(path);
        try (Reach lower = paths.reach(path)) {
            xattrs.set(lower.at(), path, name, value, flags);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public List<String> listxattr(String path) throws FsException {
        try (Reach lower = paths.reach(path)) {
            return xattrs.list(lower.at(), path);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    @Override
    public void removexattr(String path, String name) throws FsException {
        writable(path);
        try (Reach lower = paths.reach(path)) {
            xattrs.remove(lower.at(), path, name);
        } catch (IOException e) {
            throw IoErrors.toFs(e, path);
        }
    }

    // ---- locking the keys ----

    /** See {@link MountLock#lock}. */
    public MountLock.Result lock(boolean openFilesToo) {
        return lock.lock(openFilesToo);
    }

    /** See {@link MountLock#unlock}. */
    public boolean unlock(KeyRing ring) throws WrongPassphraseException {
        return lock.unlock(ring);
    }

    public MountLock.Status keyStatus() {
        return lock.status();
    }

    // ---- lifecycle ----

    @Override
    public void close() throws FsException {
        FsException first = null;
        for (OpenFile f : table.drain()) {
            try {
                f.content.close();
            } catch (IOException e) {
                log.error("{}: could not write back on unmount: {}", f.plainPath, e.getMessage());
                if (first == null) {
                    first = IoErrors.toFs(e, f.plainPath);
                }
            } finally {
                f.closePins();
            }
        }
        keys.close();
        sizes.saveForNextMount();
        if (first != null) {
            throw first;
        }
    }

    /** Headers read so far for a plaintext size ({@link PlaintextSizes}; tests). */
    long headerReadsForSizes() {
        return sizes.headerReads();
    }

    /** The size a lower file would have for this plaintext size: header plus whole extents. */
    public static long lowerSizeFor(long plaintextSize) {
        return 8192 + (plaintextSize + 4095) / 4096 * 4096;
    }

    private void writable(String path) throws FsException {
        if (readOnly) {
            throw new FsException(Errno.EROFS, path + ": read-only mount");
        }
    }
}
