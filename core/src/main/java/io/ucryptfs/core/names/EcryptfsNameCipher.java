package io.ucryptfs.core.names;

import io.ucryptfs.core.keys.PassphraseKey;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.security.auth.Destroyable;

/**
 * The kernel's file-name encryption: a lower name is {@value #FNEK_PREFIX} followed by the
 * {@link EcryptfsBase64} encoding of a tag 70 packet that holds the FNEK signature, the cipher code and
 * the AES-encrypted name. Mirrors {@code ecryptfs_encrypt_and_encode_filename} /
 * {@code ecryptfs_decode_and_decrypt_filename} ({@code fs/ecryptfs/crypto.c}) and
 * {@code ecryptfs_write_tag_70_packet} / {@code ecryptfs_parse_tag_70_packet}
 * ({@code fs/ecryptfs/keystore.c}).
 *
 * <p>The encrypted part is {@code padding ‖ 0x00 ‖ name}, block-aligned: at least
 * {@value #MIN_PADDING_BYTES} padding bytes, more to reach a multiple of 16. The kernel's comment calls
 * the padding "random", but it is the stream {@code MD5(K) ‖ MD5(MD5(K)) ‖ …} over the whole 64-byte
 * FNEK with 0x00 bytes replaced by 0x42 ({@code ECRYPTFS_NON_NULL}) so the first 0x00 is the separator.
 * It is deterministic on purpose: the kernel finds a lower file by encrypting the plaintext name again,
 * so our bytes must be identical to the kernel's.
 *
 * <p>The cipher is AES with the first {@code keyBytes} of the FNEK, in ECB mode: the kernel passes a
 * zero IV but the tfm it gets from {@code ecryptfs_get_tfm_and_mutex_for_cipher_name} is
 * {@code ecb(aes)} (built by {@code ecryptfs_process_key_cipher}), so the IV is unused. {@code keyBytes}
 * is the mount's {@code ecryptfs_fn_key_bytes}, which defaults to {@code ecryptfs_key_bytes}
 * ({@code ecryptfs_parse_options}, main.c): an AES-192 mount encrypts names with AES-192 (24 FNEK
 * bytes, cipher code 0x08), an AES-256 mount with AES-256. The block size is 16 for all three, so the
 * name limit is the same (143 bytes for 255-byte lower names).
 *
 * <p>Decryption is stricter than the kernel's, on purpose:
 * <ul>
 *   <li>Lower names without the prefix throw {@link InvalidNameException}. Old kernels copied them
 *       through as plaintext names; current ones ({@code ecryptfs_decode_and_decrypt_filename} returns
 *       -EINVAL, {@code ecryptfs_filldir} skips it) hide them from listings, e.g. ext4's
 *       {@code lost+found}. The caller decides.
 *   <li>The packet's signature must be this FNEK's (the kernel looks the signature up among the
 *       mount's keys; with one FNEK that is the same test).
 *   <li>The lower name must be exactly what {@link #encrypt} makes of the decrypted name (same cipher
 *       code, padding, length, no trailing characters). The kernel ignores bytes after the packet and
 *       never checks the padding, so it lists such names, but cannot open them: lookup re-encrypts the
 *       plaintext and finds nothing. Rejecting them also catches damaged names instead of returning
 *       garbage, and decrypted names with '/' or NUL are rejected.
 * </ul>
 *
 * <p>Names are bytes, as in the kernel: {@link NameBytes} gives the bytes of a plaintext name String
 * (UTF-8 for text, so the lower names of text names are the kernel's), and the String of decrypted
 * bytes that are not UTF-8 (each such byte escaped as U+DC80..U+DCFF).
 *
 * <p>The kernel has a second prefix, {@value #FEK_PREFIX} (tag 72, a name encrypted with the file's own
 * FEK). The kernel defines it but never writes it ({@code ecryptfs_encrypt_filename} supports only the
 * mount FNEK) and does not decode it, so it is not implemented here.
 *
 * <p>Thread-safe. {@link #destroy()} (or {@link #close()}) wipes the key material.
 */
public final class EcryptfsNameCipher implements NameCipher, Destroyable, AutoCloseable {

