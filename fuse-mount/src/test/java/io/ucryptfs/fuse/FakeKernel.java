package io.ucryptfs.fuse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ScriptedKernel} that records every reply and notification {@link KernelRequests} sends, and
 * can refuse one.
 */
final class FakeKernel extends ScriptedKernel {
    /** What was written, each as its own little-endian buffer. */
    final List<ByteBuffer> written = new ArrayList<>();
    /** The errno (negative) the next write answers with, then 0 again. */
    int nextWriteResult;

    @Override
    int replied(ByteBuffer reply) {
        written.add(reply);
        int rc = nextWriteResult;
        nextWriteResult = 0;
        return rc;
    }

    /** The errors of every reply so far, positive. */
    List<Integer> errors() {
        List<Integer> e = new ArrayList<>();
        for (ByteBuffer b : written) {
            e.add(-b.getInt(4));
        }
        return e;
    }
}
