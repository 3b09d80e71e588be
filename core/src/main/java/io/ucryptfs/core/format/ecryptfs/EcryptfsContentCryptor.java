package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.format.ContentCryptor;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import io.ucryptfs.core.util.Pool;

/**
 * eCryptfs data extents: AES-CBC without padding over each 4 KiB extent, with
 * IV(n) = MD5(root IV ‖ decimal text of n, NUL-padded to 16 bytes) and root IV = MD5(FEK).
 * Mirrors {@code ecryptfs_compute_root_iv}, {@code ecryptfs_derive_iv} and {@code crypt_extent}
 * (fs/ecryptfs/crypto.c).
 *
 * <p>Hot path: the JDK's AES (AES-NI intrinsics) with pooled {@link Cipher}s and MD5s, reused
 * across files (a pool, not per thread: libfuse's worker threads come and go); the JDK keeps the expanded
 * AES key while the key bytes stay the same. Nothing is allocated per extent but the small IV spec the
 * JCE API needs.
 */
final class EcryptfsContentCryptor implements ContentCryptor {

    private static final int IV_BYTES = 16;

    /** Pooled primitives: getting a Cipher is slow; initialising one is cheap. */
    private static final class ThreadState {
        final Cipher cbc;
        final MessageDigest md5;
        final byte[] ivInput = new byte[2 * IV_BYTES];
        final byte[] iv = new byte[IV_BYTES];
        /** IVs of a run, grown to the longest run seen. */
        byte[] runIvs = new byte[IV_BYTES];

        ThreadState() {
            try {
                cbc = Cipher.getInstance("AES/CBC/NoPadding");
                md5 = MessageDigest.getInstance("MD5");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("JDK lacks AES/CBC or MD5", e);
            }
        }
    }

    private static final Pool<ThreadState> STATES = new Pool<>(ThreadState::new);

    private final SecretKeySpec key;
    private final byte[] keyBytes;
    private final byte[] rootIv;
    private final ExtentIv ivs;
    private volatile boolean destroyed;

    /** @param fek the file key; copied, so the caller may wipe its array */
    EcryptfsContentCryptor(byte[] fek) {
        this.keyBytes = fek.clone();
        this.key = new SecretKeySpec(keyBytes, "AES");
        ThreadState st = STATES.take();
        try {
            this.rootIv = st.md5.digest(keyBytes);
        } finally {
            STATES.give(st);
        }
        this.ivs = new ExtentIv(rootIv);
    }

    @Override
    public int extentSize() {
        return EcryptfsHeader.EXTENT_SIZE;
    }

    @Override
    public int ciphertextExtentSize() {
        return EcryptfsHeader.EXTENT_SIZE;
    }

    /** The IV of extent {@code index}, into {@code st.iv}. */
    private void deriveIv(ThreadState st, long index) {
        ivs.derive(index, st.md5, st.ivInput, st.iv);
    }

    /** Test hook: the IV bytes of extent {@code index}. */
    byte[] ivFor(long index) {
        ThreadState st = STATES.take();
        try {
            deriveIv(st, index);
            return st.iv.clone();
        } finally {
            STATES.give(st);
        }
    }

    /**
     * {@code count} extents from {@code first}: their IVs derived together ({@link ExtentIv#deriveRun}:
     * SIMD lanes in the mount daemon), then AES-CBC extent by extent.
     */
    private void crypt(int mode, long first, int count, ByteBuffer in, ByteBuffer out) {
        if (destroyed) {
            throw new IllegalStateException("file key destroyed");
        }
        int es = EcryptfsHeader.EXTENT_SIZE;
        if (count < 0 || in.remaining() != count * es || out.remaining() < count * es) {
            throw new IllegalArgumentException(count + " extents are " + count * es + " bytes; got "
                    + in.remaining() + " in, " + out.remaining() + " out");
        }
        ThreadState st = STATES.take();
        try {
            if (st.runIvs.length < count * IV_BYTES) {
                st.runIvs = new byte[count * IV_BYTES];
            }
            ivs.deriveRun(first, count, st.md5, st.ivInput, st.runIvs);
            int end = in.limit();
            for (int k = 0; k < count; k++) {
                in.limit(in.position() + es);
                st.cbc.init(mode, key, new IvParameterSpec(st.runIvs, k * IV_BYTES, IV_BYTES));
                st.cbc.doFinal(in, out);
            }
            in.limit(end);
        } catch (ShortBufferException e) {
            throw new IllegalArgumentException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CBC failed", e);
        } finally {
            STATES.give(st);
        }
    }

    @Override
    public void encryptExtents(long first, int count, ByteBuffer plain, ByteBuffer cipherOut) {
        crypt(Cipher.ENCRYPT_MODE, first, count, plain, cipherOut);
    }

    @Override
    public void decryptExtents(long first, int count, ByteBuffer cipher, ByteBuffer plainOut) {
        crypt(Cipher.DECRYPT_MODE, first, count, cipher, plainOut);
    }

    @Override
    public void encryptExtent(long index, ByteBuffer plain, ByteBuffer cipherOut) {
        crypt(Cipher.ENCRYPT_MODE, index, 1, plain, cipherOut);
    }

    @Override
    public void decryptExtent(long index, ByteBuffer cipher, ByteBuffer plainOut) {
        crypt(Cipher.DECRYPT_MODE, index, 1, cipher, plainOut);
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(keyBytes, (byte) 0);
        Arrays.fill(rootIv, (byte) 0);
        ivs.wipe();
        // SecretKeySpec keeps its own copy; destroy() of it is unsupported on JDK 17, so we drop the
        // reference with this object. The thread's Cipher keeps the expanded key until its next init.
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }
}