    /** {@code ECRYPTFS_FNEK_ENCRYPTED_FILENAME_PREFIX}. */
    public static final String FNEK_PREFIX = "ECRYPTFS_FNEK_ENCRYPTED.";
    /** {@code ECRYPTFS_FEK_ENCRYPTED_FILENAME_PREFIX}: defined by the kernel, never used. */
    public static final String FEK_PREFIX = "ECRYPTFS_FEK_ENCRYPTED.";
    /** Longest lower name: Linux NAME_MAX (ext4 and most lower filesystems). */
    public static final int LOWER_NAME_MAX = 255;
    /**
     * Longest lower symlink target: PATH_MAX − 1, and ext4's limit with 4 KiB blocks
     * ({@code ext4_symlink}: target plus NUL must fit in a block).
     */
    public static final int LOWER_SYMLINK_MAX = 4095;

    /** {@code ECRYPTFS_FILENAME_MIN_RANDOM_PREPEND_BYTES}. */
    static final int MIN_PADDING_BYTES = 16;
    /** {@code ECRYPTFS_NON_NULL}: replaces 0x00 in the padding. */
    static final byte NON_NULL = 0x42;
    static final int AES_BLOCK = 16;
    /** Padding never exceeds MIN_PADDING_BYTES + AES_BLOCK − 1 bytes: two MD5 outputs cover it. */
    private static final int PADDING_STREAM_BYTES = 32;

    private final int keyBytes;
    private final int cipherCode;
    private final byte[] signature;
    private final String signatureHex;
    private final byte[] padding;
    private final PooledAesEcb aes;
    private final int maxName;
    private final int maxTarget;
    private volatile boolean destroyed;

    /**
     * @param fnek the file-name key (e.g. {@code PassphraseKey.derive(passphrase, FNEK_SALT)}); only
     *     read here, the caller still owns and destroys it
     * @param keyBytes the AES key size: 16, 24 or 32 (the mount's {@code ecryptfs_fn_key_bytes}, by
     *     default its {@code ecryptfs_key_bytes})
     */
    public EcryptfsNameCipher(PassphraseKey fnek, int keyBytes) {
        this.cipherCode = cipherCodeFor(keyBytes);
        this.keyBytes = keyBytes;
        this.signature = fnek.signatureBytes();
        this.signatureHex = fnek.signature();
        this.padding = paddingStream(fnek);
        byte[] k = fnek.aesKey(keyBytes);
        try {
            this.aes = new PooledAesEcb(k);
        } finally {
            Arrays.fill(k, (byte) 0);
        }
        this.maxName = maxPlainLength(LOWER_NAME_MAX);
        this.maxTarget = maxPlainLength(LOWER_SYMLINK_MAX);
    }

    /** RFC 2440 cipher codes as {@code ecryptfs_code_for_cipher_string} gives them for "aes". */
    static int cipherCodeFor(int keyBytes) {
        return switch (keyBytes) {
            case 16 -> 0x07;
            case 24 -> 0x08;
            case 32 -> 0x09;
            default -> throw new IllegalArgumentException("AES key size must be 16, 24 or 32 bytes, not " + keyBytes);
        };
    }

