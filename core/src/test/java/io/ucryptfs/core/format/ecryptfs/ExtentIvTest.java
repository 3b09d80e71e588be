package io.ucryptfs.core.format.ecryptfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The single-block MD5 of {@link ExtentIv} against the JDK's MD5 of the kernel's IV input. */
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
}
