package io.ucryptfs.core.fs;

/**
 * The POSIX errno values core's operations fail with (Linux numbering), so the FUSE layer can return
 * {@code -errno} as it is. Only the values core uses are here.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EOPNOTSUPP = 95;
    /** A FUSE node id the kernel sent that we no longer know. */
    public static final int ESTALE = 116;
    public static final int EDQUOT = 122;

    /** The symbolic name, for messages ("ENOENT"). */
    public static String name(int errno) {
        for (java.lang.reflect.Field f : Errno.class.getFields()) {
            try {
                if (f.getType() == int.class && f.getInt(null) == errno) {
                    return f.getName();
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return "errno " + errno;
    }
}
