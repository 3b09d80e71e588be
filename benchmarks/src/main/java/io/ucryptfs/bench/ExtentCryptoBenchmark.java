package io.ucryptfs.bench;

import io.ucryptfs.core.format.ContentCryptor;
import io.ucryptfs.core.format.ecryptfs.EcryptfsFormat;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One 4 KiB extent encrypted or decrypted per operation, through our {@link ContentCryptor} (the eCryptfs
 * layout: per-extent IV = MD5(root IV ‖ index), then AES-CBC) and through a raw JDK
 * {@code AES/CBC/NoPadding} {@link Cipher}, on the same heap buffers in the same run.
 *
 * <p>The raw baseline is the fairest one for any scheme with a per-extent IV: a Cipher obtained once and
 * re-initialised (same key, a fixed IV) for every extent, then {@code doFinal} over 4 KiB. The gap between
 * the two is what our code adds: IV derivation, the thread-local lookup, argument checks. Bytes per
 * operation are 4096, so MiB/s = ops/s × 4096 / 2^20 (ops/s / 256).
 *
 * <p>The {@code ...Run} benchmarks do a 128 KiB FUSE read or write's worth, 32 extents, per call (ours:
 * {@link ContentCryptor#decryptExtents}, which derives the 32 IVs together in SIMD lanes; raw: 32
 * re-initialisations and doFinals) and count each extent as one operation, so their ops/s compare with
 * the single-extent ones. The data path streams whole extents this way (core's StreamingIo); the
 * single-extent calls serve the page cache (partial extents). Forks get the Vector API, as the mount
 * daemon does.
 */
@State(Scope.Thread)
@Fork(jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ExtentCryptoBenchmark {

    static final int EXTENT = 4096;
    /** Extent indices cycle through 0 .. 2^16-1: one to five decimal digits in the IV input, as in a 256 MiB file. */
    private static final int INDEX_MASK = (1 << 16) - 1;
    /** Extents per ...Run call: one 128 KiB FUSE request. */
    static final int RUN = 32;

    @Param({"16", "32"})
    public int keyBytes;

    private ContentCryptor ours;
    private Cipher raw;
    private SecretKeySpec rawKey;
    private IvParameterSpec rawIv;

    private ByteBuffer plain;
    private ByteBuffer cipher;
    private ByteBuffer out;
    private ByteBuffer plainRun;
    private ByteBuffer cipherRun;
    private ByteBuffer outRun;
    private long index;
    private java.security.MessageDigest md5;
    private final byte[] ivInput = new byte[32];
    private final byte[] ivBytes = new byte[16];

    @Setup
    public void setUp() throws GeneralSecurityException {
        SecureRandom rng = new SecureRandom();
        PassphraseKey pk = PassphraseKey.derive("benchmark passphrase".getBytes(StandardCharsets.UTF_8),
                PassphraseKey.DEFAULT_SALT);
        ours = new EcryptfsFormat(KeyRing.of(pk), keyBytes, false, false, rng).create().content();
        if (ours.extentSize() != EXTENT || ours.ciphertextExtentSize() != EXTENT) {
            throw new IllegalStateException("expected 4 KiB extents");
        }

        byte[] k = new byte[keyBytes];
        byte[] iv = new byte[16];
        rng.nextBytes(k);
        rng.nextBytes(iv);
        rawKey = new SecretKeySpec(k, "AES");
        rawIv = new IvParameterSpec(iv);
        raw = Cipher.getInstance("AES/CBC/NoPadding");
        md5 = java.security.MessageDigest.getInstance("MD5");

        byte[] p = new byte[EXTENT];
        byte[] c = new byte[EXTENT];
        new SplittableRandom(42).nextBytes(p);
        new SplittableRandom(43).nextBytes(c);
        plain = ByteBuffer.wrap(p);
        cipher = ByteBuffer.wrap(c);
        out = ByteBuffer.allocate(EXTENT);
        byte[] pr = new byte[RUN * EXTENT];
        byte[] cr = new byte[RUN * EXTENT];
        new SplittableRandom(44).nextBytes(pr);
        new SplittableRandom(45).nextBytes(cr);
        plainRun = ByteBuffer.wrap(pr);
        cipherRun = ByteBuffer.wrap(cr);
        outRun = ByteBuffer.allocate(RUN * EXTENT);
        index = 0;
    }

    @TearDown
    public void tearDown() throws Exception {
        ours.destroy();
    }

    private long nextIndex() {
        return index++ & INDEX_MASK;
    }

    @Benchmark
    public ByteBuffer oursEncrypt() {
        plain.clear();
        out.clear();
        ours.encryptExtent(nextIndex(), plain, out);
        return out;
    }

    @Benchmark
    public ByteBuffer oursDecrypt() {
        cipher.clear();
        out.clear();
        ours.decryptExtent(nextIndex(), cipher, out);
        return out;
    }

    @Benchmark
    public ByteBuffer rawEncrypt() throws GeneralSecurityException {
        plain.clear();
        out.clear();
        raw.init(Cipher.ENCRYPT_MODE, rawKey, rawIv);
        raw.doFinal(plain, out);
        return out;
    }

    @Benchmark
    public ByteBuffer rawDecrypt() throws GeneralSecurityException {
        cipher.clear();
        out.clear();
        raw.init(Cipher.DECRYPT_MODE, rawKey, rawIv);
        raw.doFinal(cipher, out);
        return out;
    }

    /**
     * The floor for this format with the JDK: raw AES-CBC plus the one MD5 per extent that eCryptfs's
     * IV function requires (the same 32-byte input size, here without the formatting). The gap between
     * this and ours is our code's own overhead.
     */
    @Benchmark
    public ByteBuffer rawDecryptWithMd5Iv() throws GeneralSecurityException {
        cipher.clear();
        out.clear();
        md5.update(ivInput, 0, ivInput.length);
        md5.digest(ivBytes, 0, 16);
        raw.init(Cipher.DECRYPT_MODE, rawKey, new IvParameterSpec(ivBytes));
        raw.doFinal(cipher, out);
        return out;
    }

    @Benchmark
    public ByteBuffer rawEncryptWithMd5Iv() throws GeneralSecurityException {
        plain.clear();
        out.clear();
        md5.update(ivInput, 0, ivInput.length);
        md5.digest(ivBytes, 0, 16);
        raw.init(Cipher.ENCRYPT_MODE, rawKey, new IvParameterSpec(ivBytes));
        raw.doFinal(plain, out);
        return out;
    }

    private long nextRun() {
        long first = index & INDEX_MASK;
        index += RUN;
        return first;
    }

    @Benchmark
    @OperationsPerInvocation(RUN)
    public ByteBuffer oursEncryptRun() {
        plainRun.clear();
        outRun.clear();
        ours.encryptExtents(nextRun(), RUN, plainRun, outRun);
        return outRun;
    }

    @Benchmark
    @OperationsPerInvocation(RUN)
    public ByteBuffer oursDecryptRun() {
        cipherRun.clear();
        outRun.clear();
        ours.decryptExtents(nextRun(), RUN, cipherRun, outRun);
        return outRun;
    }

    @Benchmark
    @OperationsPerInvocation(RUN)
    public ByteBuffer rawEncryptRun() throws GeneralSecurityException {
        plainRun.clear();
        outRun.clear();
        for (int k = 0; k < RUN; k++) {
            plainRun.limit((k + 1) * EXTENT);
            raw.init(Cipher.ENCRYPT_MODE, rawKey, rawIv);
            raw.doFinal(plainRun, outRun);
        }
        return outRun;
    }

    @Benchmark
    @OperationsPerInvocation(RUN)
    public ByteBuffer rawDecryptRun() throws GeneralSecurityException {
        cipherRun.clear();
        outRun.clear();
        for (int k = 0; k < RUN; k++) {
            cipherRun.limit((k + 1) * EXTENT);
            raw.init(Cipher.DECRYPT_MODE, rawKey, rawIv);
            raw.doFinal(cipherRun, outRun);
        }
        return outRun;
    }
}
