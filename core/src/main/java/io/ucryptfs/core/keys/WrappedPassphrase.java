package io.ucryptfs.core.keys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * ecryptfs-utils' {@code ~/.ecryptfs/wrapped-passphrase}: the mount passphrase (the one whose key
 * encrypts the files) encrypted under a key derived from the login passphrase. Reads and writes both
 * versions that ecryptfs-utils reads ({@code src/libecryptfs/key_management.c}):
 *
 * <pre>
 * version 2 (ecryptfs-utils 104 and later write only this):
 *   octet  0       ':'
 *   octet  1       0x02
 *   octets 2-9     wrapping salt (random)
 *   octets 10-25   signature of the wrapping key, 16 lowercase hex characters
 *   octets 26-     AES-128-ECB of the mount passphrase zero-padded to 16-byte blocks (16..64 octets)
 * version 1 (no header; the salt is not stored: ~/.ecryptfsrc's salt, by default 0011223344556677):
 *   octets 0-15    signature of the wrapping key, 16 hex characters
 *   octets 16-     encrypted mount passphrase as above
 * </pre>
 *
 * <p>The wrapping key is {@link PassphraseKey#derive(char[], byte[]) PassphraseKey.derive(login,
 * salt)}; AES uses its first 16 bytes. A file is version 2 when it starts with ':' (any other version
 * byte is unsupported) and version 1 when its first 16 bytes are hex digits; anything else is not a
 * wrapped-passphrase file. As in ecryptfs-utils, a wrong login passphrase is detected by the
 * signature, not by the decrypted bytes, and at most 64 encrypted bytes are read.
 *
 * <p>Every returned array holds a secret and is the caller's to wipe ({@link Secrets#wipe}).
 * Exception messages never hold a passphrase.
 */
public final class WrappedPassphrase {

    /** {@code ECRYPTFS_MAX_PASSWORD_LENGTH}: the longest mount passphrase, in bytes. */
    public static final int MAX_PASSPHRASE_BYTES = 64;
    /** Length of a key signature in hex characters ({@code ECRYPTFS_SIG_SIZE_HEX}). */
    public static final int SIG_HEX_CHARS = 16;
    /** AES-128: ecryptfs-utils wraps with {@code ECRYPTFS_AES_KEY_BYTES}. */
    static final int AES_KEY_BYTES = 16;
    static final int AES_BLOCK = 16;
    static final byte V2_MAGIC = ':';
    static final int V2_HEADER = 2 + PassphraseKey.SALT_BYTES; // ':' version salt
    /** Larger files are not read: the biggest valid one is 2 + 8 + 16 + 64 = 90 bytes. */
    static final int MAX_FILE_BYTES = 4096;
    /** The name of the file in {@code ~/.ecryptfs/}, used in messages when no path is known. */
    public static final String FILE_NAME = "wrapped-passphrase";

    private WrappedPassphrase() {}

    /**
     * Unwraps a file's contents with the login passphrase; a version 1 file is taken to use the
     * default salt ({@link PassphraseKey#DEFAULT_SALT}).
     *
     * @return the mount passphrase bytes (without the zero padding); the caller wipes them
     * @throws WrongPassphraseException the login passphrase's key signature is not the file's
     * @throws KeyFileException the bytes are not a wrapped-passphrase file we can read
     */
    public static byte[] unwrap(byte[] fileBytes, char[] loginPassphrase)
            throws KeyFileException, WrongPassphraseException {
        return unwrap(fileBytes, loginPassphrase, PassphraseKey.DEFAULT_SALT, FILE_NAME);
    }

    /** Reads {@code file} and {@linkplain #unwrap(byte[], char[]) unwraps} it; messages name the file. */
    public static byte[] unwrap(Path file, char[] loginPassphrase)
            throws IOException, WrongPassphraseException {
        byte[] bytes = read(file);
        try {
            return unwrap(bytes, loginPassphrase, PassphraseKey.DEFAULT_SALT, file.toString());
        } finally {
            Secrets.wipe(bytes);
        }
    }

