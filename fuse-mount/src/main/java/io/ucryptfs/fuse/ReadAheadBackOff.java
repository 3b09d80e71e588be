package io.ucryptfs.fuse;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Whether a read-ahead is still worth making: once {@link #WARM_AFTER} read-aheads in a row found
 * everything cached (their thread read no byte from the disk, {@link ThreadDiskReads}; where the system
 * does not count that, they took less than {@link #CACHED_NANOS}), the tree is warm and reading ahead
 * is only work taken from the reader's two cores. Then one hint in {@link #SAMPLE} is still followed,
 * and the first that has to wait for the disk turns read-ahead back on.
 *
 * <p>Why the count and not the time: on two busy cores a read-ahead that found everything cached can
 * wait longer than 200 µs for a core, and read-ahead never backed off (docs/performance.md, session 9).
 */
final class ReadAheadBackOff {
    /** Where disk reads are not counted: a read-ahead done faster than this found everything cached. */
    static final long CACHED_NANOS = 200_000;
    static final int WARM_AFTER = 8;
    static final int SAMPLE = 16;

    /** The calling thread's bytes read from the disk so far, -1 when unknown. */
    private final LongSupplier diskReads;
    /** Nanoseconds ({@link System#nanoTime}; tests give their own). */
    private final LongSupplier clock;
    /** Read-aheads in a row that found everything cached. */
    private final AtomicInteger cachedInARow = new AtomicInteger();
    /** Hints seen while warm, to follow one in {@link #SAMPLE}. */
    private final AtomicInteger warmHints = new AtomicInteger();

    /** Disk reads counted by {@link ThreadDiskReads} where the system counts them. */
    ReadAheadBackOff() {
        this(ThreadDiskReads::current, System::nanoTime);
    }

    /**
     * @param diskReads the calling thread's bytes read from the disk so far, -1 when unknown
     * @param clock nanoseconds, as {@link System#nanoTime}
     */
    ReadAheadBackOff(LongSupplier diskReads, LongSupplier clock) {
        this.diskReads = diskReads;
        this.clock = clock;
    }

    /** Whether to drop this hint: the tree is warm and it is not the one in {@link #SAMPLE} followed. */
    boolean skip() {
        return warm() && warmHints.incrementAndGet() % SAMPLE != 0;
    }

    /** Runs a read-ahead on the calling thread and records whether it found everything cached. */
    void measure(Runnable readAhead) {
        long readBefore = diskReads.getAsLong();
        long start = clock.getAsLong();
        readAhead.run();
        long took = clock.getAsLong() - start;
        long readAfter = readBefore < 0 ? -1 : diskReads.getAsLong();
        boolean cached = readAfter >= 0 ? readAfter == readBefore : took < CACHED_NANOS;
        if (cached) {
            cachedInARow.incrementAndGet();
        } else {
            cachedInARow.set(0);
        }
    }

    /** Whether the last read-aheads found everything cached. */
    boolean warm() {
        return cachedInARow.get() >= WARM_AFTER;
    }
}
