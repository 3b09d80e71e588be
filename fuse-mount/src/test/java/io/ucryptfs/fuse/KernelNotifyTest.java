package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

/**
 * What the daemon tells the kernel without being asked: after a link, the existing name's cached
 * attributes go (its link count changed); after a lock, every cached page and attribute of the mount.
 * libfuse is a recording stand-in; the callbacks are called as libfuse calls them.
 */
class KernelNotifyTest {
    private final List<long[]> notified = new ArrayList<>();

    private LowLevelFuse recording() {
        return (LowLevelFuse) Proxy.newProxyInstance(LowLevelFuse.class.getClassLoader(),
                new Class<?>[] {LowLevelFuse.class}, (proxy, method, args) -> {
                    if (method.getName().equals("fuse_lowlevel_notify_inval_inode")) {
                        notified.add(new long[] {(Long) args[1], (Long) args[2], (Long) args[3]});
                    }
                    if (method.getReturnType() == int.class) {
                        return 0;
                    }
                    return method.getReturnType() == long.class ? (Object) 0L : null;
                });
    }

    /** Every path is a regular file with one link; link and everything else succeed. */
    private static CryptFileSystem files() {
        Instant t = Instant.EPOCH;
        FileAttributes a = new FileAttributes(FileType.REGULAR, 3, 0644, 0, 0, 1, 99, t, t, t);
        return (CryptFileSystem) Proxy.newProxyInstance(CryptFileSystem.class.getClassLoader(),
                new Class<?>[] {CryptFileSystem.class}, (proxy, method, args) ->
                        method.getName().equals("getattr") ? a : null);
    }

    private static Pointer cString(String s) {
        // as large as libfuse's buffers: names are read up to PATH_MAX, not past their NUL
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), 4096, true);
        p.put(0, s.getBytes(), 0, s.length());
        return p;
    }

    @Test
    void linkDropsTheExistingNamesAttributesAndALockDropsEverything() {
        FuseAdapter adapter = new FuseAdapter(files(), FuseAdapter.Timeouts.DEFAULT);
        LowLevelOps ops = new LowLevelOps(recording(), adapter);
        Pointer req = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);
        ops.channel(Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true));

        ((LowLevelOps.Name) ops.callback("lookup")).call(req, NodeTable.ROOT, cString("a"));
        long a = 2; // the first node after the root
        ((LowLevelOps.Link) ops.callback("link")).call(req, a, NodeTable.ROOT, cString("b"));
        assertEquals(1, notified.size());
        assertEquals(List.of(a, -1L, 0L), List.of(notified.get(0)[0], notified.get(0)[1], notified.get(0)[2]),
                "the attributes (offset -1: not the pages) of the name link was called on");

        notified.clear();
        assertEquals(3, adapter.dropKernelCaches());
        TreeSet<Long> ids = new TreeSet<>();
        for (long[] n : notified) {
            ids.add(n[0]);
            assertEquals(0, n[1], "from offset 0");
            assertEquals(0, n[2], "to the end");
        }
        assertEquals(new TreeSet<>(List.of(NodeTable.ROOT, a, 3L)), ids, "the root, a and b");
    }
}
