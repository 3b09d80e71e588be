package io.ucryptfs.core.format.ecryptfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.format.UnlockedHeader;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decrypts kernel-written files with the format classes alone (no file layer). */
class EcryptfsFormatVectorTest {

    @TempDir
    Path tmp;

    private static Path vectors() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("shared/ecryptfs-vectors"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new AssertionError("shared/ecryptfs-vectors not found above " + Path.of("").toAbsolutePath());
        }
        return p.resolve("shared/ecryptfs-vectors");
    }

    private Path extract(String name) throws Exception {
        Process pr = new ProcessBuilder("tar", "-xf", vectors().resolve(name).resolve("tree.tar").toString(), "-C",
                tmp.toString()).inheritIO().start();
        assertEquals(0, pr.waitFor());
        return tmp;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static byte[] decrypt(byte[] lower, EcryptfsFormat format) throws Exception {
        UnlockedHeader h = format.open(lower, Math.min(lower.length, format.headerReadSize()), false);
        long size = h.plaintextSize();
        byte[] out = new byte[(int) size];
        int extents = (int) ((size + 4095) / 4096);
        ByteBuffer plain = ByteBuffer.allocate(4096);
        for (int i = 0; i < extents; i++) {
            plain.clear();
            h.content().decryptExtent(i, ByteBuffer.wrap(lower, (int) h.dataOffset() + i * 4096, 4096), plain);
            int n = (int) Math.min(4096, size - i * 4096L);
            System.arraycopy(plain.array(), 0, out, i * 4096, n);
        }
        return out;
    }

    private static EcryptfsFormat format(String pass, int keyBytes) {
        PassphraseKey k = PassphraseKey.derive(pass.getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        return new EcryptfsFormat(KeyRing.of(k), keyBytes, false, false, new SecureRandom());
    }

    @Test
    void kernelFilesDecryptToPlaintext() throws Exception {
        for (String[] c : new String[][] {{"aes128", "kernel-vector-aes128", "16"}, {"aes256", "kernel-vector-aes256", "32"}}) {
            Path root = extract(c[0]);
            EcryptfsFormat f = format(c[1], Integer.parseInt(c[2]));
            for (String name : new String[] {"size_0", "size_1", "size_4097", "size_1048676", "sparse_10_at_100000", "trunc_shrink"}) {
                byte[] lower = Files.readAllBytes(root.resolve("lower").resolve(name));
                byte[] plain = Files.readAllBytes(root.resolve("plain").resolve(name));
                assertEquals(sha256(plain), sha256(decrypt(lower, f)), c[0] + "/" + name);
            }
        }
    }

    @Test
    void headerFieldsAsTheKernelWritesThem() throws Exception {
        Path root = extract("aes256");
        byte[] lower = Files.readAllBytes(root.resolve("lower/size_4097"));
        EcryptfsHeader h = EcryptfsFormat.inspect(lower, 4096, false);
        assertEquals(3, h.version());
        assertEquals(0x02, h.flags());
        assertEquals(8192, h.headerSize());
        assertEquals(1, h.packets().size());
        KeyPacket.PassphraseWrapped p = (KeyPacket.PassphraseWrapped) h.packets().get(0);
        assertEquals("23ef81ac721f70cd", p.signature());
        assertEquals(CipherCode.AES_256, p.cipher());
        assertEquals(8192 + 2 * 4096, lower.length);
    }

    @Test
    void ourHeaderHasTheKernelsShapeAndRoundTrips() throws Exception {
        EcryptfsFormat f = format("abc", 24);
        UnlockedHeader h = f.create();
        byte[] bytes = h.encode(5000);
        assertEquals(8192, bytes.length);
        // byte-compare the fixed parts with the kernel's layout
        assertEquals(5000, ByteBuffer.wrap(bytes).getLong(0));
        assertArrayEquals(HexFormat.of().parseHex("03000002000010000002"), Arrays.copyOfRange(bytes, 16, 26));
        assertEquals(0x8c, bytes[26] & 0xff);
        assertEquals(13 + 32, bytes[27] & 0xff); // AES-192 wraps to 32 bytes
        EcryptfsHeader parsed = EcryptfsFormat.inspect(bytes, 4096, false);
        assertEquals("c2c4f8d7a355df41", parsed.packets().get(0).signature());
        assertTrue(f.canOpen(parsed));

        byte[] plain = new byte[4096];
        new SecureRandom().nextBytes(plain);
        ByteBuffer enc = ByteBuffer.allocate(4096);
        h.content().encryptExtent(7, ByteBuffer.wrap(plain), enc);
        UnlockedHeader again = f.open(bytes, 4096, false);
        ByteBuffer dec = ByteBuffer.allocate(4096);
        again.content().decryptExtent(7, ByteBuffer.wrap(enc.array()), dec);
        assertArrayEquals(plain, dec.array());
    }
}
