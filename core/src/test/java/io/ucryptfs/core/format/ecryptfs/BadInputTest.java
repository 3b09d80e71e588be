package io.ucryptfs.core.format.ecryptfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.file.EncryptedFile;
import io.ucryptfs.core.file.ExtentCache;
import io.ucryptfs.core.file.TruncatedFileException;
import io.ucryptfs.core.format.FormatException;
import io.ucryptfs.core.format.NoKeyException;
import io.ucryptfs.core.format.UnlockedHeader;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.testing.Vectors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged and foreign lower files: each gives a clear exception whose message names the reason, never
 * garbage plaintext, and leaves the lower file's bytes as they were. Starts from real kernel-written
 * files ({@code aes128} vectors) and from files we create.
 *
 * <p>Layout of the kernel's {@code aes128} headers (one key): 0–7 size, 8–15 marker, 16 version,
 * 17–19 flags, 20–25 header extents, 26 tag 3 (0x8c), 27 its length (0x1d), 28 version 4, 29 cipher
 * 0x07, 30–31 s2k, 32–39 salt, 40 count, 41–56 wrapped FEK, 57 tag 11 (0xed), 58 its length (0x16),
 * 59 0x62, 60 0x08, 61–68 "_CONSOLE", 69–72 date, 73–80 signature, 81 terminator.
 */
class BadInputTest {

    static final String SIG = "cc1531732665f5ae";
    static final int TAG3 = 26, TAG3_LEN = 27, CIPHER = 29, WRAPPED = 41, TAG11 = 57, TAG11_LEN = 58, LITERAL = 59,
            SIG_AT = 73;

    @TempDir
    static Path tmp;

    static Path lower;
    static Path plain;
    static PassphraseKey key;
    static EcryptfsFormat format;

