package io.ucryptfs.core.fs;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * lstat(2) of a lower path through the JDK's own {@code sun.nio.fs.UnixFileAttributes}, the object its
 * typed attribute views return, read with method handles.
 *
 * <p>Why: every FUSE request that names a file costs at least one lower stat. The string-keyed
 * {@code "unix:..."} view parses its attribute list and fills a HashMap on every call (3–4 µs a stat
 * against ~1.2 µs for the same lstat through the typed views, measured with a 200,000-call loop), and
 * its compiled code is among the largest of the daemon (~1 s of C2 time in the first minutes of a
 * mount). A missing file, the answer to every lookup of a name about to be created, comes back as an
 * errno here instead of a {@code NoSuchFileException} with a message and a stack trace.
 *
 * <p>It needs {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED} (the daemon, the launcher and the
 * tests run with it). Without it, on another JDK layout, or for a path of another filesystem (jimfs in
 * tests), {@link #handles} is false and {@link LowerAttributes} reads the attribute views as before.
 */
final class UnixStat {
    private static final int ENOENT = 2;
    private static final int ENOTDIR = 20;

    private static final Class<?> UNIX_PATH;
    private static final Class<?> UNIX_EXCEPTION;
    /** {@code UnixFileAttributes.get(UnixPath, boolean followLinks)}, as (Path, boolean) → Object. */
    private static final MethodHandle GET;
    private static final MethodHandle MODE;
    private static final MethodHandle INO;
    private static final MethodHandle NLINK;
    private static final MethodHandle UID;
    private static final MethodHandle GID;
    private static final MethodHandle RDEV;
    private static final MethodHandle CTIME;
    private static final MethodHandle ERRNO;

    static {
        Class<?> unixPath = null;
        Class<?> unixException = null;
        MethodHandle get = null;
        MethodHandle mode = null;
        MethodHandle ino = null;
        MethodHandle nlink = null;
        MethodHandle uid = null;
        MethodHandle gid = null;
        MethodHandle rdev = null;
        MethodHandle ctime = null;
        MethodHandle errno = null;
        try {
            Class<?> attrs = Class.forName("sun.nio.fs.UnixFileAttributes");
            unixPath = Class.forName("sun.nio.fs.UnixPath");
            unixException = Class.forName("sun.nio.fs.UnixException");
            MethodHandles.Lookup in = MethodHandles.privateLookupIn(attrs, MethodHandles.lookup());
            get = in.findStatic(attrs, "get", MethodType.methodType(attrs, unixPath, boolean.class))
                    .asType(MethodType.methodType(Object.class, Path.class, boolean.class));
            mode = getter(in, attrs, "mode", int.class);
            ino = getter(in, attrs, "ino", long.class);
            nlink = getter(in, attrs, "nlink", int.class);
            uid = getter(in, attrs, "uid", int.class);
            gid = getter(in, attrs, "gid", int.class);
            rdev = getter(in, attrs, "rdev", long.class);
            ctime = getter(in, attrs, "ctime", java.nio.file.attribute.FileTime.class);
            errno = MethodHandles.privateLookupIn(unixException, MethodHandles.lookup())
                    .findVirtual(unixException, "errno", MethodType.methodType(int.class))
                    .asType(MethodType.methodType(int.class, Throwable.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not opened to us (IllegalAccessException), or another JDK's internals: the views it is
            get = null;
        }
        GET = get;
        UNIX_PATH = get == null ? null : unixPath;
        UNIX_EXCEPTION = unixException;
        MODE = mode;
        INO = ino;
        NLINK = nlink;
        UID = uid;
        GID = gid;
        RDEV = rdev;
        CTIME = ctime;
        ERRNO = errno;
    }

    private UnixStat() {}

    private static MethodHandle getter(MethodHandles.Lookup in, Class<?> attrs, String name, Class<?> type)
            throws ReflectiveOperationException {
        return in.findVirtual(attrs, name, MethodType.methodType(type))
                .asType(MethodType.methodType(type, Object.class));
    }

    /** Whether {@link #lstat} can read {@code p}: a path of the default (Unix) filesystem, on a JDK that let us in. */
    static boolean handles(Path p) {
        return UNIX_PATH != null && p.getClass() == UNIX_PATH;
    }

    /**
     * The attributes of {@code p} itself (a symlink is not followed), or null on an error other than
     * a missing file: the caller then asks the attribute views, which throw the JDK's exception for
     * it. Only for a path {@link #handles} accepts.
     *
     * @throws Missing when {@code p} does not exist (ENOENT) or a component on the way is not a
     *     directory (ENOTDIR)
     */
    static LowerAttributes.Raw lstat(Path p) throws Missing {
        Object a;
        try {
            a = (Object) GET.invokeExact(p, false);
        } catch (Throwable t) {
            int errno = errnoOf(t);
            if (errno == ENOENT || errno == ENOTDIR) {
                throw new Missing(errno);
            }
            return null;
        }
        try {
            PosixFileAttributes px = (PosixFileAttributes) a;
            int fullMode = (int) MODE.invokeExact(a);
            FileType type = LowerAttributes.typeOf(fullMode);
            long rdev = type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE ? (long) RDEV.invokeExact(a) : 0;
            return new LowerAttributes.Raw(type, px.size(), fullMode & 07777, (int) UID.invokeExact(a),
                    (int) GID.invokeExact(a), (int) NLINK.invokeExact(a), px.fileKey(), (long) INO.invokeExact(a),
                    px.lastAccessTime(), px.lastModifiedTime(),
                    (java.nio.file.attribute.FileTime) CTIME.invokeExact(a), rdev);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("reading the JDK's file attributes", t);
        }
    }

    private static int errnoOf(Throwable t) {
        if (t.getClass() != UNIX_EXCEPTION) {
            return -1;
        }
        try {
            return (int) ERRNO.invokeExact(t);
        } catch (Throwable e) {
            return -1;
        }
    }

    /**
     * The lower path does not exist (or a component on the way is not a directory). No stack trace:
     * it is an answer, often the expected one; {@link IoErrors} turns it into the plaintext name's
     * ENOENT or ENOTDIR.
     */
    static final class Missing extends java.io.IOException {
        private static final long serialVersionUID = 1L;
        final int errno;

        Missing(int errno) {
            super(errno == ENOTDIR ? "not a directory" : "no such file or directory");
            this.errno = errno;
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
