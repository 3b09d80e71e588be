package io.ucryptfs.core.format.ecryptfs;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Core's IV derivation alone (package-private {@code ExtentIv}, hence this package): the input
 * formatting plus the JDK's MD5; compare with {@code IvDerivationBenchmark.md5Only}, the MD5 alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ExtentIvBenchmark {
    private ExtentIv ivs;
    private final java.security.MessageDigest md = md5();
    private final byte[] scratch = new byte[32];
    private final byte[] iv = new byte[16];
    private long index;

    @Setup
    public void setUp() {
        byte[] root = new byte[16];
        new SplittableRandom(5).nextBytes(root);
        ivs = new ExtentIv(root);
    }

    private static java.security.MessageDigest md5() {
        try {
            return java.security.MessageDigest.getInstance("MD5");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public byte[] derive() {
        ivs.derive(index++ & 0xFFFF, md, scratch, iv);
        return iv;
    }
}