    @BeforeAll
    static void setUp() throws Exception {
        Process pr = new ProcessBuilder("tar", "-xf", Vectors.caseDir("aes128").resolve("tree.tar").toString(), "-C",
                tmp.toString()).inheritIO().start();
        assertEquals(0, pr.waitFor());
        lower = tmp.resolve("lower");
        plain = tmp.resolve("plain");
        key = PassphraseKey.derive("kernel-vector-aes128".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        assertEquals(SIG, key.signature());
        format = new EcryptfsFormat(KeyRing.of(key), 16, false, false, new SecureRandom());
    }

    @AfterAll
    static void wipe() {
        key.destroy();
    }

    // ---- helpers ----

    /** A copy of kernel file {@code name}, changed by {@code damage}. */
    static Path damaged(String name, Consumer<byte[]> damage) throws IOException {
        byte[] b = Files.readAllBytes(lower.resolve(name));
        damage.accept(b);
        Path p = Files.createTempFile(tmp, name + "-", ".bad");
        Files.write(p, b);
        return p;
    }

    static byte[] sha256(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }

    /**
     * Opens {@code p} the way the filesystem will (READ|WRITE channel, header parse, checkComplete, then
     * a whole read and close) and returns what failed; asserts the lower bytes did not change.
     */
    static <T extends Exception> T openFails(Path p, Class<T> type, String... words) throws Exception {
        byte[] before = sha256(p);
        long sizeBefore = Files.size(p);
        Exception thrown = null;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(format.headerReadSize());
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // fill
            }
            UnlockedHeader h;
            try {
                h = format.open(b.array(), b.position(), false);
            } catch (FormatException e) {
                throw e.inFile(p.getFileName().toString());
            }
            EncryptedFile f = new EncryptedFile(ch, h, new ExtentCache(1 << 20, 4096), p, p.getFileName().toString(), true);
            try {
                f.checkComplete();
                ByteBuffer all = ByteBuffer.allocate((int) Math.min(f.size(), 64 << 20) + 1);
                f.read(all, 0);
            } finally {
                f.close();
            }
        } catch (Exception e) {
            thrown = e;
        }
        assertArrayEquals(before, sha256(p), "the lower file changed");
        assertEquals(sizeBefore, Files.size(p), "the lower file's size changed");
        if (thrown == null) {
            throw new AssertionError(p.getFileName() + " opened and read without error; wanted " + type.getSimpleName());
        }
        if (!type.isInstance(thrown)) {
            throw new AssertionError("wanted " + type.getSimpleName() + ", got " + thrown, thrown);
        }
        String msg = thrown.getMessage().toLowerCase(Locale.ROOT);
        assertTrue(msg.contains(p.getFileName().toString().toLowerCase(Locale.ROOT)), "message names the file: " + msg);
        for (String w : words) {
            assertTrue(msg.contains(w.toLowerCase(Locale.ROOT)), "message '" + thrown.getMessage() + "' should say '" + w + "'");
        }
        return type.cast(thrown);
    }

    static FormatException parseFails(byte[] b, int len, String... words) {
        FormatException e = assertThrows(FormatException.class, () -> format.open(b, len, false));
        for (String w : words) {
            assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(w.toLowerCase(Locale.ROOT)),
                    "message '" + e.getMessage() + "' should say '" + w + "'");
        }
        assertFalse(e instanceof NoKeyException, "a damaged header is not a missing key: " + e);
        return e;
    }

    // ---- the header ----

    @Test
    void theUndamagedCopyOpens() throws Exception {
        Path p = damaged("size_4097", b -> {});
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            byte[] b = new byte[4096];
            ch.read(ByteBuffer.wrap(b), 0);
            EncryptedFile f = new EncryptedFile(ch, format.open(b, 4096, false), new ExtentCache(1 << 20, 4096), p, "x", true);
            f.checkComplete();
            ByteBuffer all = ByteBuffer.allocate(4097);
            assertEquals(4097, f.read(all, 0));
            assertArrayEquals(Files.readAllBytes(plain.resolve("size_4097")), all.array());
        }
    }

    @Test
    void truncatedHeader() throws Exception {
        byte[] b = Files.readAllBytes(lower.resolve("size_1"));
        for (int len : new int[] {0, 1, 15, 16, 20, 26}) {
            parseFails(b, len, "truncated header");
        }
        // a lower file cut inside its header: the marker is there, the packet set is not whole
        for (int cut : new int[] {20, 40, 60, 80}) {
            Path p = damaged("size_1", x -> {});
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            FormatException e = openFails(p, FormatException.class);
            assertTrue(e.getMessage().matches("(?s).*(truncated|runs past|too short).*"), e.getMessage());
        }
    }

    @Test
    void badMarker() throws Exception {
        for (int at : new int[] {8, 11, 12, 15}) {
            Path p = damaged("size_1", b -> b[at] ^= 0x01);
            openFails(p, FormatException.class, "bad marker");
        }
    }

    @Test
    void unknownVersion() throws Exception {
        for (int v : new int[] {4, 0x7f, 0xff}) {
            Path p = damaged("size_1", b -> b[16] = (byte) v);
            openFails(p, FormatException.class, "unknown version " + v);
        }
    }

    @Test
    void implausibleHeaderSizeAndFlags() throws Exception {
        openFails(damaged("size_1", b -> b[24] = b[25] = 0), FormatException.class, "header size");
        openFails(damaged("size_1", b -> Arrays.fill(b, 20, 24, (byte) 0xff)), FormatException.class, "header size");
        openFails(damaged("size_1", b -> b[19] = 0), FormatException.class, "not encrypted");
    }

    @Test
    void oversizedPacketLength() throws Exception {
        // two-byte length 8383: past the 4 KiB the kernel reads
        openFails(damaged("size_1", b -> {
            b[TAG3_LEN] = (byte) 0xdf;
            b[TAG3_LEN + 1] = (byte) 0xff;
        }), FormatException.class, "runs past the header");
        // one-byte length 191: runs into the zeros, so the tag 11 packet is not where it should be
        openFails(damaged("size_1", b -> b[TAG3_LEN] = (byte) 191), FormatException.class, "damaged key packet");
        openFails(damaged("size_1", b -> b[TAG3_LEN] = (byte) 0xff), FormatException.class, "five-byte");
        openFails(damaged("size_1", b -> b[TAG3_LEN] = (byte) 0xe5), FormatException.class, "invalid packet length");
        openFails(damaged("size_1", b -> b[TAG11_LEN] = (byte) 0xdf), FormatException.class, "damaged key packet");
        openFails(damaged("size_1", b -> b[TAG3_LEN] = 5), FormatException.class, "too short");
        // the bytes end at the length byte, and just after it
        byte[] b = Files.readAllBytes(lower.resolve("size_1"));
        parseFails(Arrays.copyOf(b, TAG3_LEN), TAG3_LEN, "runs past the header");
        parseFails(Arrays.copyOf(b, TAG3_LEN + 1), TAG3_LEN + 1, "runs past the header");
    }

    @Test
    void damagedKeyPacketTag() throws Exception {
        openFails(damaged("size_1", b -> b[TAG3] = 0x42), FormatException.class, "no key packets");
        openFails(damaged("size_1", b -> b[TAG3] = (byte) 0xed), FormatException.class, "tag 11 packet without its tag 3");
        openFails(damaged("size_1", b -> b[TAG11] = 0), FormatException.class, "not followed by its tag 11");
        openFails(damaged("size_1", b -> b[TAG3 + 2] = 3), FormatException.class, "tag 3 version");
        openFails(damaged("size_1", b -> b[CIPHER] = 0x03), FormatException.class, "unsupported cipher");
        openFails(damaged("size_1", b -> b[CIPHER] = 0x09), FormatException.class, "does not fit"); // 16-byte key as AES-256
        openFails(damaged("size_1", b -> b[LITERAL] = 0x74), FormatException.class, "literal");
        openFails(damaged("size_1", b -> b[TAG11_LEN] = 0x17), FormatException.class, "damaged key packet");
    }

    @Test
    void damagedSignatureAsksForAKeyWeDoNotHold() throws Exception {
        NoKeyException e = openFails(damaged("size_1", b -> b[SIG_AT + 7] ^= 0x01), NoKeyException.class, "no key");
        assertEquals(List.of("cc1531732665f5af"), e.wantedSignatures());
        assertTrue(e.getMessage().contains("cc1531732665f5af"), e.getMessage());
    }

    @Test
    void wrongPassphrase() throws Exception {
        PassphraseKey wrong = PassphraseKey.derive("not-the-passphrase".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        try {
            EcryptfsFormat other = new EcryptfsFormat(KeyRing.of(wrong), 16, false, false, new SecureRandom());
            Path p = lower.resolve("size_4097");
            byte[] before = sha256(p);
            byte[] b = Files.readAllBytes(p);
            NoKeyException e = assertThrows(NoKeyException.class, () -> other.open(b, 4096, false));
            assertEquals(List.of(SIG), e.wantedSignatures());
            assertTrue(e.getMessage().contains("no key") && e.getMessage().contains(SIG) && e.getMessage().contains(wrong.signature()),
                    e.getMessage());
            NoKeyException named = e.inFile("size_4097");
            assertTrue(named.getMessage().startsWith("size_4097: "), named.getMessage());
            assertEquals(List.of(SIG), named.wantedSignatures());
            assertArrayEquals(before, sha256(p));
        } finally {
            wrong.destroy();
        }
    }

    // ---- the data ----

    @Test
    void lowerFileShorterThanItsHeaderSays() throws Exception {
        // size_4097 needs 8192 + 2 * 4096; cut it to one data extent, inside one, and to the header alone
        for (long cut : new long[] {8192 + 4096, 8192 + 4095, 8192 + 100, 8192, 5000}) {
            Path p = damaged("size_4097", b -> {});
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            TruncatedFileException e = openFails(p, TruncatedFileException.class, "header says", "4097 plaintext bytes");
            assertTrue(e.getMessage().contains(cut + " bytes"), e.getMessage());
        }
    }

    @Test
    void readPastTheLowerEndFailsWithoutGarbage() throws Exception {
        // without checkComplete, the read itself must fail on the missing extent (no zeros, no garbage)
        Path p = damaged("size_1048676", b -> {});
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(8192 + 100 * 4096 + 10);
        }
        byte[] before = sha256(p);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            byte[] hb = new byte[4096];
            ch.read(ByteBuffer.wrap(hb), 0);
            EncryptedFile f = new EncryptedFile(ch, format.open(hb, 4096, false), new ExtentCache(1 << 20, 4096), p, "big", true);
            ByteBuffer first = ByteBuffer.allocate(100 * 4096);
            assertEquals(first.capacity(), f.read(first, 0));
            byte[] want = Arrays.copyOf(Files.readAllBytes(plain.resolve("size_1048676")), first.capacity());
            assertArrayEquals(want, first.array(), "the extents that are there read right");
            ByteBuffer dst = ByteBuffer.allocate(8192);
            TruncatedFileException e = assertThrows(TruncatedFileException.class, () -> f.read(dst, 100 * 4096L));
            assertTrue(e.getMessage().contains("big") && e.getMessage().contains("extent 100"), e.getMessage());
            assertEquals(0, dst.position(), "nothing was handed out");
            f.close();
        }
        assertArrayEquals(before, sha256(p), "the lower file changed");
    }

    /** A size field with the top bit set would make a negative file size; it must not open. */
    @Test
    void negativeSizeField() throws Exception {
        Path p = damaged("size_1", b -> Arrays.fill(b, 0, 8, (byte) 0xff));
        openFails(p, FormatException.class, "size");
    }

    /** A size near Long.MAX_VALUE would overflow header + extents; it must not open either. */
    @Test
    void hugeSizeField() throws Exception {
        Path p = damaged("size_1", b -> {
            b[0] = 0x7f;
            Arrays.fill(b, 1, 8, (byte) 0xff);
        });
        openFails(p, FormatException.class, "size");
    }

    // ---- not eCryptfs at all ----

    @Test
    void notEcryptfsAtAll() throws Exception {
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "Just a plain text file, as a lower directory that is not eCryptfs would hold.\n".repeat(100));
        openFails(text, FormatException.class, "bad marker");
        assertFalse(format.recognizes(Files.readAllBytes(text), 4096));

        Random r = new Random(42);
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[r.nextInt(3) == 0 ? 30 + r.nextInt(100) : 12288];
            r.nextBytes(b);
            // a random file has a valid marker with probability 2^-32: this seed has none
            assertFalse(format.recognizes(b, b.length));
            parseFails(b, Math.min(b.length, 4096), "bad marker");
        }
        Path random = tmp.resolve("random.bin");
        byte[] rb = new byte[12288];
        r.nextBytes(rb);
        Files.write(random, rb);
        openFails(random, FormatException.class, "bad marker");

        Path empty = tmp.resolve("empty");
        Files.createFile(empty);
        openFails(empty, FormatException.class, "truncated header");
    }

    /** Random single-byte damage anywhere in the header: an exception or the right plaintext, never garbage. */
    @Test
    void randomHeaderDamageNeverGivesGarbage() throws Exception {
        byte[] good = Files.readAllBytes(lower.resolve("size_4097"));
        byte[] want = Files.readAllBytes(plain.resolve("size_4097"));
        Random r = new Random(7);
        int opened = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] b = good.clone();
            int at = r.nextInt(82); // the fixed fields and the key packets; the wrapped FEK is excluded below
            if (at >= WRAPPED && at < WRAPPED + 16) {
                continue; // no integrity on the wrapped FEK: see wrappedKeyDamageIsUndetectable
            }
            b[at] ^= (byte) (1 + r.nextInt(255));
            UnlockedHeader h;
            try {
                h = format.open(b, 4096, false);
            } catch (FormatException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                continue;
            }
            opened++;
            // bytes that do not matter: size (then checked by checkComplete), marker halves? (no: both
            // are checked), salt, count, date, padding
            long size = h.plaintextSize();
            if (size != 4097) {
                continue;
            }
            ByteBuffer out = ByteBuffer.allocate(4096);
            h.content().decryptExtent(0, ByteBuffer.wrap(b, 8192, 4096), out);
            assertArrayEquals(Arrays.copyOf(want, 4096), out.array(), "byte " + at + " damaged, opened, wrong plaintext");
        }
        assertTrue(opened > 0);
    }

    /**
     * The format has no integrity on the wrapped FEK (nor the kernel): a damaged one unwraps to a wrong
     * key and the file decrypts to garbage. Documented here so nobody believes otherwise.
     */
    @Test
    void wrappedKeyDamageIsUndetectable() throws Exception {
        byte[] b = Files.readAllBytes(lower.resolve("size_4097"));
        b[WRAPPED + 3] ^= 0x10;
        UnlockedHeader h = format.open(b, 4096, false);
        ByteBuffer out = ByteBuffer.allocate(4096);
        h.content().decryptExtent(0, ByteBuffer.wrap(b, 8192, 4096), out);
        byte[] want = Arrays.copyOf(Files.readAllBytes(plain.resolve("size_4097")), 4096);
        assertFalse(Arrays.equals(want, out.array()), "garbage, undetected: " + HexFormat.of().formatHex(out.array(), 0, 16));
    }
}
