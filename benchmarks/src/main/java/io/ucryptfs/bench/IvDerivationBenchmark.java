package io.ucryptfs.bench;

import java.security.DigestException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
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
 * What the JDK's MessageDigest costs for the 32-byte input of eCryptfs's IV (MD5(root IV ‖ decimal n,
 * NUL-padded)): the way core first derived IVs, kept as the reference for core's single-block MD5
 * ({@code ExtentIv}), whose cost shows in {@link ExtentCryptoBenchmark}'s ours vs raw.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IvDerivationBenchmark {

    private static final int IV_BYTES = 16;

    private MessageDigest md5;
    private final byte[] rootIv = new byte[IV_BYTES];
    private final byte[] ivInput = new byte[2 * IV_BYTES];
    private final byte[] iv = new byte[IV_BYTES];

    @Setup
    public void setUp() throws GeneralSecurityException {
        md5 = MessageDigest.getInstance("MD5");
        new SplittableRandom(5).nextBytes(rootIv);
    }

    /** Only the MD5 of the 32-byte IV input, as deriveIv calls it. */
    @Benchmark
    public byte[] md5Only() throws DigestException {
        md5.update(ivInput, 0, ivInput.length);
        md5.digest(iv, 0, IV_BYTES);
        return iv;
    }
}
