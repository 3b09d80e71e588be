package io.ucryptfs.core.format.ecryptfs;

import static jdk.incubator.vector.VectorOperators.ROL;
import static jdk.incubator.vector.VectorOperators.XOR;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * MD5 of many one-block messages at once, one message per SIMD lane (16 with AVX-512, 8 with AVX2),
 * for eCryptfs's extent IVs: IV(n) = MD5(root IV ‖ decimal n, NUL-padded), a 32-byte message, so a
 * single MD5 block whose words 0–3 (the root IV) and 8–15 (padding and length) are the same in every
 * lane and only words 4–7 (the digits) differ.
 *
 * <p>Why: MD5 is one long dependency chain, about 115–140 ns a block here whoever computes it, while
 * AES-CBC decrypts a 4 KiB extent in about 310 ns: the IV alone held extent decryption at 70% of raw
 * AES. Lanes are independent chains, so 16 IVs cost about what one does (measured 13 ns an IV with 16
 * lanes, 21 ns with 8, against 115–140 ns with the JDK's MD5, on a 2.1 GHz Xeon).
 *
 * <p>Uses the incubating Vector API ({@code jdk.incubator.vector}): load this class only when that
 * module is in the boot layer ({@link ExtentIv} checks). Until C2 compiles it, it runs far slower than
 * the JDK's MD5, so it pays in a long-running mount, not in a short tool. The steps are RFC 1321's
 * (section 3.4), each step one expression, so that C2 compiles straight-line SIMD code: a loop over
 * the steps, or a helper method per round, measured 6–8x slower (C2 stops inlining in a method this
 * size and boxes every vector), and with the padding words as vectors C1 bailed out ("out of virtual
 * registers") and the method never reached C2: 80x slower. The step lines come from {@code scripts/dev/gen-vector-md5.py}.
 */
final class VectorMd5 {
    static final VectorSpecies<Integer> SPECIES = IntVector.SPECIES_PREFERRED;

    /** Messages per call. */
    static final int LANES = SPECIES.length();

    private static final int A0 = 0x67452301;
    private static final int B0 = 0xefcdab89;
    private static final int C0 = 0x98badcfe;
    private static final int D0 = 0x10325476;

    private VectorMd5() {
    }

    /**
     * Computes LANES digests of the 32-byte messages (root ‖ digits of lane i), in little-endian words:
     * {@code root} is words 0–3 of every message, {@code w4..w7[i]} words 4–7 of message i. Word j of
     * digest i goes to {@code out[j * LANES + i]}.
     */
    static void digest(int[] root, int[] w4, int[] w5, int[] w6, int[] w7, int[] out) {
        // words 8-15, MD5's padding of a 32-byte message (0x80, zeros, the length in bits: 256), are
        // the same in every message: folded into the step constants below.
        // Each step: a = b + ((a + F(b, c, d) + x[k] + T[i]) <<< s), registers rotating.
        // One method a round, the registers in out between them: with all 64 steps in one method, C2
        // used ~120 MiB of arena memory for a moment compiling it (the daemon's peak RSS, measured with
        // native memory tracking); four methods of 16 steps each cost a few loads and stores a round.
        IntVector.broadcast(SPECIES, A0).intoArray(out, 0);
        IntVector.broadcast(SPECIES, B0).intoArray(out, LANES);
        IntVector.broadcast(SPECIES, C0).intoArray(out, 2 * LANES);
        IntVector.broadcast(SPECIES, D0).intoArray(out, 3 * LANES);
        round1(root, w4, w5, w6, w7, out);
        round2(root, w4, w5, w6, w7, out);
        round3(root, w4, w5, w6, w7, out);
        round4(root, w4, w5, w6, w7, out);
        IntVector.fromArray(SPECIES, out, 0).add(A0).intoArray(out, 0);
        IntVector.fromArray(SPECIES, out, LANES).add(B0).intoArray(out, LANES);
        IntVector.fromArray(SPECIES, out, 2 * LANES).add(C0).intoArray(out, 2 * LANES);
        IntVector.fromArray(SPECIES, out, 3 * LANES).add(D0).intoArray(out, 3 * LANES);
    }

    /** Steps 0–15, on the registers kept in {@code s}. */
    private static void round1(int[] root, int[] w4, int[] w5, int[] w6, int[] w7, int[] s) {
        IntVector x0 = IntVector.broadcast(SPECIES, root[0]);
        IntVector x1 = IntVector.broadcast(SPECIES, root[1]);
        IntVector x2 = IntVector.broadcast(SPECIES, root[2]);
        IntVector x3 = IntVector.broadcast(SPECIES, root[3]);
        IntVector x4 = IntVector.fromArray(SPECIES, w4, 0);
        IntVector x5 = IntVector.fromArray(SPECIES, w5, 0);
        IntVector x6 = IntVector.fromArray(SPECIES, w6, 0);
        IntVector x7 = IntVector.fromArray(SPECIES, w7, 0);
        IntVector a = IntVector.fromArray(SPECIES, s, 0);
        IntVector b = IntVector.fromArray(SPECIES, s, LANES);
        IntVector c = IntVector.fromArray(SPECIES, s, 2 * LANES);
        IntVector d = IntVector.fromArray(SPECIES, s, 3 * LANES);
        a = b.add(a.add(b.and(c).or(b.not().and(d))).add(x0).add(0xd76aa478).lanewise(ROL, 7));
        d = a.add(d.add(a.and(b).or(a.not().and(c))).add(x1).add(0xe8c7b756).lanewise(ROL, 12));
        c = d.add(c.add(d.and(a).or(d.not().and(b))).add(x2).add(0x242070db).lanewise(ROL, 17));
        b = c.add(b.add(c.and(d).or(c.not().and(a))).add(x3).add(0xc1bdceee).lanewise(ROL, 22));
        a = b.add(a.add(b.and(c).or(b.not().and(d))).add(x4).add(0xf57c0faf).lanewise(ROL, 7));
        d = a.add(d.add(a.and(b).or(a.not().and(c))).add(x5).add(0x4787c62a).lanewise(ROL, 12));
        c = d.add(c.add(d.and(a).or(d.not().and(b))).add(x6).add(0xa8304613).lanewise(ROL, 17));
        b = c.add(b.add(c.and(d).or(c.not().and(a))).add(x7).add(0xfd469501).lanewise(ROL, 22));
        a = b.add(a.add(b.and(c).or(b.not().and(d))).add(0x69809958).lanewise(ROL, 7));
        d = a.add(d.add(a.and(b).or(a.not().and(c))).add(0x8b44f7af).lanewise(ROL, 12));
        c = d.add(c.add(d.and(a).or(d.not().and(b))).add(0xffff5bb1).lanewise(ROL, 17));
        b = c.add(b.add(c.and(d).or(c.not().and(a))).add(0x895cd7be).lanewise(ROL, 22));
        a = b.add(a.add(b.and(c).or(b.not().and(d))).add(0x6b901122).lanewise(ROL, 7));
        d = a.add(d.add(a.and(b).or(a.not().and(c))).add(0xfd987193).lanewise(ROL, 12));
        c = d.add(c.add(d.and(a).or(d.not().and(b))).add(0xa679448e).lanewise(ROL, 17));
        b = c.add(b.add(c.and(d).or(c.not().and(a))).add(0x49b40821).lanewise(ROL, 22));
        a.intoArray(s, 0);
        b.intoArray(s, LANES);
        c.intoArray(s, 2 * LANES);
        d.intoArray(s, 3 * LANES);
    }

    /** Steps 16–31, on the registers kept in {@code s}. */
    private static void round2(int[] root, int[] w4, int[] w5, int[] w6, int[] w7, int[] s) {
        IntVector x0 = IntVector.broadcast(SPECIES, root[0]);
        IntVector x1 = IntVector.broadcast(SPECIES, root[1]);
        IntVector x2 = IntVector.broadcast(SPECIES, root[2]);
        IntVector x3 = IntVector.broadcast(SPECIES, root[3]);
        IntVector x4 = IntVector.fromArray(SPECIES, w4, 0);
        IntVector x5 = IntVector.fromArray(SPECIES, w5, 0);
        IntVector x6 = IntVector.fromArray(SPECIES, w6, 0);
        IntVector x7 = IntVector.fromArray(SPECIES, w7, 0);
        IntVector a = IntVector.fromArray(SPECIES, s, 0);
        IntVector b = IntVector.fromArray(SPECIES, s, LANES);
        IntVector c = IntVector.fromArray(SPECIES, s, 2 * LANES);
        IntVector d = IntVector.fromArray(SPECIES, s, 3 * LANES);
        a = b.add(a.add(d.and(b).or(d.not().and(c))).add(x1).add(0xf61e2562).lanewise(ROL, 5));
        d = a.add(d.add(c.and(a).or(c.not().and(b))).add(x6).add(0xc040b340).lanewise(ROL, 9));
        c = d.add(c.add(b.and(d).or(b.not().and(a))).add(0x265e5a51).lanewise(ROL, 14));
        b = c.add(b.add(a.and(c).or(a.not().and(d))).add(x0).add(0xe9b6c7aa).lanewise(ROL, 20));
        a = b.add(a.add(d.and(b).or(d.not().and(c))).add(x5).add(0xd62f105d).lanewise(ROL, 5));
        d = a.add(d.add(c.and(a).or(c.not().and(b))).add(0x02441453).lanewise(ROL, 9));
        c = d.add(c.add(b.and(d).or(b.not().and(a))).add(0xd8a1e681).lanewise(ROL, 14));
        b = c.add(b.add(a.and(c).or(a.not().and(d))).add(x4).add(0xe7d3fbc8).lanewise(ROL, 20));
        a = b.add(a.add(d.and(b).or(d.not().and(c))).add(0x21e1cde6).lanewise(ROL, 5));
        d = a.add(d.add(c.and(a).or(c.not().and(b))).add(0xc33708d6).lanewise(ROL, 9));
        c = d.add(c.add(b.and(d).or(b.not().and(a))).add(x3).add(0xf4d50d87).lanewise(ROL, 14));
        b = c.add(b.add(a.and(c).or(a.not().and(d))).add(0x455a156d).lanewise(ROL, 20));
        a = b.add(a.add(d.and(b).or(d.not().and(c))).add(0xa9e3e905).lanewise(ROL, 5));
        d = a.add(d.add(c.and(a).or(c.not().and(b))).add(x2).add(0xfcefa3f8).lanewise(ROL, 9));
        c = d.add(c.add(b.and(d).or(b.not().and(a))).add(x7).add(0x676f02d9).lanewise(ROL, 14));
        b = c.add(b.add(a.and(c).or(a.not().and(d))).add(0x8d2a4c8a).lanewise(ROL, 20));
        a.intoArray(s, 0);
        b.intoArray(s, LANES);
        c.intoArray(s, 2 * LANES);
        d.intoArray(s, 3 * LANES);
    }

    /** Steps 32–47, on the registers kept in {@code s}. */
    private static void round3(int[] root, int[] w4, int[] w5, int[] w6, int[] w7, int[] s) {
        IntVector x0 = IntVector.broadcast(SPECIES, root[0]);
        IntVector x1 = IntVector.broadcast(SPECIES, root[1]);
        IntVector x2 = IntVector.broadcast(SPECIES, root[2]);
        IntVector x3 = IntVector.broadcast(SPECIES, root[3]);
        IntVector x4 = IntVector.fromArray(SPECIES, w4, 0);
        IntVector x5 = IntVector.fromArray(SPECIES, w5, 0);
        IntVector x6 = IntVector.fromArray(SPECIES, w6, 0);
        IntVector x7 = IntVector.fromArray(SPECIES, w7, 0);
        IntVector a = IntVector.fromArray(SPECIES, s, 0);
        IntVector b = IntVector.fromArray(SPECIES, s, LANES);
        IntVector c = IntVector.fromArray(SPECIES, s, 2 * LANES);
        IntVector d = IntVector.fromArray(SPECIES, s, 3 * LANES);
        a = b.add(a.add(b.lanewise(XOR, c).lanewise(XOR, d)).add(x5).add(0xfffa3942).lanewise(ROL, 4));
        d = a.add(d.add(a.lanewise(XOR, b).lanewise(XOR, c)).add(0x8771f701).lanewise(ROL, 11));
        c = d.add(c.add(d.lanewise(XOR, a).lanewise(XOR, b)).add(0x6d9d6122).lanewise(ROL, 16));
        b = c.add(b.add(c.lanewise(XOR, d).lanewise(XOR, a)).add(0xfde5390c).lanewise(ROL, 23));
        a = b.add(a.add(b.lanewise(XOR, c).lanewise(XOR, d)).add(x1).add(0xa4beea44).lanewise(ROL, 4));
        d = a.add(d.add(a.lanewise(XOR, b).lanewise(XOR, c)).add(x4).add(0x4bdecfa9).lanewise(ROL, 11));
        c = d.add(c.add(d.lanewise(XOR, a).lanewise(XOR, b)).add(x7).add(0xf6bb4b60).lanewise(ROL, 16));
        b = c.add(b.add(c.lanewise(XOR, d).lanewise(XOR, a)).add(0xbebfbc70).lanewise(ROL, 23));
        a = b.add(a.add(b.lanewise(XOR, c).lanewise(XOR, d)).add(0x289b7ec6).lanewise(ROL, 4));
        d = a.add(d.add(a.lanewise(XOR, b).lanewise(XOR, c)).add(x0).add(0xeaa127fa).lanewise(ROL, 11));
        c = d.add(c.add(d.lanewise(XOR, a).lanewise(XOR, b)).add(x3).add(0xd4ef3085).lanewise(ROL, 16));
        b = c.add(b.add(c.lanewise(XOR, d).lanewise(XOR, a)).add(x6).add(0x04881d05).lanewise(ROL, 23));
        a = b.add(a.add(b.lanewise(XOR, c).lanewise(XOR, d)).add(0xd9d4d039).lanewise(ROL, 4));
        d = a.add(d.add(a.lanewise(XOR, b).lanewise(XOR, c)).add(0xe6db99e5).lanewise(ROL, 11));
        c = d.add(c.add(d.lanewise(XOR, a).lanewise(XOR, b)).add(0x1fa27cf8).lanewise(ROL, 16));
        b = c.add(b.add(c.lanewise(XOR, d).lanewise(XOR, a)).add(x2).add(0xc4ac5665).lanewise(ROL, 23));
        a.intoArray(s, 0);
        b.intoArray(s, LANES);
        c.intoArray(s, 2 * LANES);
        d.intoArray(s, 3 * LANES);
    }

    /** Steps 48–63, on the registers kept in {@code s}. */
    private static void round4(int[] root, int[] w4, int[] w5, int[] w6, int[] w7, int[] s) {
        IntVector x0 = IntVector.broadcast(SPECIES, root[0]);
        IntVector x1 = IntVector.broadcast(SPECIES, root[1]);
        IntVector x2 = IntVector.broadcast(SPECIES, root[2]);
        IntVector x3 = IntVector.broadcast(SPECIES, root[3]);
        IntVector x4 = IntVector.fromArray(SPECIES, w4, 0);
        IntVector x5 = IntVector.fromArray(SPECIES, w5, 0);
        IntVector x6 = IntVector.fromArray(SPECIES, w6, 0);
        IntVector x7 = IntVector.fromArray(SPECIES, w7, 0);
        IntVector a = IntVector.fromArray(SPECIES, s, 0);
        IntVector b = IntVector.fromArray(SPECIES, s, LANES);
        IntVector c = IntVector.fromArray(SPECIES, s, 2 * LANES);
        IntVector d = IntVector.fromArray(SPECIES, s, 3 * LANES);
        a = b.add(a.add(c.lanewise(XOR, b.or(d.not()))).add(x0).add(0xf4292244).lanewise(ROL, 6));
        d = a.add(d.add(b.lanewise(XOR, a.or(c.not()))).add(x7).add(0x432aff97).lanewise(ROL, 10));
        c = d.add(c.add(a.lanewise(XOR, d.or(b.not()))).add(0xab9424a7).lanewise(ROL, 15));
        b = c.add(b.add(d.lanewise(XOR, c.or(a.not()))).add(x5).add(0xfc93a039).lanewise(ROL, 21));
        a = b.add(a.add(c.lanewise(XOR, b.or(d.not()))).add(0x655b59c3).lanewise(ROL, 6));
        d = a.add(d.add(b.lanewise(XOR, a.or(c.not()))).add(x3).add(0x8f0ccc92).lanewise(ROL, 10));
        c = d.add(c.add(a.lanewise(XOR, d.or(b.not()))).add(0xffeff47d).lanewise(ROL, 15));
        b = c.add(b.add(d.lanewise(XOR, c.or(a.not()))).add(x1).add(0x85845dd1).lanewise(ROL, 21));
        a = b.add(a.add(c.lanewise(XOR, b.or(d.not()))).add(0x6fa87ecf).lanewise(ROL, 6));
        d = a.add(d.add(b.lanewise(XOR, a.or(c.not()))).add(0xfe2ce6e0).lanewise(ROL, 10));
        c = d.add(c.add(a.lanewise(XOR, d.or(b.not()))).add(x6).add(0xa3014314).lanewise(ROL, 15));
        b = c.add(b.add(d.lanewise(XOR, c.or(a.not()))).add(0x4e0811a1).lanewise(ROL, 21));
        a = b.add(a.add(c.lanewise(XOR, b.or(d.not()))).add(x4).add(0xf7537e82).lanewise(ROL, 6));
        d = a.add(d.add(b.lanewise(XOR, a.or(c.not()))).add(0xbd3af235).lanewise(ROL, 10));
        c = d.add(c.add(a.lanewise(XOR, d.or(b.not()))).add(x2).add(0x2ad7d2bb).lanewise(ROL, 15));
        b = c.add(b.add(d.lanewise(XOR, c.or(a.not()))).add(0xeb86d391).lanewise(ROL, 21));
        a.intoArray(s, 0);
        b.intoArray(s, LANES);
        c.intoArray(s, 2 * LANES);
        d.intoArray(s, 3 * LANES);
    }
}
