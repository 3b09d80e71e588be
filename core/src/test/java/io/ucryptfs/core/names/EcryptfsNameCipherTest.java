package io.ucryptfs.core.names;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EcryptfsNameCipherTest {

    private static final String PREFIX = EcryptfsNameCipher.FNEK_PREFIX;
    private static PassphraseKey fnek;
    private static PassphraseKey otherFnek;
    /** Every 4-byte window of the FNEK and of its MD5 padding stream, in hex: must never appear in a message. */
    private static List<String> secretWindows;

    @BeforeAll
    static void keys() throws Exception {
        fnek = PassphraseKey.derive("kernel-vector-fnek128".getBytes(StandardCharsets.UTF_8), PassphraseKey.FNEK_SALT);
        otherFnek = PassphraseKey.derive("another-passphrase".getBytes(StandardCharsets.UTF_8), PassphraseKey.FNEK_SALT);
        byte[] k = fnek.aesKey(PassphraseKey.KEY_BYTES);
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        byte[] h1 = md5.digest(k);
        byte[] h2 = md5.digest(h1);
        secretWindows = new ArrayList<>();
        for (byte[] secret : new byte[][] {k, h1, h2}) {
            for (int i = 0; i + 4 <= secret.length; i++) {
                secretWindows.add(HexFormat.of().formatHex(secret, i, i + 4));
            }
        }
    }

    @AfterAll
    static void wipe() {
        fnek.destroy();
        otherFnek.destroy();
    }

    private static EcryptfsNameCipher cipher(int keyBytes) {
        return new EcryptfsNameCipher(fnek, keyBytes);
    }

    // ---- limits -----------------------------------------------------------------------------------

    @ParameterizedTest(name = "AES-{0}")
    @ValueSource(ints = {16, 24, 32})
    void namesUpTo143BytesFitIn255AndLongerAreTooLong(int keyBytes) throws Exception {
        try (EcryptfsNameCipher c = cipher(keyBytes)) {
            // AES has 16-byte blocks whatever the key size, so the limit is the same for all three
            assertEquals(143, c.maxPlainNameLength());
            String lower = c.encrypt("a".repeat(143));
            assertEquals(252, lower.length());
            assertEquals("a".repeat(143), c.decrypt(lower));
            assertThrows(NameTooLongException.class, () -> c.encrypt("a".repeat(144)));
            // bytes, not characters: 71 × 'é' + 'a' = 143 bytes, 72 × 'é' = 144
            assertEquals("é".repeat(71) + "a", c.decrypt(c.encrypt("é".repeat(71) + "a")));
            assertThrows(NameTooLongException.class, () -> c.encrypt("é".repeat(72)));
        }
    }

    // ---- names are bytes ---------------------------------------------------------------------------

    /** A name of {@code n} random bytes, each 0x80..0xFF: none of it is UTF-8 text. */
    private static byte[] highBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (0x80 + rnd.nextInt(0x80));
        }
        return b;
    }

    @Test
    void namesThatAreNotUtf8RoundTripAsTheirBytes() throws Exception {
        Random rnd = new Random(7);
        try (EcryptfsNameCipher c = cipher(16)) {
            for (int len = 1; len <= 143; len++) {
                byte[] b = highBytes(rnd, len);
                String name = NameBytes.decode(b);
                String lower = c.encrypt(name);
                assertEquals(EcryptfsNameCipher.lowerLength(len), lower.length(), "the limit counts bytes");
                assertTrue(lower.length() <= 255);
                assertArrayEquals(b, NameBytes.encode(c.decrypt(lower)));
            }
        }
    }

    @Test
    void aNameOf143BytesAbove0x7fFitsAnd144DoNot() throws Exception {
        // stress-ng's filename stressor probes with such a name of the maximum length
        Random rnd = new Random(143);
        try (EcryptfsNameCipher c = cipher(16)) {
            String max = NameBytes.decode(highBytes(rnd, 143));
            assertEquals(252, c.encrypt(max).length());
            assertEquals(max, c.decrypt(c.encrypt(max)));
            assertThrows(NameTooLongException.class, () -> c.encrypt(NameBytes.decode(highBytes(rnd, 144))));
        }
    }

    @Test
    void namesThatDifferOnlyInBytesOutsideUtf8StayDistinct() throws Exception {
        try (EcryptfsNameCipher c = cipher(16)) {
            String ff = NameBytes.decode(new byte[] {(byte) 0xFF, 'X'});
            String fe = NameBytes.decode(new byte[] {(byte) 0xFE, 'X'});
            assertNotEquals(c.encrypt(ff), c.encrypt(fe));
            assertEquals(ff, c.decrypt(c.encrypt(ff)));
            assertEquals(fe, c.decrypt(c.encrypt(fe)));
            assertEquals(c.encrypt("\uFFFDX"), c.encrypt("\uFFFDX"));
            assertNotEquals(c.encrypt("\uFFFDX"), c.encrypt(ff), "U+FFFD is text, not a stand-in for a byte");
        }
    }

    @Test
    void symlinkTargetsAreBytesToo() throws Exception {
        try (EcryptfsNameCipher c = cipher(16)) {
            String target = NameBytes.decode(new byte[] {'.', '.', '/', (byte) 0xE9, '/', (byte) 0xFF});
            assertEquals(target, c.decryptSymlinkTarget(c.encryptSymlinkTarget(target)));
        }
    }

    @Test
    void limitsAreComputedFromTheLowerLimit() {
        assertEquals(143, EcryptfsNameCipher.maxPlainLength(255));
        assertTrue(EcryptfsNameCipher.lowerLength(143) <= 255);
        assertTrue(EcryptfsNameCipher.lowerLength(144) > 255);
        // symlink targets: lower limit 4095 (PATH_MAX - 1, ext4 with 4 KiB blocks)
        assertEquals(3007, EcryptfsNameCipher.maxPlainLength(4095));
        assertTrue(EcryptfsNameCipher.lowerLength(3007) <= 4095);
        assertTrue(EcryptfsNameCipher.lowerLength(3008) > 4095);
    }

    @Test
    void cipherCodeFollowsKeySize() throws Exception {
        int[][] expected = {{16, 0x07}, {24, 0x08}, {32, 0x09}};
        List<String> lowers = new ArrayList<>();
        for (int[] e : expected) {
            try (EcryptfsNameCipher c = cipher(e[0])) {
                assertEquals(e[1], c.cipherCode());
                String lower = c.encrypt("name");
                byte[] packet = EcryptfsBase64.decode(lower.substring(PREFIX.length()));
                assertEquals(e[1], packet[10]);
                lowers.add(lower);
            }
        }
        assertEquals(3, lowers.stream().distinct().count(), "each key size encrypts differently");
        assertThrows(IllegalArgumentException.class, () -> cipher(20));
    }

    // ---- round trips ------------------------------------------------------------------------------

    @ParameterizedTest(name = "AES-{0}")
    @ValueSource(ints = {16, 24, 32})
    void randomUtf8NamesOfEveryLengthRoundTrip(int keyBytes) throws Exception {
        Random rnd = new Random(keyBytes);
        try (EcryptfsNameCipher c = cipher(keyBytes)) {
            for (int len = 1; len <= c.maxPlainNameLength(); len++) {
                for (int k = 0; k < 3; k++) {
                    String name = randomUtf8(rnd, len, false);
                    assertEquals(len, name.getBytes(StandardCharsets.UTF_8).length);
                    String lower = c.encrypt(name);
                    assertEquals(EcryptfsNameCipher.lowerLength(len), lower.length());
                    assertTrue(lower.length() <= 255);
                    assertEquals(lower, c.encrypt(name), "deterministic");
                    assertEquals(name, c.decrypt(lower));
                }
            }
        }
    }

    @Test
    void dotAndDotDotAreNeverEncryptedButOtherDotNamesAre() throws Exception {
        try (EcryptfsNameCipher c = cipher(16)) {
            assertEquals(".", c.encrypt("."));
            assertEquals("..", c.encrypt(".."));
            assertEquals(".", c.decrypt("."));
            assertEquals("..", c.decrypt(".."));
            assertTrue(c.encrypt("...").startsWith(PREFIX));
            assertTrue(c.encrypt(".hidden").startsWith(PREFIX));
        }
    }

    @Test
    void symlinkTargetsKeepSlashesAndHaveTheirOwnLimit() throws Exception {
        Random rnd = new Random(7);
        try (EcryptfsNameCipher c = cipher(16)) {
            assertEquals(3007, c.maxSymlinkTargetLength());
            for (int len = 1; len <= 3007; len += (len < 300 ? 1 : 97)) {
                String t = randomUtf8(rnd, len, true);
                String lower = c.encryptSymlinkTarget(t);
                assertTrue(lower.length() <= 4095);
                assertEquals(t, c.decryptSymlinkTarget(lower));
            }
            String max = "d/".repeat(1503) + "f";
            assertEquals(t(max), c.decryptSymlinkTarget(c.encryptSymlinkTarget(max)));
            assertThrows(NameTooLongException.class, () -> c.encryptSymlinkTarget(max + "g"));
            // as ecryptfs_symlink does: the whole target is encrypted, "." and ".." too
            assertTrue(c.encryptSymlinkTarget(".").startsWith(PREFIX));
            assertEquals("..", c.decryptSymlinkTarget(c.encryptSymlinkTarget("..")));
            // a target is not a name: names reject '/' and targets over 143 bytes
            assertThrows(IllegalArgumentException.class, () -> c.encrypt("a/b"));
            String longTarget = c.encryptSymlinkTarget("x".repeat(200));
            assertThrows(InvalidNameException.class, () -> c.decrypt(c.encryptSymlinkTarget("a/b")));
            assertThrows(InvalidNameException.class, () -> c.decrypt(longTarget));
            assertThrows(IllegalArgumentException.class, () -> c.encryptSymlinkTarget("a\0b"));
        }
    }

    private static String t(String s) {
        assertEquals(3007, s.length());
        return s;
    }

    @Test
    void invalidPlaintextNamesAreRejected() {
        try (EcryptfsNameCipher c = cipher(16)) {
            assertThrows(IllegalArgumentException.class, () -> c.encrypt("a/b"));
            assertThrows(IllegalArgumentException.class, () -> c.encrypt("/"));
            assertThrows(IllegalArgumentException.class, () -> c.encrypt("a\0b"));
            assertThrows(IllegalArgumentException.class, () -> c.encrypt(""));
            assertThrows(IllegalArgumentException.class, () -> c.encrypt("bad\uDC00surrogate"));
        }
    }

    // ---- wrong key, damage ------------------------------------------------------------------------

    @Test
    void aNameFromAnotherKeyIsInvalidAndNamedInTheMessage() throws Exception {
        try (EcryptfsNameCipher c = cipher(16);
                EcryptfsNameCipher other = new EcryptfsNameCipher(otherFnek, 16)) {
            String foreign = other.encrypt("secret-report.pdf");
            InvalidNameException e = assertInvalid(c, foreign);
            assertTrue(e.getMessage().contains(otherFnek.signature()), e.getMessage());

            // the other key's ciphertext under our signature: must not come back as garbage
            byte[] packet = EcryptfsBase64.decode(foreign.substring(PREFIX.length()));
            System.arraycopy(fnek.signatureBytes(), 0, packet, 2, 8);
            assertInvalid(c, PREFIX + EcryptfsBase64.encode(packet).substring(0, foreign.length() - PREFIX.length()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"size_0", "dir_a", "a", "long_name_of_some_forty_bytes_0123456789", "x"})
    void everySingleCharacterChangeIsInvalid(String name) throws Exception {
        try (EcryptfsNameCipher c = cipher(16)) {
            String lower = c.encrypt(name);
            String alphabet = EcryptfsBase64.ALPHABET;
            for (int i = PREFIX.length(); i < lower.length(); i++) {
                for (int shift : new int[] {1, 32}) {
                    char repl = alphabet.charAt((alphabet.indexOf(lower.charAt(i)) + shift) % 64);
                    assertInvalidOrAnotherName(c, lower.substring(0, i) + repl + lower.substring(i + 1), name);
                }
            }
        }
    }

    @Test
    void everyChangeOfAMaximalNameIsInvalid() throws Exception {
        try (EcryptfsNameCipher c = cipher(16)) {
            String lower = c.encrypt("m".repeat(143));
            for (int i = PREFIX.length(); i < lower.length(); i++) {
                char repl = lower.charAt(i) == 'A' ? 'B' : 'A';
                assertInvalidOrAnotherName(c, lower.substring(0, i) + repl + lower.substring(i + 1), "m".repeat(143));
            }
        }
    }

    @Test
    void truncatedExtendedAndForeignNamesAreInvalid() throws Exception {
        try (EcryptfsNameCipher c = cipher(16)) {
            String lower = c.encrypt("size_4096");
            for (int len = 0; len < lower.length(); len++) {
                assertInvalid(c, lower.substring(0, len));
            }
            assertInvalid(c, lower + "-");
            assertInvalid(c, lower + "----");
            assertInvalid(c, lower + "AAAA");
            assertInvalid(c, "lost+found");
            assertInvalid(c, "size_4096");
            assertInvalid(c, "ecryptfs_fnek_encrypted." + lower.substring(PREFIX.length()));
            assertInvalid(c, EcryptfsNameCipher.FEK_PREFIX + lower.substring(PREFIX.length()));
            for (char bad : new char[] {'+', '/', '=', ' ', '_', 'é', '\0'}) {
                assertInvalid(c, lower.substring(0, 30) + bad + lower.substring(31));
            }
        }
    }

    @Test
    void malformedPacketsAreInvalid() throws Exception {
        try (EcryptfsNameCipher c = cipher(16)) {
            byte[] good = EcryptfsBase64.decode(c.encrypt("payload").substring(PREFIX.length()));
            int packetLen = 2 + (good[1] & 0xff);

            assertTrue(assertInvalid(c, withByte(good, packetLen, 0, 0x47)).getMessage().contains("tag"));
            assertInvalid(c, withByte(good, packetLen, 0, 0x00));
            assertInvalid(c, withByte(good, packetLen, 1, 0xff));                  // 5-byte length form
            assertInvalid(c, withByte(good, packetLen, 1, 0xe0));
            assertInvalid(c, withByte(good, packetLen, 1, (good[1] & 0xff) + 16)); // claims more than present
            assertInvalid(c, withByte(good, packetLen, 1, (good[1] & 0xff) - 16)); // drops a block
            assertInvalid(c, withByte(good, packetLen, 1, (good[1] & 0xff) - 1));  // not whole blocks
            assertInvalid(c, withByte(good, packetLen, 1, 9));                      // no encrypted part
            assertInvalid(c, withByte(good, packetLen, 1, 0));
            assertInvalid(c, withByte(good, packetLen, 1, 0xc5));                  // 2-byte form, too long
            assertInvalid(c, withByte(good, packetLen, 10, 0x09));                 // AES-256 code on an AES-128 mount
            assertInvalid(c, withByte(good, packetLen, 10, 0x03));                 // not AES
            assertInvalid(c, withByte(good, packetLen, 5, good[5] ^ 1));           // signature
            assertInvalid(c, PREFIX + "----");
            assertInvalid(c, PREFIX + "F-");
        }
    }

    private static String withByte(byte[] packet, int len, int index, int value) {
        byte[] p = java.util.Arrays.copyOf(packet, len);
        p[index] = (byte) value;
        return PREFIX + EcryptfsBase64.encode(p);
    }

    /**
     * A changed lower name never decrypts to the original name. Names are bytes, as in the kernel, so a
     * change confined to the AES blocks of the name itself (ECB) decrypts to other bytes, which are a
     * name as long as they hold no NUL or '/'; a change to the prefix, packet header, signature or
     * padding is invalid.
     */
    private static void assertInvalidOrAnotherName(EcryptfsNameCipher c, String lower, String original) {
        try {
            String other = c.decrypt(lower);
            assertNotEquals(original, other, lower);
            assertEquals(lower, c.encrypt(other), "a name that decrypts re-encrypts to the same lower name");
        } catch (InvalidNameException e) {
            assertTrue(e.getMessage().contains(lower), e.getMessage());
        } catch (NameTooLongException e) {
            fail(e);
        }
    }

    private static InvalidNameException assertInvalid(EcryptfsNameCipher c, String lower) {
        InvalidNameException e = assertThrows(InvalidNameException.class, () -> c.decrypt(lower),
                () -> "accepted: " + lower);
        String msg = e.getMessage();
        if (!lower.isEmpty() && lower.indexOf('\0') < 0) {
            assertTrue(msg.contains(lower), "message names the lower name: " + msg);
        }
        String lowerMsg = msg.toLowerCase();
        for (String w : secretWindows) {
            assertFalse(lowerMsg.contains(w), "message leaks key material: " + msg);
        }
        InvalidNameException t = assertThrows(InvalidNameException.class, () -> c.decryptSymlinkTarget(lower));
        for (String w : secretWindows) {
            assertFalse(t.getMessage().toLowerCase().contains(w), "message leaks key material: " + t.getMessage());
        }
        return e;
    }

    // ---- lifecycle, threads -----------------------------------------------------------------------

    @Test
    void closeWipesAndLaterUseFails() throws Exception {
        EcryptfsNameCipher c = cipher(16);
        String lower = c.encrypt("x");
        assertFalse(c.toString().contains(HexFormat.of().formatHex(fnek.aesKey(16))));
        assertTrue(c.toString().contains(fnek.signature()));
        c.close();
        assertTrue(c.isDestroyed());
        assertThrows(IllegalStateException.class, () -> c.encrypt("x"));
        assertThrows(IllegalStateException.class, () -> c.decrypt(lower));
        assertFalse(fnek.isDestroyed(), "the caller owns the PassphraseKey");
        c.destroy(); // idempotent
    }

    @Test
    void concurrentUseGivesTheSameBytes() throws Exception {
        Random rnd = new Random(42);
        List<String> plain = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            plain.add(randomUtf8(rnd, 1 + rnd.nextInt(143), false));
        }
        try (EcryptfsNameCipher c = cipher(16)) {
            List<String> expected = new ArrayList<>();
            for (String p : plain) {
                expected.add(c.encrypt(p));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int offset = t;
                    results.add(pool.submit(() -> {
                        for (int round = 0; round < 5; round++) {
                            for (int i = 0; i < plain.size(); i++) {
                                int j = (i + offset * 50) % plain.size();
                                if (!c.encrypt(plain.get(j)).equals(expected.get(j))
                                        || !c.decrypt(expected.get(j)).equals(plain.get(j))) {
                                    return false;
                                }
                            }
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> f : results) {
                    assertTrue(f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void differentNamesGiveDifferentLowerNames() throws Exception {
        try (EcryptfsNameCipher c = cipher(16)) {
            assertNotEquals(c.encrypt("a"), c.encrypt("b"));
            assertNotEquals(c.encrypt("abc"), c.encrypt("abcd"));
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /**
     * A random string of exactly {@code bytes} UTF-8 bytes mixing 1- to 4-byte characters, without NUL
     * (and without '/' unless {@code slashes}).
     */
    static String randomUtf8(Random rnd, int bytes, boolean slashes) {
        StringBuilder sb = new StringBuilder();
        int left = bytes;
        while (left > 0) {
            int size = 1 + rnd.nextInt(Math.min(4, left));
            int cp;
            switch (size) {
                case 1 -> {
                    do {
                        cp = 1 + rnd.nextInt(0x7f);
                    } while (cp == '/' && !slashes);
                }
                case 2 -> cp = 0x80 + rnd.nextInt(0x800 - 0x80);
                case 3 -> {
                    do {
                        cp = 0x800 + rnd.nextInt(0x10000 - 0x800);
                    } while (cp >= 0xd800 && cp <= 0xdfff);
                }
                default -> cp = 0x10000 + rnd.nextInt(0x110000 - 0x10000);
            }
            sb.appendCodePoint(cp);
            left -= size;
        }
        return sb.toString();
    }
}
