package io.ucryptfs.it;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/** Test data: reproducible pseudo-random files and their sha256; core opened on a lower directory. */
final class Data {
    private Data() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Writes {@code size} pseudo-random bytes (from {@code seed}) in odd-sized writes; returns their sha256. */
    static String writeRandom(Path file, long size, long seed) throws IOException {
        MessageDigest md = sha256();
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[100_003];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(b.length, left);
                r.nextBytes(b);
                md.update(b, 0, n);
                ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
                left -= n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        byte[] b = new byte[256 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(b)) > 0) {
                md.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(sha256().digest(b));
    }

    /** Core opened on {@code lower} in this JVM with the keys {@code ucryptfs mount --ecryptfs} derives. */
    static CryptFileSystem openLower(Path lower, String passphrase, boolean fnek, boolean readOnly) throws FsException {
        byte[] p = passphrase.getBytes(StandardCharsets.UTF_8);
        PassphraseKey fileKey = PassphraseKey.derive(p, PassphraseKey.DEFAULT_SALT);
        PassphraseKey nameKey = fnek ? PassphraseKey.derive(p, PassphraseKey.FNEK_SALT) : null;
        MountOptions o = MountOptions.builder(KeyRing.of(List.of(fileKey), nameKey)).encryptNames(fnek).readOnly(readOnly).build();
        return EcryptfsFileSystem.open(lower, o);
    }
}
