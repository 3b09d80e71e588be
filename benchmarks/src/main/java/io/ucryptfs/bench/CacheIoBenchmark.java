package io.ucryptfs.bench;

import io.ucryptfs.core.file.EncryptedFile;
import io.ucryptfs.core.file.ExtentCache;
import io.ucryptfs.core.format.UnlockedHeader;
import io.ucryptfs.core.format.ecryptfs.EcryptfsFormat;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Random 4 KiB-aligned reads and writes of whole extents through {@link EncryptedFile} and its
 * {@link ExtentCache}, on a real 64 MiB lower file in the temp directory, beside the same I/O with plain
 * positional {@link FileChannel} calls on an unencrypted file of the same size.
 *
 * <p>The cache is either larger than the file (256 MiB: after set-up every extent is cached, so a read is
 * a hit and a write only copies into the cached extent) or a quarter of it (16 MiB: offsets are uniform,
 * so at best one read in four hits; a miss is a positional read of the lower file, from the OS page
 * cache, plus a decrypt; a write usually evicts a dirty extent, which is encrypted and written back).
 * The lower files stay in the OS page cache: this measures our code, not the disk.
 */
@Fork(jvmArgsAppend = "--add-modules=jdk.incubator.vector") // as the mount daemon runs
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CacheIoBenchmark {

    static final int EXTENT = 4096;
    static final long FILE_BYTES = 64L << 20;
    static final int EXTENTS = (int) (FILE_BYTES / EXTENT);

    /** Writes {@code FILE_BYTES} of pseudo-random data, 1 MiB at a time. */
    interface Writer {
        void write(ByteBuffer src, long offset) throws IOException;
    }

    static void fill(Writer w) throws IOException {
        SplittableRandom r = new SplittableRandom(7);
        byte[] chunk = new byte[1 << 20];
        for (long off = 0; off < FILE_BYTES; off += chunk.length) {
            r.nextBytes(chunk);
            ByteBuffer b = ByteBuffer.wrap(chunk);
            while (b.hasRemaining()) {
                w.write(b, off + b.position());
            }
        }
    }

    static ByteBuffer randomExtent() {
        byte[] b = new byte[EXTENT];
        new SplittableRandom(11).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    @State(Scope.Thread)
    public static class Encrypted {
        @Param({"16", "256"})
        public int cacheMiB;

        Path dir;
        EncryptedFile file;
        final ByteBuffer buf = ByteBuffer.allocate(EXTENT);
        final ByteBuffer data = randomExtent();
        final SplittableRandom rng = new SplittableRandom(1);

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("ucryptfs-bench");
            Path lower = dir.resolve("lower.bin");
            PassphraseKey pk = PassphraseKey.derive("benchmark passphrase".getBytes(StandardCharsets.UTF_8),
                    PassphraseKey.DEFAULT_SALT);
            EcryptfsFormat format = new EcryptfsFormat(KeyRing.of(pk), 16, false, false, new SecureRandom());
            UnlockedHeader h = format.create();
            FileChannel ch = FileChannel.open(lower, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            ch.write(ByteBuffer.wrap(h.encode(0)), 0);
            file = new EncryptedFile(ch, h, new ExtentCache((long) cacheMiB << 20, EXTENT), lower, "bench", true);
            fill(file::write);
            file.flush();
            if (file.size() != FILE_BYTES) {
                throw new IllegalStateException("file is " + file.size() + " bytes");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            file.close();
            Files.deleteIfExists(dir.resolve("lower.bin"));
            Files.deleteIfExists(dir);
        }
    }

    @State(Scope.Thread)
    public static class Plain {
        Path dir;
        FileChannel channel;
        final ByteBuffer buf = ByteBuffer.allocate(EXTENT);
        final ByteBuffer data = randomExtent();
        final SplittableRandom rng = new SplittableRandom(1);

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            dir = Files.createTempDirectory("ucryptfs-bench");
            channel = FileChannel.open(dir.resolve("plain.bin"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            fill(channel::write);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            channel.close();
            Files.deleteIfExists(dir.resolve("plain.bin"));
            Files.deleteIfExists(dir);
        }
    }

    @Benchmark
    public ByteBuffer encryptedRead(Encrypted s) throws IOException {
        s.buf.clear();
        long off = (long) s.rng.nextInt(EXTENTS) * EXTENT;
        if (s.file.read(s.buf, off) != EXTENT) {
            throw new IllegalStateException("short read at " + off);
        }
        return s.buf;
    }

    @Benchmark
    public int encryptedWrite(Encrypted s) throws IOException {
        s.data.clear();
        return s.file.write(s.data, (long) s.rng.nextInt(EXTENTS) * EXTENT);
    }

    @Benchmark
    public ByteBuffer plainRead(Plain s) throws IOException {
        s.buf.clear();
        long off = (long) s.rng.nextInt(EXTENTS) * EXTENT;
        while (s.buf.hasRemaining()) {
            if (s.channel.read(s.buf, off + s.buf.position()) < 0) {
                throw new IllegalStateException("short read at " + off);
            }
        }
        return s.buf;
    }

    @Benchmark
    public int plainWrite(Plain s) throws IOException {
        s.data.clear();
        long off = (long) s.rng.nextInt(EXTENTS) * EXTENT;
        while (s.data.hasRemaining()) {
            s.channel.write(s.data, off + s.data.position());
        }
        return EXTENT;
    }
}
