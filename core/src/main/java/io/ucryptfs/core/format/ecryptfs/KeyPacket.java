package io.ucryptfs.core.format.ecryptfs;

import java.util.HexFormat;

/**
 * One way to open a file's FEK, as found in the header's packet set. Holds only wrapped (encrypted)
 * key bytes, never the FEK itself.
 */
public sealed interface KeyPacket {

    /** The 16-hex-character signature of the key that unwraps this packet. */
    String signature();

    /**
     * A tag 3 packet (FEK wrapped with AES-ECB under a passphrase-derived key) followed by its tag 11
     * packet (the literal data holding the key's signature).
     *
     * @param cipher the file's cipher, which also fixes the FEK size
     * @param salt the 8-byte passphrase salt as stored (informational; keys are found by signature)
     * @param wrappedKey the encrypted FEK (32 bytes for AES-192)
     */
    record PassphraseWrapped(String signature, CipherCode cipher, byte[] salt, byte[] wrappedKey)
            implements KeyPacket {
        public int fekBytes() {
            return cipher.keyBytes;
        }

        @Override
        public String toString() {
            return "tag3[sig=" + signature + ", " + cipher + ", salt=" + HexFormat.of().formatHex(salt)
                    + ", wrapped " + wrappedKey.length + " bytes]";
        }
    }

    /**
     * A tag 1 packet: the FEK encrypted to a public key (the kernel's PKI key modules, through
     * ecryptfsd; ours through a {@link io.ucryptfs.core.keys.PublicKeyWrapper}). The encrypted bytes
     * hold a {@link SessionKeyMessage}, opened by the mount's
     * {@link io.ucryptfs.core.keys.PrivateKeyUnwrapper} of the same signature.
     *
     * @param algorithm the RFC 2440 public-key algorithm byte (1 = RSA, the only one the kernel writes;
     *     it skips this byte when reading)
     */
    record PublicKeyWrapped(String signature, int algorithm, byte[] encryptedKey) implements KeyPacket {
        /** {@code RFC2440_CIPHER_RSA}. */
        public static final int RSA = 0x01;

        @Override
        public String toString() {
            return "tag1[sig=" + signature + ", algorithm " + algorithm + ", " + encryptedKey.length + " bytes]";
        }
    }
}
