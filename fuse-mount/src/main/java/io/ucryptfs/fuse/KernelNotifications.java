package io.ucryptfs.fuse;

import static io.ucryptfs.fuse.FuseProtocol.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the daemon tells the kernel without being asked (FUSE_NOTIFY_INVAL_INODE, unique 0): that a
 * node's cached attributes, or its cached pages too, are stale.
 */
final class KernelNotifications {
    private static final Logger log = LoggerFactory.getLogger(KernelNotifications.class);

    private final FuseDevice device;
    /** A notification's bytes, per thread: a lock sends one for every node the kernel holds. */
    private final ThreadLocal<ByteBuffer> notice =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(OUT_HEADER + 24).order(ByteOrder.nativeOrder()));

    KernelNotifications(FuseDevice device) {
        this.device = device;
    }


    /** The kernel's cached pages (all of them) and attributes of a node, dropped. */
    void invalidatePagesAndAttributes(long node) {
        notifyInvalInode(node, 0, 0);
    }

    /** The kernel's cached attributes of a node, dropped. */
    void invalidateAttributes(long node) {
        notifyInvalInode(node, -1, 0);
    }

    private void notifyInvalInode(long node, long offset, long length) {
        ByteBuffer b = notice.get();
        b.putInt(0, OUT_HEADER + 24);
        b.putInt(4, NOTIFY_INVAL_INODE);
        b.putLong(8, 0);
        b.putLong(16, node);
        b.putLong(24, offset);
        b.putLong(32, length);
        int rc = device.write(b, OUT_HEADER + 24);
        if (rc != 0 && rc != -FuseDevice.ENOENT) { // ENOENT: the kernel no longer holds the node
            log.debug("notify_inval_inode {}: errno {}", node, -rc);
        }
    }
}
