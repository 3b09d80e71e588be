package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.Secrets;
import io.ucryptfs.core.util.Pool;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * Wraps and unwraps a file's FEK under a passphrase key: AES-ECB with the first {@code keyBytes} of the
 * passphrase key, over the FEK zero-padded to {@link CipherCode#wrappedKeyBytes()}. Mirrors
 * {@code write_tag_3_packet} and {@code decrypt_passphrase_encrypted_session_key}.
 *
 * <p>ECB over one or two blocks of random key is what the format defines; there is no integrity: a wrong
 * key would yield a wrong FEK, which is why packets are always chosen by signature first.
 */
final class FekWrap {
    private FekWrap() {}

    static byte[] wrap(byte[] fek, CipherCode cipher, PassphraseKey kek) {
        byte[] padded = Arrays.copyOf(fek, cipher.wrappedKeyBytes());
        try {
            return ecb(Cipher.ENCRYPT_MODE, kek, cipher, padded);
        } finally {
            Secrets.wipe(padded);
        }
    }

    /** The FEK ({@code cipher.keyBytes} long); the caller wipes it. */
    static byte[] unwrap(KeyPacket.PassphraseWrapped packet, PassphraseKey kek) {
        byte[] padded = ecb(Cipher.DECRYPT_MODE, kek, packet.cipher(), packet.wrappedKey());
        try {
            return Arrays.copyOf(padded, packet.cipher().keyBytes);
        } finally {
            Secrets.wipe(padded);
        }
    }

    /**
     * AES-ECB Ciphers, reused: every file created or opened wraps or unwraps its FEK, and
     * {@code Cipher.getInstance} (a provider lookup, then a new object) showed in small-file profiles.
     */
    private static final Pool<Cipher> ECB = new Pool<>(() -> {
        try {
            return Cipher.getInstance("AES/ECB/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks AES/ECB", e);
        }
    });

    /** A key of zeros, to re-key a Cipher going back to the pool: no KEK schedule is left in it. */
    private static final SecretKeySpec IDLE_KEY = new SecretKeySpec(new byte[16], "AES");

    private static byte[] ecb(int mode, PassphraseKey kek, CipherCode cipher, byte[] data) {
        byte[] k = kek.aesKey(cipher.keyBytes);
        Cipher c = ECB.take();
        try {
            c.init(mode, new SecretKeySpec(k, "AES"));
            byte[] out = c.doFinal(data);
            c.init(Cipher.ENCRYPT_MODE, IDLE_KEY);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-ECB failed", e);
        } finally {
            Secrets.wipe(k);
            ECB.give(c);
        }
    }
}
