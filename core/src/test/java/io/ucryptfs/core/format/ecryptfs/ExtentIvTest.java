package io.ucryptfs.core.format.ecryptfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ExtentIv}, one IV and runs (SIMD lanes when the JVM has the Vector API, as the build's tests
 * do), against the JDK's MD5 of the kernel's IV input.
 */
class ExtentIvTest {

    /** ecryptfs_derive_iv, literally: MD5(root IV ‖ snprintf(16, "%lld", n) NUL-padded). */
    private static byte[] reference(byte[] rootIv, long n) throws Exception {
        byte[] in = new byte[32];
        System.arraycopy(rootIv, 0, in, 0, 16);
        byte[] digits = Long.toString(n).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, in, 16, Math.min(digits.length, 15));
        return MessageDigest.getInstance("MD5").digest(in);
    }

    @Test
    void matchesTheJdkMd5OfTheKernelsInput() throws Exception {
        Random r = new Random(7);
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("MD5");
        byte[] scratch = new byte[32];
        byte[] out = new byte[16];
        for (int k = 0; k < 50; k++) {
            byte[] root = new byte[16];
            r.nextBytes(root);
            ExtentIv ivs = new ExtentIv(root);
            long[] special = {0, 1, 9, 10, 11, 99, 100, 4095, 4096, 65535, 1_000_000_007L,
                999_999_999_999_999L, 1_000_000_000_000_000L, 123_456_789_012_345_678L, Long.MAX_VALUE};
            for (long n : special) {
                ivs.derive(n, md, scratch, out);
                assertArrayEquals(reference(root, n), out, "index " + n);
            }
            for (int i = 0; i < 2000; i++) {
                long n = i % 2 == 0 ? r.nextInt(1 << 20) : r.nextLong() & Long.MAX_VALUE;
                Arrays.fill(scratch, (byte) 0x5a); // scratch left dirty by a previous call
                ivs.derive(n, md, scratch, out);
                assertArrayEquals(reference(root, n), out, "index " + n);
            }
        }
    }

    @Test
    void theBuildsTestsRunTheSimdPath() {
        // surefire starts the JVM with --add-modules jdk.incubator.vector, as the mount daemon; on a
        // machine without AVX2 this would fail and say so rather than test the fallback twice
        assertTrue(ExtentIv.VECTOR, "SIMD extent IVs not in use: no Vector API or fewer than 8 lanes");
    }

    @Test
    void runsGiveTheSameBytesAsOneByOne() throws Exception {
        Random r = new Random(11);
        MessageDigest md = MessageDigest.getInstance("MD5");
        byte[] scratch = new byte[32];
        long[] starts = {0, 1, 5, 9, 95, 990, 4090, 99_999, 999_999_985L, Integer.MAX_VALUE - 40L,
            Integer.MAX_VALUE - 3L, Long.MAX_VALUE - 70};
        int[] counts = {0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 64};
        for (int k = 0; k < 20; k++) {
            byte[] root = new byte[16];
            r.nextBytes(root);
            ExtentIv ivs = new ExtentIv(root);
            for (long first : starts) {
                for (int count : counts) {
                    byte[] run = new byte[count * 16 + 16];
                    Arrays.fill(run, (byte) 0x33);
                    ivs.deriveRun(first, count, md, scratch, run);
                    for (int i = 0; i < count; i++) {
                        assertArrayEquals(reference(root, first + i), Arrays.copyOfRange(run, 16 * i, 16 * i + 16),
                                "run from " + first + " of " + count + ", IV " + i);
                    }
                    byte[] tail = new byte[16];
                    Arrays.fill(tail, (byte) 0x33);
                    assertArrayEquals(tail, Arrays.copyOfRange(run, count * 16, count * 16 + 16),
                            "bytes past the run untouched");
                }
            }
        }
    }
}
