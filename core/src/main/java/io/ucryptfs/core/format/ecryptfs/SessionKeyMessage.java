package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.format.FormatException;
import io.ucryptfs.core.keys.Secrets;
import java.util.Arrays;

/**
 * What a tag 1 packet's RSA ciphertext holds: the kernel hands the key module the FEK as the body of a
 * tag 66 message ({@code write_tag_66_packet}, keystore.c) and the module encrypts those bytes whole;
 * reading, the module's decryption comes back as the body of a tag 65 message, which
 * {@code parse_tag_65_packet} takes apart:
 *
 * <pre>
 * cipher code (1) ‖ FEK (key_size) ‖ checksum (2, big endian) = sum of the FEK's bytes mod 65536
 * </pre>
 *
 * <p>The cipher comes from here, not from the header: a tag 1 packet names only the public-key
 * algorithm. An AES-192 FEK is 24 bytes here (the zero padding to 32 is tag 3's alone).
 */
final class SessionKeyMessage {
    private SessionKeyMessage() {}

    /** A decrypted message: the file's cipher and its FEK (the caller's to wipe). */
    record Decoded(CipherCode cipher, byte[] fek) {}

    static byte[] encode(CipherCode cipher, byte[] fek) {
        byte[] m = new byte[1 + fek.length + 2];
        m[0] = (byte) cipher.code;
        System.arraycopy(fek, 0, m, 1, fek.length);
        int sum = checksum(fek, 0, fek.length);
        m[1 + fek.length] = (byte) (sum >> 8);
        m[2 + fek.length] = (byte) sum;
        return m;
    }

    /** Checks and takes apart a decrypted message; wipes nothing (the caller wipes {@code m}). */
    static Decoded decode(byte[] m) throws FormatException {
        if (m.length < 3) {
            throw new FormatException("the decrypted tag 1 key is " + m.length + " bytes, too short for a cipher code and checksum");
        }
        CipherCode cipher = CipherCode.forCode(m[0] & 0xff);
        int fekBytes = m.length - 3;
        if (fekBytes != cipher.keyBytes) {
            throw new FormatException("the decrypted tag 1 key is " + fekBytes + " bytes, " + cipher + " needs " + cipher.keyBytes);
        }
        int expected = ((m[1 + fekBytes] & 0xff) << 8) | (m[2 + fekBytes] & 0xff);
        if (checksum(m, 1, fekBytes) != expected) {
            throw new FormatException("the decrypted tag 1 key fails its checksum");
        }
        return new Decoded(cipher, Arrays.copyOfRange(m, 1, 1 + fekBytes));
    }

    private static int checksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = off; i < off + len; i++) {
            sum += b[i] & 0xff;
        }
        return sum & 0xffff;
    }

    /** Encrypts a FEK for one public key: the bytes of a tag 1 packet's encrypted-key field. */
    static byte[] encrypt(io.ucryptfs.core.keys.PublicKeyWrapper key, CipherCode cipher, byte[] fek) {
        byte[] m = encode(cipher, fek);
        try {
            return key.encrypt(m);
        } finally {
            Secrets.wipe(m);
        }
    }
}
