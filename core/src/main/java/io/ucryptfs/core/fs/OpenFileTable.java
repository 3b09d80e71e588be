package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.FileContent;
import java.nio.file.Path;
import java.util.Map;
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
        int handles;

        OpenFile(Object inode, FileContent content, Path lowerPath, String plainPath) {
            this.inode = inode;
            this.content = content;
            this.lowerPath = lowerPath;
            this.plainPath = plainPath;
        }
    }

    /** A handle: an open file and what it may do. */
    record Handle(OpenFile file, OpenMode mode) {}

    private final Map<Object, OpenFile> byInode = new ConcurrentHashMap<>();
    private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);

    /** The open file for this inode, if any. */
    OpenFile find(Object inode) {
        return byInode.get(inode);
    }

    interface Opener {
        OpenFile open() throws FsException;
    }

    /** A new handle on the inode's open file, opening it with {@code opener} when it is not open yet. */
    synchronized long open(Object inode, OpenMode mode, Opener opener) throws FsException {
        OpenFile f = byInode.get(inode);
        if (f == null) {
            f = opener.open();
            byInode.put(inode, f);
        }
        f.handles++;
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

    /** Drops a handle; returns its file when that was the last handle (the caller closes it), else null. */
    synchronized OpenFile release(long h) throws FsException {
        Handle handle = handles.remove(h);
        if (handle == null) {
            throw new FsException(Errno.EBADF, "no open file with handle " + h);
        }
        OpenFile f = handle.file();
        if (--f.handles == 0) {
            byInode.remove(f.inode, f);
            return f;
        }
        return null;
    }

    /** Every open file, for unmount. */
    synchronized java.util.List<OpenFile> drain() {
        java.util.List<OpenFile> all = new java.util.ArrayList<>(byInode.values());
        byInode.clear();
        handles.clear();
        return all;
    }

    java.util.Collection<OpenFile> all() {
        return byInode.values();
    }
}
