package io.ucryptfs.core.file;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Recycles extent-sized byte arrays so the data path does not allocate one per extent. Bounded: beyond
 * {@code capacity} returned buffers go to the garbage collector. Returned buffers are zeroed, since they
 * held plaintext.
 */
final class BufferPool {
    private final int bufferSize;
    private final ArrayBlockingQueue<byte[]> free;

    BufferPool(int bufferSize, int capacity) {
        this.bufferSize = bufferSize;
        this.free = new ArrayBlockingQueue<>(Math.max(1, capacity));
    }

    /** A zero-filled buffer of {@code bufferSize} bytes. */
    byte[] take() {
        byte[] b = free.poll();
        return b != null ? b : new byte[bufferSize];
    }

    void give(byte[] b) {
        Arrays.fill(b, (byte) 0);
        free.offer(b);
    }
}