    /**
     * The padding bytes of {@code ecryptfs_write_tag_70_packet}: MD5 of the whole FNEK
     * ({@code session_key_encryption_key_bytes} is 64 as ecryptfs-utils sets it), re-hashed every 16
     * bytes, 0x00 → 0x42. Computed once: it depends on the key only, so no per-call MessageDigest.
     */
    private static byte[] paddingStream(PassphraseKey fnek) {
        byte[] full = fnek.aesKey(PassphraseKey.KEY_BYTES);
        byte[] out = new byte[PADDING_STREAM_BYTES];
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            byte[] h = md5.digest(full);
            for (int off = 0; off < out.length; off += h.length) {
                System.arraycopy(h, 0, out, off, h.length);
                byte[] next = md5.digest(h);
                Arrays.fill(h, (byte) 0);
                h = next;
            }
            Arrays.fill(h, (byte) 0);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 missing from the JDK", e);
        } finally {
            Arrays.fill(full, (byte) 0);
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) {
                out[i] = NON_NULL;
            }
        }
        return out;
    }

    // ---- sizes ------------------------------------------------------------------------------------

    /** Bytes of padding (separator included) before a name of {@code nameBytes}: ≥ 17, block-aligned total. */
    static int paddingWithSeparator(int nameBytes) {
        int total = MIN_PADDING_BYTES + 1 + nameBytes;
        int rest = total % AES_BLOCK;
        return MIN_PADDING_BYTES + 1 + (rest == 0 ? 0 : AES_BLOCK - rest);
    }

    /** Length of the lower name (or lower symlink target) of a plaintext of {@code plainBytes}. */
    public static int lowerLength(int plainBytes) {
        int encrypted = paddingWithSeparator(plainBytes) + plainBytes;
        return FNEK_PREFIX.length() + EcryptfsBase64.encodedLength(Tag70Packet.packetBytes(encrypted));
    }

    /**
     * The longest plaintext whose lower form fits in {@code lowerLimit} characters (0 if none). For
     * NAME_MAX this is the kernel's {@code ENC_NAME_MAX_BLOCKLEN_8_OR_16} (143), which
     * {@code ecryptfs_set_f_namelen} hard-codes; the real limit is the lower filesystem refusing the
     * longer lower name with ENAMETOOLONG, which is what we compute.
     */
    public static int maxPlainLength(int lowerLimit) {
        int n = 0;
        while (lowerLength(n + 1) <= lowerLimit
                && Tag70Packet.SIG_BYTES + 1 + paddingWithSeparator(n + 1) + n + 1 <= Tag70Packet.MAX_BODY_BYTES) {
            n++;
        }
        return n;
    }

    // ---- NameCipher -------------------------------------------------------------------------------

    @Override
    public String encrypt(String plainName) throws NameTooLongException {
        if (NameRules.isDotOrDotDot(plainName)) {
            return plainName; // the VFS never looks these up; readdir's are passed through
        }
        return encryptBytes(NameRules.componentBytes(plainName), maxName, "name");
    }

    /**
     * As the kernel's {@code ecryptfs_symlink}: the whole target through the same encryption, "." and
     * ".." included; the limit is the lower symlink limit (3007 bytes for 4095).
     */
    @Override
    public String encryptSymlinkTarget(String target) throws NameTooLongException {
        return encryptBytes(NameRules.targetBytes(target), maxTarget, "symlink target");
    }

    @Override
    public String decrypt(String lowerName) throws InvalidNameException {
        if (NameRules.isDotOrDotDot(lowerName)) {
            return lowerName; // is_dot_dotdot() in ecryptfs_decode_and_decrypt_filename
        }
        String name = decryptToString(lowerName, "lower name");
        if (name.indexOf('/') >= 0) {
            throw invalid("lower name", lowerName, "decrypts to a name containing '/'");
        }
        try {
            checkCanonical(lowerName, encrypt(name), "lower name");
        } catch (NameTooLongException e) {
            throw invalid("lower name", lowerName, "decrypts to a name longer than " + maxName + " bytes");
        }
        return name;
    }

    /** As the kernel's {@code ecryptfs_readlink_lower}: the lower target decoded like a name. */
    @Override
    public String decryptSymlinkTarget(String lowerTarget) throws InvalidNameException {
        if (NameRules.isDotOrDotDot(lowerTarget)) {
            return lowerTarget; // passed through by ecryptfs_decode_and_decrypt_filename
        }
        String target = decryptToString(lowerTarget, "lower symlink target");
        try {
            checkCanonical(lowerTarget, encryptSymlinkTarget(target), "lower symlink target");
        } catch (NameTooLongException e) {
            throw invalid("lower symlink target", lowerTarget, "decrypts to a target that is too long");
        }
        return target;
    }

    @Override
    public int maxPlainNameLength() {
        return maxName;
    }

    @Override
    public int maxSymlinkTargetLength() {
        return maxTarget;
    }

    @Override
    public boolean encryptsNames() {
        return true;
    }

    /** Whether {@code lowerName} carries the prefix of an FNEK-encrypted name (any key). */
    public static boolean hasEncryptedPrefix(String lowerName) {
        return lowerName.length() > FNEK_PREFIX.length() && lowerName.startsWith(FNEK_PREFIX);
    }

    /** The FNEK signature (16 hex characters) that this cipher writes and accepts. */
    public String signature() {
        return signatureHex;
    }

    /** The AES key size in bytes (16, 24 or 32). */
    public int keyBytes() {
        return keyBytes;
    }

    /** The RFC 2440 cipher code written into every packet (0x07, 0x08 or 0x09). */
    public int cipherCode() {
        return cipherCode;
    }

    // ---- the work ---------------------------------------------------------------------------------

    private String encryptBytes(byte[] plain, int limit, String what) throws NameTooLongException {
        checkAlive();
        if (plain.length > limit) {
            throw new NameTooLongException(what + " of " + plain.length + " bytes exceeds " + limit
                    + " (the encrypted form would not fit in the lower filesystem)");
        }
        int pad = paddingWithSeparator(plain.length);
        byte[] block = new byte[pad + plain.length];
        System.arraycopy(padding, 0, block, 0, pad - 1); // block[pad - 1] stays 0x00: the separator
        System.arraycopy(plain, 0, block, pad, plain.length);
        byte[] encrypted = aes.encrypt(block);
        Arrays.fill(block, (byte) 0);
        Arrays.fill(plain, (byte) 0);
        return FNEK_PREFIX + EcryptfsBase64.encode(Tag70Packet.write(signature, cipherCode, encrypted));
    }

    private String decryptToString(String lower, String what) throws InvalidNameException {
        checkAlive();
        if (!hasEncryptedPrefix(lower)) {
            throw invalid(what, lower, "has no " + FNEK_PREFIX + " prefix");
        }
        Tag70Packet.Parsed packet;
        try {
            packet = Tag70Packet.parse(EcryptfsBase64.decode(lower.substring(FNEK_PREFIX.length())));
        } catch (IllegalArgumentException e) {
            throw invalid(what, lower, e.getMessage());
        }
        if (!MessageDigest.isEqual(packet.signature(), signature)) {
            throw invalid(what, lower, "was encrypted with FNEK " + HexFormat.of().formatHex(packet.signature())
                    + ", not with this key (" + signatureHex + ")");
        }
        if (packet.cipherCode() != cipherCode) {
            throw invalid(what, lower, String.format("has cipher code 0x%02x; this mount writes 0x%02x",
                    packet.cipherCode(), cipherCode));
        }
        byte[] encrypted = packet.encrypted();
        if (encrypted.length % AES_BLOCK != 0) {
            throw invalid(what, lower, "encrypted part of " + encrypted.length + " bytes is not whole AES blocks");
        }
        byte[] block = aes.decrypt(encrypted);
        try {
            int sep = 0;
            while (sep < block.length && block[sep] != 0) {
                sep++;
            }
            if (sep == block.length) {
                throw invalid(what, lower, "has no separator after the padding (wrong key or damaged)");
            }
            int start = sep + 1;
            if (start == block.length) {
                throw invalid(what, lower, "holds an empty name");
            }
            for (int i = start; i < block.length; i++) {
                if (block[i] == 0) {
                    throw invalid(what, lower, "decrypts to a name containing NUL");
                }
            }
            return NameBytes.decode(block, start, block.length - start);
        } finally {
            Arrays.fill(block, (byte) 0);
        }
    }

    private static void checkCanonical(String lower, String reencrypted, String what) throws InvalidNameException {
        if (!reencrypted.equals(lower)) {
            throw invalid(what, lower, "is not in the exact form the kernel writes (damaged padding or"
                    + " trailing characters); the kernel could not open it by name either");
        }
    }

    private static InvalidNameException invalid(String what, String lower, String reason) {
        return new InvalidNameException(what + " '" + lower + "' " + reason);
    }

    private void checkAlive() {
        if (destroyed) {
            throw new IllegalStateException("name cipher for FNEK " + signatureHex + " was destroyed");
        }
    }

    /** Wipes the key and the key-derived padding; later calls throw IllegalStateException. */
    @Override
    public void destroy() {
        destroyed = true;
        aes.destroy();
        Arrays.fill(padding, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** Same as {@link #destroy()}. */
    @Override
    public void close() {
        destroy();
    }

    @Override
    public String toString() {
        return "EcryptfsNameCipher[fnek=" + signatureHex + ", aes-" + keyBytes * 8 + "]";
    }
}
