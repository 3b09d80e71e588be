package io.ucryptfs.core.file;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Recycles extent-sized byte arrays so the data path does not allocate one per extent. Bounded: beyond
 * {@code capacity} returned buffers go to the garbage collector. A buffer is zeroed when it is handed out
 * for a new extent, not when returned: most are overwritten whole (a decrypted extent, a ciphertext).
 */
final class BufferPool {
    private final int bufferSize;
    private final ArrayBlockingQueue<byte[]> free;

    BufferPool(int bufferSize, int capacity) {
        this.bufferSize = bufferSize;
        this.free = new ArrayBlockingQueue<>(Math.max(1, capacity));
    }

    /** A buffer of {@code bufferSize} bytes with whatever it held before: the caller overwrites it whole. */
    byte[] take() {
        byte[] b = free.poll();
        return b != null ? b : new byte[bufferSize];
    }

    /** A zero-filled buffer of {@code bufferSize} bytes. */
    byte[] takeZeroed() {
        byte[] b = free.poll();
        if (b == null) {
            return new byte[bufferSize];
        }
        Arrays.fill(b, (byte) 0);
        return b;
    }

    void give(byte[] b) {
        free.offer(b);
    }
}