    /**
     * Unwraps with an explicit version 1 salt (the {@code salt} of {@code ~/.ecryptfsrc} when the
     * user set one; version 2 files carry their own salt and ignore it).
     *
     * @param source what to call the file in messages (its path, or {@link #FILE_NAME})
     */
    public static byte[] unwrap(byte[] fileBytes, char[] loginPassphrase, byte[] v1Salt, String source)
            throws KeyFileException, WrongPassphraseException {
        Objects.requireNonNull(loginPassphrase, "loginPassphrase");
        Parsed p = parse(fileBytes, v1Salt, source);
        PassphraseKey key = PassphraseKey.derive(loginPassphrase, p.salt);
        byte[] aesKey = null;
        byte[] padded = null;
        try {
            byte[] expected = key.signature().getBytes(StandardCharsets.US_ASCII);
            if (!MessageDigest.isEqual(expected, p.sigHex)) {
                throw new WrongPassphraseException("it does not unwrap " + source + " (version " + p.version
                        + (p.version == 1 ? ", which stores no salt: or it was wrapped with another salt)" : ")"));
            }
            aesKey = key.aesKey(AES_KEY_BYTES);
            padded = aesEcb(Cipher.DECRYPT_MODE, aesKey, p.encrypted);
            int len = 0;
            while (len < padded.length && padded[len] != 0) {
                len++;
            }
            if (len == 0) {
                throw new KeyFileException(source + " is garbled: it unwraps to an empty passphrase");
            }
            for (int i = len; i < padded.length; i++) {
                if (padded[i] != 0) {
                    throw new KeyFileException(source + " is garbled: the unwrapped passphrase's "
                            + "padding is not zero (damaged encrypted bytes?)");
                }
            }
            return Arrays.copyOf(padded, len);
        } finally {
            key.destroy();
            Secrets.wipe(aesKey, padded, p.encrypted);
        }
    }

    /**
     * The version of a wrapped-passphrase file as ecryptfs-utils detects it
     * ({@code read_wrapped_passphrase_file_version}): 2 or 1.
     */
    public static int version(byte[] fileBytes) throws KeyFileException {
        return detectVersion(fileBytes, FILE_NAME);
    }

    /**
     * Wraps a mount passphrase as ecryptfs-utils 104+ does ({@code ecryptfs_wrap_passphrase}): a
     * version 2 file with a fresh random 8-byte salt.
     *
     * @param mountPassphrase 1 to 64 bytes, no zero byte (ecryptfs-utils handles it as a C string)
     * @return the file's bytes
     */
    public static byte[] wrapV2(byte[] mountPassphrase, char[] loginPassphrase, SecureRandom rng) {
        byte[] salt = new byte[PassphraseKey.SALT_BYTES];
        rng.nextBytes(salt);
        byte[] body = wrapBody(mountPassphrase, loginPassphrase, salt);
        byte[] out = new byte[V2_HEADER + body.length];
        out[0] = V2_MAGIC;
        out[1] = 2;
        System.arraycopy(salt, 0, out, 2, salt.length);
        System.arraycopy(body, 0, out, V2_HEADER, body.length);
        return out;
    }

    /**
     * Wraps a mount passphrase in the older version 1 layout, which stores no salt: it must be
     * unwrapped with the same {@code salt} ({@link PassphraseKey#DEFAULT_SALT} unless the user's
     * {@code ~/.ecryptfsrc} names another). ecryptfs-utils still reads these.
     */
    public static byte[] wrapV1(byte[] mountPassphrase, char[] loginPassphrase, byte[] salt) {
        return wrapBody(mountPassphrase, loginPassphrase, salt.clone());
    }

