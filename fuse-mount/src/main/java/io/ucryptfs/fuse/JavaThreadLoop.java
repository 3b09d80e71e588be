package io.ucryptfs.fuse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libfuse low-level session and its multithreaded request loop, run on Java threads.
 *
 * <p>Why Java threads: when libfuse's own threads call into Java, jffi attaches each to the JVM for every
 * callback and detaches it afterwards (jnr/jnr-ffi#125): each FUSE request became a new Java thread
 * (measured: 14,000 thread starts in 10 s of streaming reads, a third of the read throughput). Here a
 * fixed set of Java threads call {@code fuse_session_receive_buf} and {@code fuse_session_process_buf},
 * so callbacks run on threads that are already attached. This is what libfuse's {@code fuse_loop_mt}
 * does, with a fixed pool instead of a growing one.
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

    private final LowLevelFuse lib;
    private final Runtime runtime;
    private final String mountPoint;
    private final Pointer session;
    private final Pointer chan;
    /** Keeps the operations table and its callbacks alive while the session runs. */
    private final LowLevelOps ops;
    private final long bufSize;
    private final List<Thread> workers = new ArrayList<>();

    private JavaThreadLoop(LowLevelFuse lib, Runtime runtime, String mountPoint, Pointer session, Pointer chan,
            LowLevelOps ops) {
        this.lib = lib;
        this.runtime = runtime;
        this.mountPoint = mountPoint;
        this.session = session;
        this.chan = chan;
        this.ops = ops;
        this.bufSize = lib.fuse_chan_bufsize(chan);
    }

    /** libfuse.so.2, loaded once. */
    static LowLevelFuse library() {
        return Holder.LIB;
    }

    private static final class Holder {
        static final LowLevelFuse LIB = LibraryLoader.create(LowLevelFuse.class).failImmediately().load("fuse");
    }

    /**
     * Mounts {@code mountPoint} through fusermount with {@code options} (mount options and libfuse
     * low-level options, as {@code -o} takes them) and makes the session. Returns once mounted;
     * {@link #run} then serves requests.
     */
    static JavaThreadLoop setup(FuseAdapter adapter, String mountPoint, List<String> options) {
        Runtime rt = Runtime.getSystemRuntime();
        LowLevelFuse lib = library();
        LowLevelOps ops = new LowLevelOps(lib, adapter);
        List<Pointer> keep = new ArrayList<>();
        Pointer args = fuseArgs(rt, keep, "ucryptfs", "-o", String.join(",", options));
        Pointer chan = lib.fuse_mount(mountPoint, args);
        if (chan == null || chan.address() == 0) {
            lib.fuse_opt_free_args(args);
            throw new IllegalStateException("libfuse could not mount (fuse_mount failed; see the messages above)");
        }
        Pointer session = lib.fuse_lowlevel_new(args, ops.table(), ops.tableSize(), null);
        lib.fuse_opt_free_args(args);
        if (session == null || session.address() == 0) {
            lib.fuse_unmount(mountPoint, chan);
            throw new IllegalStateException("libfuse refused the options (fuse_lowlevel_new failed; see the messages above)");
        }
        lib.fuse_session_add_chan(session, chan);
        ops.channel(chan);
        return new JavaThreadLoop(lib, rt, mountPoint, session, chan, ops);
    }

    /** A {@code struct fuse_args} (argc, argv, allocated = 0: libfuse copies before it changes it). */
    private static Pointer fuseArgs(Runtime rt, List<Pointer> keep, String... argv) {
        Pointer array = Memory.allocateDirect(rt, 8L * (argv.length + 1), true);
        for (int i = 0; i < argv.length; i++) {
            byte[] b = argv[i].getBytes(StandardCharsets.UTF_8);
            Pointer s = Memory.allocateDirect(rt, b.length + 1, true);
            s.put(0, b, 0, b.length);
            keep.add(s);
            array.putPointer(8L * i, s);
        }
        keep.add(array);
        Pointer args = Memory.allocateDirect(rt, 24, true);
        args.putInt(0, argv.length);
        args.putPointer(8, array);
        args.putInt(16, 0);
        keep.add(args);
        return args;
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
        // as fuse_teardown: unmount (a no-op when fusermount -u already did) and free the channel, then
        // the session
        lib.fuse_unmount(mountPoint, chan);
        lib.fuse_session_destroy(session);
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
                lib.fuse_session_exit(session);
                break;
            }
            lib.fuse_session_process_buf(session, fbuf, chOut.getPointer(0));
        }
    }
}
