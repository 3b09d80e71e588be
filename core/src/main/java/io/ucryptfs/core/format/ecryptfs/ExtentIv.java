package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.util.Pool;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IV(n) = MD5(root IV ‖ decimal text of n, NUL-padded to 16 bytes), as the kernel's
 * {@code ecryptfs_derive_iv}; root IV = MD5(FEK) ({@code ecryptfs_compute_root_iv}).
 *
 * <p>One IV: the JDK's MD5 (its compression function is a HotSpot intrinsic; a hand-written
 * single-block MD5 in Java, unrolled or four lanes interleaved, measured slower). A run of IVs (a
 * 128 KiB FUSE read is 32 extents): {@link VectorMd5}, 8 or 16 at once in SIMD lanes, when the JVM was
 * started with {@code --add-modules jdk.incubator.vector} (the mount daemon is) — about a tenth of the
 * cost per IV. Either way the input is ours: the root IV copied in, the index written as digits with
 * int arithmetic when it fits (every file under 8 TiB), nothing allocated.
 */
final class ExtentIv {
    private static final Logger LOG = LoggerFactory.getLogger(ExtentIv.class);
    private static final int IV_BYTES = 16;
    /** MD5 reads and writes its words little-endian. */
    private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Per-thread scratch of the SIMD path (before {@link #VECTOR}: its self-check uses it). */
    private static final Pool<Lanes> LANES = new Pool<>(Lanes::new);

    /** Whether runs go through {@link VectorMd5}; decided once per JVM. */
    static final boolean VECTOR = vectorUsable();

    /** Shortest run worth the SIMD path (below it, lanes would mostly idle). */
    static final int VECTOR_MIN_RUN = 4;

    private final byte[] rootIv;
    private final int[] rootWords = new int[4];

    ExtentIv(byte[] rootIv) {
        this.rootIv = rootIv.clone();
        for (int j = 0; j < 4; j++) {
            rootWords[j] = (int) LE_INT.get(rootIv, 4 * j);
        }
    }

    /**
     * Writes IV(index) into {@code out[0..16)}, using {@code md5} and the 32-byte scratch {@code input}
     * (both per thread).
     */
    void derive(long index, MessageDigest md5, byte[] input, byte[] out) {
        derive(index, md5, input, out, 0);
    }

    private void derive(long index, MessageDigest md5, byte[] input, byte[] out, int at) {
        System.arraycopy(rootIv, 0, input, 0, IV_BYTES);
        Arrays.fill(input, IV_BYTES, 2 * IV_BYTES, (byte) 0);
        writeDigits(index, input, IV_BYTES);
        try {
            md5.update(input, 0, 2 * IV_BYTES);
            md5.digest(out, at, IV_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes IV(first), IV(first + 1), ... IV(first + count - 1) into {@code out[0..16 * count)}.
     * Same bytes as {@link #derive} one by one; faster for runs when {@link #VECTOR}.
     */
    void deriveRun(long first, int count, MessageDigest md5, byte[] input, byte[] out) {
        if (!VECTOR || count < VECTOR_MIN_RUN || first < 0 || first + count - 1 > Integer.MAX_VALUE) {
            for (int k = 0; k < count; k++) {
                derive(first + k, md5, input, out, k * IV_BYTES);
            }
            return;
        }
        deriveRunSimd(first, count, out);
    }

    /** {@link #deriveRun} on {@link VectorMd5}; indices of the run fit an int. */
    private void deriveRunSimd(long first, int count, byte[] out) {
        Lanes s = LANES.take();
        try {
            int lanes = VectorMd5.LANES;
            byte[] text = s.text;
            Arrays.fill(text, (byte) 0);
            writeDigits(first, text, 0);
            int digits = digitCount((int) first);
            for (int k0 = 0; k0 < count; k0 += lanes) {
                int n = Math.min(lanes, count - k0);
                for (int i = 0; i < lanes; i++) {
                    // consecutive indices: the text is counted up in place; lanes past the run repeat
                    // its last index, computed and not used
                    if ((k0 > 0 || i > 0) && i < n) {
                        digits = increment(text, digits);
                    }
                    s.w4[i] = (int) LE_INT.get(text, 0);
                    s.w5[i] = (int) LE_INT.get(text, 4);
                    s.w6[i] = (int) LE_INT.get(text, 8);
                    s.w7[i] = (int) LE_INT.get(text, 12);
                }
                VectorMd5.digest(rootWords, s.w4, s.w5, s.w6, s.w7, s.digest);
                for (int i = 0; i < n; i++) {
                    int at = (k0 + i) * IV_BYTES;
                    LE_INT.set(out, at, s.digest[i]);
                    LE_INT.set(out, at + 4, s.digest[lanes + i]);
                    LE_INT.set(out, at + 8, s.digest[2 * lanes + i]);
                    LE_INT.set(out, at + 12, s.digest[3 * lanes + i]);
                }
            }
        } finally {
            LANES.give(s);
        }
    }

    /** Adds one to the decimal text {@code text[0..digits)}; returns its new length. */
    private static int increment(byte[] text, int digits) {
        for (int p = digits - 1; p >= 0; p--) {
            if (text[p] != '9') {
                text[p]++;
                return digits;
            }
            text[p] = '0';
        }
        // 9...9 became 10...0: one digit more
        text[0] = '1';
        text[digits] = '0';
        return digits + 1;
    }

    private static int digitCount(int v) {
        int digits = 1;
        for (int t = v / 10; t != 0; t /= 10) {
            digits++;
        }
        return digits;
    }

    /** Wipes the root IV (derived from the file key). */
    void wipe() {
        Arrays.fill(rootIv, (byte) 0);
        Arrays.fill(rootWords, 0);
    }

    /** snprintf(buf, 16, "%lld", index) into {@code buf[at..at+16)}, which the caller zeroed. */
    private static void writeDigits(long index, byte[] buf, int at) {
        if (index >= 0 && index <= Integer.MAX_VALUE) {
            int v = (int) index;
            int digits = digitCount(v);
            for (int p = at + digits - 1; p >= at; p--) {
                buf[p] = (byte) ('0' + v % 10);
                v /= 10;
            }
        } else {
            // at most 15 characters and the NUL, as snprintf truncates
            byte[] text = Long.toString(index).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(text, 0, buf, at, Math.min(text.length, IV_BYTES - 1));
        }
    }


    /** Per-thread scratch of the SIMD path. */
    private static final class Lanes {
        final byte[] text = new byte[IV_BYTES];
        final int[] w4 = new int[VectorMd5.LANES];
        final int[] w5 = new int[VectorMd5.LANES];
        final int[] w6 = new int[VectorMd5.LANES];
        final int[] w7 = new int[VectorMd5.LANES];
        final int[] digest = new int[4 * VectorMd5.LANES];
    }

    /**
     * The SIMD path needs the incubating Vector API in the boot layer and at least 8 lanes (AVX2 or
     * better); {@code -Ducryptfs.vectorIv=false} turns it off. It must also give the JDK's bytes on a
     * sample here, or it stays off: a wrong IV would be garbage on read and a file the kernel cannot
     * read on write.
     */
    private static boolean vectorUsable() {
        if (!Boolean.parseBoolean(System.getProperty("ucryptfs.vectorIv", "true"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            if (VectorMd5.LANES < 8) {
                return false;
            }
            return sameAsJdk();
        } catch (LinkageError | RuntimeException e) {
            LOG.warn("SIMD extent IVs unavailable, using the JDK's MD5: {}", e.toString());
            return false;
        }
    }

    private static boolean sameAsJdk() {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] root = md5.digest("ucryptfs self-check".getBytes(StandardCharsets.US_ASCII));
        ExtentIv ivs = new ExtentIv(root);
        int count = 2 * VectorMd5.LANES + 3;
        long first = 999_999_990L; // crosses from 9 to 10 digits
        byte[] simd = new byte[count * IV_BYTES];
        byte[] jdk = new byte[count * IV_BYTES];
        ivs.deriveRunSimd(first, count, simd);
        byte[] input = new byte[2 * IV_BYTES];
        for (int k = 0; k < count; k++) {
            ivs.derive(first + k, md5, input, jdk, k * IV_BYTES);
        }
        if (!Arrays.equals(simd, jdk)) {
            LOG.warn("SIMD extent IVs differ from the JDK's MD5 on this machine; not used");
            return false;
        }
        return true;
    }
}
