package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.Secrets;
import java.util.Arrays;
import javax.crypto.Cipher;

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

    private static byte[] ecb(int mode, PassphraseKey kek, CipherCode cipher, byte[] data) {
        return kek.ecb(mode, cipher.keyBytes, data); // the key's own ciphers, wiped with it
    }
}
