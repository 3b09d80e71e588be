package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * What the daemon tells the kernel without being asked: after a link, the existing name's cached
 * attributes go (its link count changed); after a lock, every cached page and attribute of the mount.
 * The kernel is a recording stand-in.
 */
class KernelNotifyTest {
    private final FakeKernel kernel = new FakeKernel();

    /** The FUSE_NOTIFY_INVAL_INODE messages sent: node, offset, length. */
    private List<long[]> notified() {
        List<long[]> n = new ArrayList<>();
        for (ByteBuffer b : kernel.written) {
            if (b.getLong(8) == 0 && b.getInt(4) == FuseProtocol.NOTIFY_INVAL_INODE) {
                n.add(new long[] {b.getLong(16), b.getLong(24), b.getLong(32)});
            }
        }
        return n;
    }

    /** Every path is a regular file with one link; link and everything else succeed. */
    private static CryptFileSystem files() {
        Instant t = Instant.EPOCH;
        FileAttributes a = new FileAttributes(FileType.REGULAR, 3, 0644, 0, 0, 1, 99, t, t, t);
        return (CryptFileSystem) Proxy.newProxyInstance(CryptFileSystem.class.getClassLoader(),
                new Class<?>[] {CryptFileSystem.class}, (proxy, method, args) ->
                        method.getName().equals("getattr") ? a : null);
    }

    @Test
    void linkDropsTheExistingNamesAttributesAndALockDropsEverything() {
        FuseAdapter adapter = new FuseAdapter(files(), FuseAdapter.Timeouts.DEFAULT);
        KernelRequests requests = new KernelRequests(adapter, kernel, 128 * 1024);
        KernelRequests.Scratch s = requests.scratch();

        kernel.send(requests, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "a");
        long a = 2; // the first node after the root
        kernel.send(requests, s, FuseProtocol.LINK, NodeTable.ROOT, a, "b");
        List<long[]> notified = notified();
        assertEquals(1, notified.size());
        assertEquals(List.of(a, -1L, 0L), List.of(notified.get(0)[0], notified.get(0)[1], notified.get(0)[2]),
                "the attributes (offset -1: not the pages) of the name link was called on");
        assertEquals(0, kernel.lastError(), "and link answers after it");

        kernel.written.clear();
        assertEquals(3, adapter.dropKernelCaches());
        TreeSet<Long> ids = new TreeSet<>();
        for (long[] n : notified()) {
            ids.add(n[0]);
            assertEquals(0, n[1], "from offset 0");
            assertEquals(0, n[2], "to the end");
        }
        assertEquals(new TreeSet<>(List.of(NodeTable.ROOT, a, 3L)), ids, "the root, a and b");
    }
}
