package io.ucryptfs.fuse;

import jnr.ffi.Pointer;

/**
 * What we use of libfuse 2, loaded with jnr-ffi from {@code libfuse.so.2}: mounting (through the
 * setuid {@code fusermount} when not root) and unmounting. Requests and replies are ours
 * ({@link KernelRequests}).
 */
public interface LowLevelFuse {

    /** Mounts through fusermount; consumes the mount options of {@code args}. A {@code fuse_chan}, or null. */
    Pointer fuse_mount(String mountpoint, Pointer args);

    /** Unmounts (unless already unmounted), closes the channel's {@code /dev/fuse} and frees the channel. */
    void fuse_unmount(String mountpoint, Pointer chan);

    /** The channel's {@code /dev/fuse} file descriptor. */
    int fuse_chan_fd(Pointer chan);

    void fuse_opt_free_args(Pointer args);
}
