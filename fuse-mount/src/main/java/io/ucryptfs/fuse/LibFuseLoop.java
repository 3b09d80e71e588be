package io.ucryptfs.fuse;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * The parts of libfuse 2.9's API that let Java threads run the request loop themselves
 * ({@code fuse_setup}, {@code fuse_session_receive_buf}, {@code fuse_session_process_buf},
 * {@code fuse_teardown}), as {@code fuse_loop_mt} does in C. Loaded with jnr-ffi beside jnr-fuse's own
 * binding, which only offers {@code fuse_main_real}.
 */
public interface LibFuseLoop {

    Pointer fuse_setup(int argc, String[] argv, @In FuseOperations op, long opSize,
            @Out Pointer mountpoint, @Out Pointer multithreaded, Pointer userData);

    void fuse_teardown(Pointer fuse, Pointer mountpoint);

    Pointer fuse_get_session(Pointer fuse);

    Pointer fuse_session_next_chan(Pointer session, Pointer chan);

    long fuse_chan_bufsize(Pointer chan);

    int fuse_session_receive_buf(Pointer session, Pointer buf, Pointer chanOut);

    void fuse_session_process_buf(Pointer session, Pointer buf, Pointer chan);

    int fuse_session_exited(Pointer session);

    void fuse_exit(Pointer fuse);
}
