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
 * One mount's connection to the kernel: mounted through libfuse 2's {@code fuse_mount} (which runs the
 * setuid {@code fusermount} for a non-root user and hands back {@code /dev/fuse}), then served by a
 * fixed set of Java threads, each reading a request from the device and answering it
 * ({@link KernelRequests}). libfuse is used for mounting and unmounting only.
 */
final class FuseSession {
    private static final Logger log = LoggerFactory.getLogger(FuseSession.class);

    private final LowLevelFuse lib;
    private final String mountPoint;
    private final Pointer chan;
    private final FuseDevice device;
    private final KernelRequests requests;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean unmounted;

    private FuseSession(LowLevelFuse lib, String mountPoint, Pointer chan, FuseAdapter adapter, int maxWrite) {
        this.lib = lib;
        this.mountPoint = mountPoint;
        this.chan = chan;
        this.device = FuseDevice.of(lib.fuse_chan_fd(chan));
        this.requests = new KernelRequests(adapter, device, maxWrite);
    }

    /** libfuse.so.2, loaded once. */
    static LowLevelFuse library() {
        return Holder.LIB;
    }

    private static final class Holder {
        static final LowLevelFuse LIB = LibraryLoader.create(LowLevelFuse.class).failImmediately().load("fuse");
    }

    /**
     * Mounts {@code mountPoint} through fusermount with the mount {@code options} (as {@code -o} takes
     * them). Returns once mounted; {@link #run} then serves requests.
     *
     * @throws IllegalArgumentException for an option neither the kernel nor we know
     */
    static FuseSession mount(FuseAdapter adapter, String mountPoint, List<String> options, int maxWrite) {
        Runtime rt = Runtime.getSystemRuntime();
        LowLevelFuse lib = library();
        List<Pointer> keep = new ArrayList<>();
        Pointer args = fuseArgs(rt, keep, "ucryptfs", "-o", String.join(",", options));
        Pointer chan = lib.fuse_mount(mountPoint, args);
        List<String> unknown = leftOver(args);
        lib.fuse_opt_free_args(args);
        if (chan == null || chan.address() == 0) {
            throw new IllegalStateException("libfuse could not mount (fuse_mount failed; see the messages above)");
        }
        if (!unknown.isEmpty()) {
            lib.fuse_unmount(mountPoint, chan);
            throw new IllegalArgumentException("unknown FUSE option " + String.join(",", unknown));
        }
        return new FuseSession(lib, mountPoint, chan, adapter, maxWrite);
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

    /**
     * The options {@code fuse_mount} did not take (it leaves them in {@code args} as "-o a,b"), less
     * those it both passes to the kernel and keeps for libfuse's request loop ({@code max_read=},
     * {@code debug}).
     */
    private static List<String> leftOver(Pointer args) {
        List<String> left = new ArrayList<>();
        int argc = args.getInt(0);
        Pointer argv = args.getPointer(8);
        for (int i = 1; i < argc && argv != null; i++) {
            Pointer p = argv.getPointer(8L * i);
            String a = p == null ? "" : p.getString(0);
            if (a.equals("-o")) {
                continue;
            }
            for (String o : (a.startsWith("-o") ? a.substring(2) : a).split(",")) {
                if (!o.isEmpty() && !o.startsWith("max_read=") && !o.equals("debug")) {
                    left.add(o);
                }
            }
        }
        return left;
    }

    /** Serves requests on {@code threads} Java threads until unmounted, then lets go of the device. */
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
        // as libfuse's teardown: unmount (a no-op when fusermount -u already did) and close the device
        lib.fuse_unmount(mountPoint, chan);
    }

    private void serve() {
        KernelRequests.Scratch s = requests.scratch();
        while (!unmounted) {
            int n = device.read(s.in);
            if (n > 0) {
                requests.handle(s, n);
            } else if (n != -FuseDevice.EINTR && n != -FuseDevice.EAGAIN && n != -FuseDevice.ENOENT) {
                if (n != -FuseDevice.ENODEV) {
                    log.warn("reading /dev/fuse: errno {}; stopping", -n);
                }
                // unmounted (ENODEV) or a fatal error: every worker stops
                unmounted = true;
                break;
            }
        }
    }
}
