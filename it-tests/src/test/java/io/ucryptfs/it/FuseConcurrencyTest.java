package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Several processes and threads on one file through a real FUSE mount. */
class FuseConcurrencyTest extends FuseTestBase {
    static final String PASS = "fuse-it concurrency";

    @Test
    void appendsFromTwoProcessesAllLandWhole() throws Exception {
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        Path log = mnt.resolve("log");
        String writer = """
                import os, sys
                fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                for i in range(3000):
                    rec = ('%s %06d ' % (sys.argv[2], i)).ljust(36, '.') + '\\n'
                    os.write(fd, rec.encode())
                os.close(fd)
                """;
        Cmd.sh("python3 -c \"$1\" \"$2\" A & a=$!; python3 -c \"$1\" \"$2\" B & b=$!; wait $a && wait $b",
                writer, log.toString()).assertOk();
        List<String> lines = Files.readAllLines(log, StandardCharsets.US_ASCII);
        assertEquals(6000 * 37, Files.size(log), "every record of both writers, nothing overwritten");
        assertEquals(6000, lines.size());
        int[] next = new int[2];
        for (String l : lines) {
            assertEquals(36, l.length(), "torn record: " + l);
            int w = l.charAt(0) - 'A';
            assertTrue(w == 0 || w == 1, l);
            assertEquals(next[w]++, Integer.parseInt(l.substring(2, 8)), "records of one writer in order: " + l);
        }
        assertEquals(3000, next[0]);
        assertEquals(3000, next[1]);
    }

    /**
     * Four writers rewrite their own 3001-byte region of one file (regions share 4 KiB extents, so every write
     * is a read-modify-write of an extent another writer also changes) while two readers read the whole file:
     * a reader may see any generation of a region, but never another region's bytes, zeros or garbage.
     */
    @Test
    void concurrentReadersAndWritersOnOneFile() throws Exception {
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, false));
        Path f = mnt.resolve("shared");
        int writers = 4;
        int region = 3001;
        int generations = 250;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int w = 0; w < writers; w++) {
                ch.write(ByteBuffer.wrap(fill(region, value(w, 0))), (long) w * region);
            }
        }
        AtomicBoolean done = new AtomicBoolean();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int me = w;
            threads.add(new Thread(() -> {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    for (int g = 1; g <= generations; g++) {
                        ByteBuffer b = ByteBuffer.wrap(fill(region, value(me, g)));
                        while (b.hasRemaining()) {
                            ch.write(b, (long) me * region + b.position());
                        }
                    }
                } catch (Exception e) {
                    errors.add("writer " + me + ": " + e);
                }
            }));
        }
        for (int r = 0; r < 2; r++) {
            int me = r;
            threads.add(new Thread(() -> {
                byte[] all = new byte[writers * region];
                int rounds = 0;
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    while (!done.get() || rounds < 3) {
                        ByteBuffer b = ByteBuffer.wrap(all);
                        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                            // keep reading
                        }
                        if (b.hasRemaining()) {
                            errors.add("reader " + me + ": short read " + b.position());
                            return;
                        }
                        for (int i = 0; i < all.length; i++) {
                            int owner = (all[i] & 0xff) / 50;
                            if (owner != i / region || (all[i] & 0xff) == 0) {
                                errors.add("reader " + me + ": byte " + i + " = " + (all[i] & 0xff) + " in region " + i / region);
                                return;
                            }
                        }
                        rounds++;
                    }
                } catch (Exception e) {
                    errors.add("reader " + me + ": " + e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (int i = 0; i < writers; i++) {
            threads.get(i).join(120_000);
        }
        done.set(true);
        for (Thread t : threads) {
            t.join(120_000);
            assertTrue(!t.isAlive(), "a thread hangs");
        }
        assertEquals(List.of(), new ArrayList<>(errors));
        byte[] want = new byte[writers * region];
        for (int w = 0; w < writers; w++) {
            Arrays.fill(want, w * region, (w + 1) * region, value(w, generations));
        }
        assertEquals(Data.sha256(want), Data.sha256(f), "the last generation of every region");
        mounts.umount(mnt);
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, false));
        assertEquals(Data.sha256(want), Data.sha256(f), "after remount");
    }

    /** Writer w's bytes are w*50+1 .. w*50+49: value/50 names the writer, and never 0. */
    private static byte value(int writer, int generation) {
        return (byte) (writer * 50 + 1 + generation % 49);
    }

    private static byte[] fill(int n, byte v) {
        byte[] b = new byte[n];
        Arrays.fill(b, v);
        return b;
    }
}
