package io.ucryptfs.core.file;

import io.ucryptfs.core.util.Pool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.stream.IntStream;

/**
 * The streaming half of {@link EncryptedFile}'s data path: runs of whole extents that nobody holds
 * decrypted are read with one positional read and decrypted straight into the caller's buffer, or
 * encrypted straight from it and written with one positional write.
 *
 * <p>Why: a 128 KiB FUSE read or write is 32 extents; through the page cache that is 32 cache
 * insertions, 32 evictions and 32 system calls of 4 KiB, for data the kernel's own page cache above
 * FUSE already holds. The page cache stays for what needs it: partial extents (read-modify-write) and
 * extents already cached (whose copy is the newest). The caller holds the file's lock and has checked
 * that no extent of the run is cached.
 */
final class StreamingIo {
    /** Longest run in one system call: 64 extents, 256 KiB (FUSE sends at most 128 KiB). */
    static final int MAX_RUN = 64;

    /** Runs of at least this many whole extents are encrypted on several cores. */
    static final int PARALLEL_MIN = 8;

    private static final int CORES = Runtime.getRuntime().availableProcessors();

    /**
     * A short read fetches the aligned group of this many extents (16 KiB) around it from the lower
     * file, and decrypts only what was asked. Why: a 4 KiB random read is one 4 KiB read of the lower
     * file, one disk request each, where a neighbour read soon after (fio's pass over a file in
     * random order, a database's nearby pages) then costs another. Reading 16 KiB costs a disk about
     * what 4 KiB does, and the other extents wait in the lower file's page cache, still encrypted, not
     * in ours. Measured: cold 4 KiB random reads over a 256 MiB file, 36,000 lower disk reads for a
     * pass before, about 16,000 after (docs/performance.md).
     */
    static final int READ_AROUND = 4;

    private static final Pool<ByteBuffer> RUNS = new Pool<>(() -> ByteBuffer.allocate(0));

    private final LowerFile lower;
    /** Only for its scratch buffers: a streamed run never enters the cache. */
    private final ExtentCache cache;

    StreamingIo(LowerFile lower, ExtentCache cache) {
        this.lower = lower;
        this.cache = cache;
    }

    private ByteBuffer runBuffer(int bytes) {
        ByteBuffer b = RUNS.take();
        if (b.capacity() < bytes) {
            b = ByteBuffer.allocate(Math.max(bytes, MAX_RUN * lower.cryptor.ciphertextExtentSize()));
        }
        b.clear().limit(bytes);
        return b;
    }

    /**
     * Copies plaintext bytes {@code [from, to)} (starting in extent {@code first}) into {@code dst}.
     *
     * @param extents how many extents the file has: a read-around stops at its end
     */
    void read(long first, ByteBuffer dst, long from, long to, long extents) throws IOException {
        int es = lower.extentSize;
        int cs = lower.cryptor.ciphertextExtentSize();
        long last = (to - 1) / es;
        int count = (int) (last - first + 1);
        long start = first;
        long stop = first + count;
        if (count < READ_AROUND) {
            start = Math.max(0, first - first % READ_AROUND);
            stop = Math.max(stop, Math.min(extents, start + READ_AROUND));
        }
        int skip = (int) (first - start) * cs;
        int needed = skip + count * cs;
        ByteBuffer in = runBuffer((int) (stop - start) * cs);
        byte[] scratch = null;
        try {
            long pos = lower.extentPosition(start);
            while (in.position() < needed) {
                int n = lower.channel.read(in, pos + in.position());
                if (n < 0) {
                    throw new TruncatedFileException(lower.name + ": lower file ends inside extent "
                            + (start + in.position() / cs) + " (at byte " + (pos + in.position()) + ")");
                }
            }
            in.limit(needed);
            long p = from;
            int k = 0;
            while (k < count) {
                long idx = first + k;
                int within = (int) (p - idx * es);
                int whole = within == 0 ? (int) Math.min(count - k, (to - p) / es) : 0;
                ByteBuffer ct = in.duplicate().position(skip + k * cs);
                if (whole > 0) {
                    // every whole extent of the run at once, straight into the caller's buffer
                    lower.cryptor.decryptExtents(idx, whole, ct.limit(skip + (k + whole) * cs), dst);
                    p += (long) whole * es;
                    k += whole;
                } else {
                    // a partial first or last extent, through a scratch buffer
                    int n = (int) Math.min(es - within, to - p);
                    if (scratch == null) {
                        scratch = cache.scratchBuffer();
                    }
                    lower.cryptor.decryptExtent(idx, ct.limit(skip + (k + 1) * cs), ByteBuffer.wrap(scratch));
                    dst.put(scratch, within, n);
                    p += n;
                    k++;
                }
            }
        } finally {
            RUNS.give(in);
            if (scratch != null) {
                cache.recycle(scratch);
            }
        }
    }

    /**
     * Encrypts plaintext bytes {@code [from, to)} of {@code src}, whole extents from extent
     * {@code first}, and writes them with one positional write.
     */
    void write(long first, ByteBuffer src, long from, long to) throws IOException {
        int es = lower.extentSize;
        int cs = lower.cryptor.ciphertextExtentSize();
        if ((to - from) % es != 0) {
            throw new IllegalArgumentException("a streamed write is whole extents: " + (to - from) + " bytes");
        }
        int whole = (int) ((to - from) / es);
        ByteBuffer out = runBuffer(whole * cs);
        try {
            int base = src.position();
            // CBC encryption is serial within an extent but extents are independent: a large write is
            // spread over the cores in runs (the JDK's AES runs ~1.2 GB/s per core here)
            int parts = whole >= PARALLEL_MIN ? Math.min(CORES, whole / (PARALLEL_MIN / 2)) : 1;
            int per = (whole + parts - 1) / parts;
            IntStream runs = IntStream.range(0, parts);
            (parts > 1 ? runs.parallel() : runs).forEach(r -> {
                int lo = r * per;
                int hi = Math.min(whole, lo + per);
                if (lo < hi) {
                    lower.cryptor.encryptExtents(first + lo, hi - lo,
                            src.duplicate().limit(base + hi * es).position(base + lo * es),
                            out.duplicate().limit(hi * cs).position(lo * cs));
                }
            });
            src.position(base + (int) (to - from));
            out.position(whole * cs);
            out.flip();
            lower.writeFully(out, lower.extentPosition(first));
        } finally {
            RUNS.give(out);
        }
    }
}
