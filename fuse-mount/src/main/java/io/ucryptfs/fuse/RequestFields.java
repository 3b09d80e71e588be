package io.ucryptfs.fuse;

import static io.ucryptfs.fuse.FuseProtocol.*;

import io.ucryptfs.core.names.NameBytes;
import java.nio.ByteBuffer;
import java.time.Instant;

/** The fields of a request that take more than one read: setattr's changes, the caller, names. */
final class RequestFields {
    private RequestFields() {}

    /** setattr's fields, from a fuse_setattr_in at {@code at}. */
    static FuseAdapter.Changes changes(ByteBuffer in, int at, int valid) {
        Integer mode = (valid & FATTR_MODE) != 0 ? in.getInt(at + 68) & 07777 : null;
        int uid = (valid & FATTR_UID) != 0 ? in.getInt(at + 76) : -1;
        int gid = (valid & FATTR_GID) != 0 ? in.getInt(at + 80) : -1;
        Long size = (valid & FATTR_SIZE) != 0 ? in.getLong(at + 16) : null;
        Instant now = (valid & (FATTR_ATIME_NOW | FATTR_MTIME_NOW)) != 0 ? Instant.now() : null;
        Instant atime = (valid & FATTR_ATIME_NOW) != 0 ? now
                : (valid & FATTR_ATIME) != 0 ? time(in, at + 32, at + 56) : null;
        Instant mtime = (valid & FATTR_MTIME_NOW) != 0 ? now
                : (valid & FATTR_MTIME) != 0 ? time(in, at + 40, at + 60) : null;
        return new FuseAdapter.Changes(mode, uid, gid, size, atime, mtime);
    }

    static FuseAdapter.Caller caller(ByteBuffer in) {
        return new FuseAdapter.Caller(in.getInt(IN_UID), in.getInt(IN_GID));
    }

    /** The index of the NUL ending the string at {@code from} (or {@code end} when there is none). */
    static int nul(ByteBuffer in, int from, int end) {
        int limit = Math.min(end, from + PATH_MAX);
        for (int i = from; i < limit; i++) {
            if (in.get(i) == 0) {
                return i;
            }
        }
        return limit;
    }

    /** A name or symlink target from the kernel, as the {@link NameBytes} String of its bytes. */
    static String string(ByteBuffer in, int from, int end) {
        int n = nul(in, from, end) - from;
        byte[] b = new byte[Math.max(n, 0)];
        in.get(from, b, 0, b.length);
        return NameBytes.decode(b);
    }

    /** "." or "..". */
    static boolean dot(byte[] name) {
        return name.length == 1 && name[0] == '.' || name.length == 2 && name[0] == '.' && name[1] == '.';
    }
}
