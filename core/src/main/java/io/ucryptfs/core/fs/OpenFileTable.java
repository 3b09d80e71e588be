package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.FileContent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open files of a mount and the handles on them. One {@link OpenFile} per lower inode (so hard
 * links and several opens share one state and one cache), any number of handles on it.
 */
final class OpenFileTable {

    /** One lower file in use. {@code handles} is guarded by the table. */
    static final class OpenFile {
        final Object inode;
        final FileContent content;
        volatile Path lowerPath;
        final String plainPath;
        /**
         * Set when its last lower name was unlinked while open (lowerPath then null): its attributes at
         * that moment, so fstat keeps showing its mode, owner and inode (with the live size).
         */
        volatile LowerAttributes.Raw unlinkedAttributes;
        int handles;
        /**
         * What keeps the paths the content was given reachable (handles on the lower directory, when its
         * path is too long for the kernel): all of them, the ones from before a rename too, until the file
         * is closed, since the content may be using an older path right now.
         */
        private final List<LowerPaths.Reach> pins = new ArrayList<>(1);

        OpenFile(Object inode, FileContent content, LowerPaths.Reach pin, String plainPath) {
            this.inode = inode;
            this.content = content;
            this.lowerPath = pin.lower();
            this.plainPath = plainPath;
            keep(pin);
        }

        synchronized void keep(LowerPaths.Reach pin) {
            if (pin.throughHandles()) {
                pins.add(pin);
            }
        }

        /** After the content is closed. */
        synchronized void closePins() {
            pins.forEach(LowerPaths.Reach::close);
            pins.clear();
        }
    }

    /** A handle: an open file and what it may do. */
    record Handle(OpenFile file, OpenMode mode) {}

    private final Map<Object, OpenFile> byInode = new ConcurrentHashMap<>();
    private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    /** Open files cut off by a lock ({@link #detach}): their handles live on, a new open gets a new file. */
    private final Set<OpenFile> detached = ConcurrentHashMap.newKeySet();

    /** The open file for this inode, if any. */
    OpenFile find(Object inode) {
        return byInode.get(inode);
    }

    interface Opener {
        OpenFile open() throws FsException;
    }

    interface Closer {
        void close(OpenFile last) throws FsException;
    }

    /**
     * A new handle on the inode's open file, opening it with {@code opener} when it is not open yet.
     * Opening runs under the inode's entry only (not a table-wide lock), so opens of other files go on.
     */
    long open(Object inode, OpenMode mode, Opener opener) throws FsException {
        OpenFile f;
        try {
            f = byInode.compute(inode, (k, existing) -> {
                OpenFile of = existing;
                if (of == null) {
                    try {
                        of = opener.open();
                    } catch (FsException e) {
                        throw new Failure(e);
                    }
                }
                of.handles++;
                return of;
            });
        } catch (Failure e) {
            throw e.fs;
        }
        long h = nextHandle.getAndIncrement();
        handles.put(h, new Handle(f, mode));
        return h;
    }

    Handle handle(long h) throws FsException {
        Handle handle = handles.get(h);
        if (handle == null) {
            throw new FsException(Errno.EBADF, "no open file with handle " + h);
        }
        return handle;
    }

    /**
     * Drops a handle; on the last handle of a file, {@code closer} runs while the inode's entry is still
     * held, so a concurrent open of the same file waits until its data and size are written back.
     */
    void release(long h, Closer closer) throws FsException {
        Handle handle = handles.remove(h);
        if (handle == null) {
            throw new FsException(Errno.EBADF, "no open file with handle " + h);
        }
        OpenFile f = handle.file();
        Exception[] failed = new Exception[1];
        byInode.compute(f.inode, (k, current) -> {
                if (current != f) {
                    // not the table's entry (drained or detached): just count down
                    if (--f.handles == 0) {
                        detached.remove(f);
                        try {
                            closer.close(f);
                        } catch (FsException | RuntimeException e) {
                            failed[0] = e;
                        }
                    }
                    return current;
                }
                if (--f.handles > 0) {
                    return f;
                }
                try {
                    closer.close(f);
                } catch (FsException | RuntimeException e) {
                    // closed all the same (the file wiped its key): the entry must go, or every later
                    // open of this file would get the dead one (a bug thrown out of compute would
                    // have left it in the map)
                    failed[0] = e;
                }
                return null;
            });
        if (failed[0] instanceof FsException e) {
            throw e;
        }
        if (failed[0] instanceof RuntimeException e) {
            throw e;
        }
    }

    /** Carries a checked FsException out of a map compute function. */
    private static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient FsException fs;

        Failure(FsException fs) {
            super(fs.getMessage(), null, false, false);
            this.fs = fs;
        }
    }

    /**
     * Takes a file cut off by a lock out of the table: its handles keep it (and fail) until released, and
     * an open after the unlock opens the lower file afresh instead of getting the dead one.
     */
    void detach(OpenFile f) {
        detached.add(f);
        byInode.remove(f.inode, f);
    }

    /** Every open file, for unmount. */
    java.util.List<OpenFile> drain() {
        java.util.List<OpenFile> all = new java.util.ArrayList<>(byInode.values());
        all.addAll(detached);
        detached.clear();
        byInode.clear();
        handles.clear();
        return all;
    }

    /** Files cut off by a lock whose handles are not all released yet. */
    int detachedCount() {
        return detached.size();
    }

    java.util.Collection<OpenFile> all() {
        return byInode.values();
    }
}