    /** Reads a wrapped-passphrase (or other small key) file, at most 4 KiB; the caller wipes the result. */
    public static byte[] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                Secrets.wipe(bytes);
                throw new KeyFileException(file + " is too large for a key file (over "
                        + MAX_FILE_BYTES + " bytes)");
            }
            return bytes;
        }
    }

    /**
     * Writes {@code bytes} to {@code file} atomically with mode 0600: a temporary file beside it
     * (created 0600), flushed to disk, then renamed over {@code file}. Either the old or the new
     * contents are there after a crash, never a mix.
     */
    public static void write(Path file, byte[] bytes) throws IOException {
        writeAtomically(file, bytes);
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        AtomicFiles.write(file, bytes);
    }

    // --- internals ---

    /** The parts of a file; {@code encrypted} is a copy the caller wipes. */
    private static final class Parsed {
        final int version;
        final byte[] salt;
        final byte[] sigHex;
        final byte[] encrypted;

        Parsed(int version, byte[] salt, byte[] sigHex, byte[] encrypted) {
            this.version = version;
            this.salt = salt;
            this.sigHex = sigHex;
            this.encrypted = encrypted;
        }
    }

    private static int detectVersion(byte[] b, String source) throws KeyFileException {
        Objects.requireNonNull(b, "fileBytes");
        if (b.length < SIG_HEX_CHARS) {
            throw new KeyFileException(source + " is truncated: " + b.length + " bytes, a wrapped-passphrase "
                    + "file has at least " + (SIG_HEX_CHARS + AES_BLOCK));
        }
        if (b[0] == V2_MAGIC) {
            int v = b[1] & 0xff;
            if (v != 2) {
                throw new KeyFileException(source + " has wrapped-passphrase version " + v
                        + ", which is not supported (only versions 1 and 2 exist)");
            }
            return 2;
        }
        for (int i = 0; i < SIG_HEX_CHARS; i++) {
            if (!isHexDigit(b[i])) {
                throw new KeyFileException(source + " is not a wrapped-passphrase file: it starts with "
                        + "neither ':' (version 2) nor 16 hex digits (version 1)");
            }
        }
        return 1;
    }

    private static Parsed parse(byte[] b, byte[] v1Salt, String source) throws KeyFileException {
        int version = detectVersion(b, source);
        int pos;
        byte[] salt;
        if (version == 2) {
            if (b.length < V2_HEADER + SIG_HEX_CHARS + 1) {
                throw new KeyFileException(source + " is truncated: " + b.length + " bytes, a version 2 "
                        + "wrapped-passphrase file has at least " + (V2_HEADER + SIG_HEX_CHARS + AES_BLOCK));
            }
            salt = Arrays.copyOfRange(b, 2, V2_HEADER);
            pos = V2_HEADER;
        } else {
            if (v1Salt == null || v1Salt.length != PassphraseKey.SALT_BYTES) {
                throw new IllegalArgumentException("a version 1 salt must be " + PassphraseKey.SALT_BYTES + " bytes");
            }
            salt = v1Salt.clone();
            pos = 0;
        }
        byte[] sig = Arrays.copyOfRange(b, pos, pos + SIG_HEX_CHARS);
        for (byte c : sig) {
            if (!isHexDigit(c)) {
                throw new KeyFileException(source + " is garbled: its key signature is not 16 hex digits");
            }
        }
        pos += SIG_HEX_CHARS;
        // ecryptfs-utils reads at most ECRYPTFS_MAX_PASSPHRASE_BYTES encrypted bytes and ignores the rest
        int n = Math.min(b.length - pos, MAX_PASSPHRASE_BYTES);
        if (n <= 0) {
            throw new KeyFileException(source + " is truncated: no encrypted passphrase after the key signature");
        }
        if (n % AES_BLOCK != 0) {
            throw new KeyFileException(source + " is truncated or garbled: the encrypted passphrase is " + n
                    + " bytes, not a multiple of " + AES_BLOCK);
        }
        return new Parsed(version, salt, sig, Arrays.copyOfRange(b, pos, pos + n));
    }

    /** {@code sig-hex ‖ AES-128-ECB(zero-padded passphrase)}. */
    private static byte[] wrapBody(byte[] mountPassphrase, char[] loginPassphrase, byte[] salt) {
        Objects.requireNonNull(mountPassphrase, "mountPassphrase");
        Objects.requireNonNull(loginPassphrase, "loginPassphrase");
        int len = mountPassphrase.length;
        if (len < 1 || len > MAX_PASSPHRASE_BYTES) {
            throw new IllegalArgumentException("mount passphrase must be 1 to " + MAX_PASSPHRASE_BYTES
                    + " bytes, got " + len);
        }
        for (byte c : mountPassphrase) {
            if (c == 0) {
                throw new IllegalArgumentException("mount passphrase must not contain a zero byte");
            }
        }
        int paddedLen = (len + AES_BLOCK - 1) / AES_BLOCK * AES_BLOCK;
        byte[] padded = Arrays.copyOf(mountPassphrase, paddedLen);
        PassphraseKey key = PassphraseKey.derive(loginPassphrase, salt);
        byte[] aesKey = key.aesKey(AES_KEY_BYTES);
        try {
            byte[] enc = aesEcb(Cipher.ENCRYPT_MODE, aesKey, padded);
            byte[] sig = key.signature().getBytes(StandardCharsets.US_ASCII);
            byte[] out = new byte[sig.length + enc.length];
            System.arraycopy(sig, 0, out, 0, sig.length);
            System.arraycopy(enc, 0, out, sig.length, enc.length);
            return out;
        } finally {
            key.destroy();
            Secrets.wipe(aesKey, padded);
        }
    }

    private static byte[] aesEcb(int mode, byte[] key, byte[] data) {
        SecretKeySpec spec = new SecretKeySpec(key, "AES");
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(mode, spec);
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/ECB/NoPadding unavailable", e);
        }
    }

    private static boolean isHexDigit(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
