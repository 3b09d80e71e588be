package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.format.FormatException;

/**
 * RFC 2440 symmetric algorithm codes as eCryptfs stores them in tag 3 and tag 70 packets. Only AES
 * is supported (the kernel's other ciphers are unused in practice and absent from the JDK).
 * Mirrors {@code ecryptfs_code_for_cipher_string} / {@code ecryptfs_cipher_code_to_string}.
 */
enum CipherCode {
    AES_128(0x07, 16),
    AES_192(0x08, 24),
    AES_256(0x09, 32);

    final int code;
    final int keyBytes;

    CipherCode(int code, int keyBytes) {
        this.code = code;
        this.keyBytes = keyBytes;
    }

    static CipherCode forKeyBytes(int keyBytes) {
        for (CipherCode c : values()) {
            if (c.keyBytes == keyBytes) {
                return c;
            }
        }
        throw new IllegalArgumentException("AES key size must be 16, 24 or 32 bytes, got " + keyBytes);
    }

    static CipherCode forCode(int code) throws FormatException {
        for (CipherCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new FormatException("unsupported cipher code 0x" + Integer.toHexString(code) + " (only AES)");
    }

    /**
     * The size of the wrapped FEK. AES-192's 24-byte FEK is zero-padded to 32 bytes before wrapping
     * (the kernel's {@code write_tag_3_packet}); the others wrap to their own size.
     */
    int wrappedKeyBytes() {
        return this == AES_192 ? 32 : keyBytes;
    }
}
