package io.ucryptfs.fuse;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * libfuse's multithreaded request loop, run on Java threads.
 *
 * <p>Why: with {@code fuse_main_real} the requests run on libfuse's own threads, and jffi attaches such
 * a thread to the JVM for every callback and detaches it afterwards (jnr/jnr-ffi#125): each FUSE request
 * became a new Java thread (measured: 14,000 thread starts in 10 s of streaming reads, a third of the
 * read throughput). Here a fixed set of Java threads call {@code fuse_session_receive_buf} and
 * {@code fuse_session_process_buf}, so callbacks run on threads that are already attached. This is what
 * libfuse's {@code fuse_loop_mt} does, with a fixed pool instead of a growing one.
 */
final class JavaThreadLoop {
    private static final Logger log = LoggerFactory.getLogger(JavaThreadLoop.class);
    private static final int EINTR = 4;

    /** struct fuse_buf (libfuse 2.9): size, flags, mem, fd, pos. */
    private static final int BUF_STRUCT = 40;
    private static final int OFF_SIZE = 0;
    private static final int OFF_FLAGS = 8;
    private static final int OFF_MEM = 16;
    private static final int OFF_FD = 24;
    private static final int OFF_POS = 32;

    private final LibFuseLoop lib;
    private final Runtime runtime;
    private final Pointer fuse;
    private final Pointer mountpointOut;
    private final Pointer session;
    private final Pointer chan;
    private final long bufSize;
    private final List<Thread> workers = new ArrayList<>();

    private JavaThreadLoop(LibFuseLoop lib, Runtime runtime, Pointer fuse, Pointer mountpointOut) {
        this.lib = lib;
        this.runtime = runtime;
        this.fuse = fuse;
        this.mountpointOut = mountpointOut;
        this.session = lib.fuse_get_session(fuse);
        this.chan = lib.fuse_session_next_chan(session, null);
        this.bufSize = lib.fuse_chan_bufsize(chan);
    }

    /**
     * Mounts (libfuse's {@code fuse_setup}: parses the arguments, mounts through fusermount, makes the
     * session). Returns once mounted; {@link #run} then serves requests.
     */
    static JavaThreadLoop setup(FuseOperations ops, String[] args) {
        Runtime rt = Runtime.getSystemRuntime();
        LibFuseLoop lib = LibraryLoader.create(LibFuseLoop.class).failImmediately().load("fuse");
        Pointer mp = Memory.allocateDirect(rt, 8, true);
        Pointer mt = Memory.allocateDirect(rt, 4, true);
        Pointer fuse = lib.fuse_setup(args.length, args, ops, Struct.size(ops), mp, mt, null);
        if (fuse == null || fuse.address() == 0) {
            throw new IllegalStateException("libfuse could not mount (fuse_setup failed; see the messages above)");
        }
        return new JavaThreadLoop(lib, rt, fuse, mp);
    }

    /** Serves requests on {@code threads} Java threads until unmounted, then tears the session down. */
    void run(int threads) throws InterruptedException {
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(this::serve, "fuse-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            t.join();
        }
        lib.fuse_teardown(fuse, mountpointOut.getPointer(0));
    }

    private void serve() {
        Pointer buf = Memory.allocateDirect(runtime, bufSize);
        Pointer fbuf = Memory.allocateDirect(runtime, BUF_STRUCT, true);
        Pointer chOut = Memory.allocateDirect(runtime, 8, true);
        while (lib.fuse_session_exited(session) == 0) {
            fbuf.putLong(OFF_SIZE, bufSize);
            fbuf.putInt(OFF_FLAGS, 0);
            fbuf.putPointer(OFF_MEM, buf);
            fbuf.putInt(OFF_FD, -1);
            fbuf.putLong(OFF_POS, 0);
            chOut.putPointer(0, chan);
            int res = lib.fuse_session_receive_buf(session, fbuf, chOut);
            if (res == -EINTR) {
                continue;
            }
            if (res <= 0) {
                if (res < 0) {
                    log.debug("fuse_session_receive_buf: {}", res);
                }
                // unmounted (ENODEV) or a fatal error: every worker stops
                lib.fuse_exit(fuse);
                break;
            }
            lib.fuse_session_process_buf(session, fbuf, chOut.getPointer(0));
        }
    }
}
