package io.ucryptfs.bench;

import java.security.DigestException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.IvParameterSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What our extent path does besides AES-CBC, in isolation, to account for the gap between
 * {@link ExtentCryptoBenchmark}'s ours and raw figures. A copy of {@code EcryptfsContentCryptor.deriveIv}
 * (package-private in core, so copied here; keep the two alike): eCryptfs's IV of extent n is
 * MD5(root IV ‖ decimal n, NUL-padded), one MD5 block per extent, and the JCE needs a fresh
 * {@link IvParameterSpec} for it.
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
    private long index;

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

    /** The whole per-extent IV work: input formatting, MD5, and the IvParameterSpec. */
    @Benchmark
    public IvParameterSpec deriveIvAndSpec() throws DigestException {
        long idx = index++ & 0xFFFF;
        System.arraycopy(rootIv, 0, ivInput, 0, IV_BYTES);
        Arrays.fill(ivInput, IV_BYTES, 2 * IV_BYTES, (byte) 0);
        long v = idx;
        int digits = 0;
        do {
            digits++;
            v /= 10;
        } while (v != 0);
        int end = IV_BYTES + Math.min(digits, IV_BYTES - 1);
        v = idx;
        for (int i = IV_BYTES + digits - 1; i >= IV_BYTES; i--) {
            if (i < end) {
                ivInput[i] = (byte) ('0' + (v % 10));
            }
            v /= 10;
        }
        md5.update(ivInput, 0, ivInput.length);
        md5.digest(iv, 0, IV_BYTES);
        return new IvParameterSpec(iv);
    }
}
