package io.ucryptfs.core.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WrappedPassphraseTest {

    /** From ../shared/ecryptfs-vectors/wrapped_passphrase/case.txt. */
    private static final String LOGIN = "login-passphrase-123";
    private static final String MOUNT = "00ff16e10b7c31ea6ec81abcefb92052";

    /** Messages of every exception the tests provoke: none may hold a passphrase. */
    private final List<String> messages = new ArrayList<>();

    private static Path vectorFile() {
        return Vectors.caseDir("wrapped_passphrase").resolve("wrapped-passphrase");
    }

    private static byte[] vectorBytes() throws Exception {
        return Files.readAllBytes(vectorFile());
    }

    private static char[] login() {
        return LOGIN.toCharArray();
    }

    /** A SecureRandom whose bytes are fixed by a seed, so the salts (and results) repeat. */
    private static SecureRandom seeded(long seed) {
        Random r = new Random(seed);
        return new SecureRandom() {
            private static final long serialVersionUID = 1L;

            @Override
            public void nextBytes(byte[] bytes) {
                r.nextBytes(bytes);
            }
        };
    }

    private <T extends Throwable> T expect(Class<T> type, org.junit.jupiter.api.function.Executable ex) {
        T t = assertThrows(type, ex);
        messages.add(t.getMessage());
        return t;
    }

    private void assertNoSecretsInMessages(String... secrets) {
        assertFalse(messages.isEmpty());
        for (String m : messages) {
            for (String s : secrets) {
                assertFalse(m.contains(s), () -> "message reveals a passphrase: " + m);
            }
        }
    }

    @Test
    void kernelVectorUnwrapsToTheMountPassphrase() throws Exception {
        byte[] file = vectorBytes();
        assertEquals(58, file.length);
        assertEquals(2, WrappedPassphrase.version(file));
        byte[] mount = WrappedPassphrase.unwrap(file, login());
        assertEquals(MOUNT, new String(mount, StandardCharsets.US_ASCII));
        assertArrayEquals(mount, WrappedPassphrase.unwrap(vectorFile(), login()));

        // the mount passphrase's keys are the ones the kernel mount used and Private.sig names
        PrivateSig sigs = PrivateSig.read(Vectors.caseDir("wrapped_passphrase").resolve("Private.sig"));
        PassphraseKey fileKey = PassphraseKey.derive(mount, PassphraseKey.DEFAULT_SALT);
        PassphraseKey fnek = PassphraseKey.derive(mount, PassphraseKey.FNEK_SALT);
        assertEquals("23520ec2c28cc7b2", fileKey.signature());
        assertEquals("caac4e9859b5d59d", fnek.signature());
        assertEquals(fileKey.signature(), sigs.fileKeySig());
        assertEquals(fnek.signature(), sigs.fnekSig().orElseThrow());
        Secrets.wipe(mount);
    }

    @Test
    void kernelVectorLayoutIsVersion2() throws Exception {
        byte[] file = vectorBytes();
        assertEquals(':', file[0]);
        assertEquals(2, file[1]);
        byte[] salt = Arrays.copyOfRange(file, 2, 10);
        String sig = new String(file, 10, 16, StandardCharsets.US_ASCII);
        assertEquals(PassphraseKey.derive(login(), salt).signature(), sig);
    }

    @Test
    void wrongLoginPassphraseIsReportedAsSuch() throws Exception {
        WrongPassphraseException e = expect(WrongPassphraseException.class,
                () -> WrappedPassphrase.unwrap(vectorBytes(), "login-passphrase-124".toCharArray()));
        assertTrue(e.getMessage().startsWith("wrong passphrase"), e.getMessage());
        assertTrue(e.getMessage().contains("wrapped-passphrase"), e.getMessage());
        WrongPassphraseException p = expect(WrongPassphraseException.class,
                () -> WrappedPassphrase.unwrap(vectorFile(), new char[0]));
        assertTrue(p.getMessage().contains(vectorFile().toString()), p.getMessage());
        assertNoSecretsInMessages(LOGIN, "login-passphrase-124", MOUNT);
    }

    @Test
    void truncatedFilesAreRejected() throws Exception {
        byte[] file = vectorBytes();
        for (int n = 0; n < file.length; n++) {
            if (n == 42) {
                // 2 + 8 + 16 + one whole block: the format has no length field, so this prefix is a
                // well-formed file holding the first 16 characters (ecryptfs-utils reads it the same)
                assertEquals(MOUNT.substring(0, 16), new String(
                        WrappedPassphrase.unwrap(Arrays.copyOf(file, n), login()), StandardCharsets.US_ASCII));
                continue;
            }
            byte[] prefix = Arrays.copyOf(file, n);
            KeyFileException e = expect(KeyFileException.class, () -> WrappedPassphrase.unwrap(prefix, login()));
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("not a wrapped-passphrase"),
                    e.getMessage());
        }
        assertNoSecretsInMessages(LOGIN, MOUNT);
    }

    @Test
    void badMagicAndUnknownVersionAreRejected() throws Exception {
        byte[] bad = vectorBytes();
        bad[0] = 'x';
        KeyFileException e = expect(KeyFileException.class, () -> WrappedPassphrase.unwrap(bad, login()));
        assertTrue(e.getMessage().contains("not a wrapped-passphrase file"), e.getMessage());

        byte[] v3 = vectorBytes();
        v3[1] = 3;
        KeyFileException u = expect(KeyFileException.class, () -> WrappedPassphrase.unwrap(v3, login()));
        assertTrue(u.getMessage().contains("version 3"), u.getMessage());
        assertThrows(KeyFileException.class, () -> WrappedPassphrase.version(v3));

        byte[] badSig = vectorBytes();
        badSig[12] = 'g';
        expect(KeyFileException.class, () -> WrappedPassphrase.unwrap(badSig, login()));
        assertNoSecretsInMessages(LOGIN, MOUNT);
    }

    @Test
    void nonZeroPaddingIsGarbled() throws Exception {
        // a well-signed file whose plaintext has bytes after the terminating zero
        byte[] salt = HexFormat.of().parseHex("0102030405060708");
        PassphraseKey k = PassphraseKey.derive(login(), salt);
        byte[] plain = Arrays.copyOf("abc".getBytes(StandardCharsets.US_ASCII), 16);
        plain[9] = 'x';
        javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/ECB/NoPadding");
        c.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(k.aesKey(16), "AES"));
        byte[] file = new byte[42];
        file[0] = ':';
        file[1] = 2;
        System.arraycopy(salt, 0, file, 2, 8);
        System.arraycopy(k.signature().getBytes(StandardCharsets.US_ASCII), 0, file, 10, 16);
        System.arraycopy(c.doFinal(plain), 0, file, 26, 16);
        KeyFileException e = expect(KeyFileException.class, () -> WrappedPassphrase.unwrap(file, login()));
        assertTrue(e.getMessage().contains("garbled"), e.getMessage());

        // all zero: an empty passphrase
        Arrays.fill(plain, (byte) 0);
        System.arraycopy(c.doFinal(plain), 0, file, 26, 16);
        e = expect(KeyFileException.class, () -> WrappedPassphrase.unwrap(file, login()));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertNoSecretsInMessages(LOGIN);
    }

    @Test
    void damagedEncryptedBytesNeverGiveTheRightPassphrase() {
        // the format has no integrity check (nor has ecryptfs-utils): damage to the encrypted bytes
        // is caught when the padding comes out non-zero, else it yields another passphrase, whose key
        // signature then fails to match Private.sig / the lower files
        byte[] mount = "twenty-byte-passphr!".getBytes(StandardCharsets.US_ASCII);
        for (int i = 26; i < 58; i++) {
            byte[] file = WrappedPassphrase.wrapV2(mount, login(), seeded(i));
            assertEquals(26 + 32, file.length);
            file[i] ^= 1;
            try {
                byte[] got = WrappedPassphrase.unwrap(file, login());
                assertFalse(Arrays.equals(mount, got));
            } catch (KeyFileException e) {
                messages.add(e.getMessage());
                assertTrue(e.getMessage().contains("garbled"), e.getMessage());
            } catch (WrongPassphraseException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void v2RoundTripsAllLengths() throws Exception {
        SecureRandom rng = new SecureRandom();
        for (int len : new int[] {1, 15, 16, 17, 31, 32, 33, 48, 63, 64}) {
            byte[] mount = new byte[len];
            for (int i = 0; i < len; i++) {
                mount[i] = (byte) ('!' + rng.nextInt(94));
            }
            byte[] file = WrappedPassphrase.wrapV2(mount, login(), rng);
            assertEquals(2 + 8 + 16 + (len + 15) / 16 * 16, file.length);
            assertEquals(2, WrappedPassphrase.version(file));
            assertArrayEquals(mount, WrappedPassphrase.unwrap(file, login()));
        }
        // a 32-character mount passphrase, as ecryptfs-setup-private makes it, gives 58 bytes
        byte[] file = WrappedPassphrase.wrapV2(MOUNT.getBytes(StandardCharsets.US_ASCII), login(), rng);
        assertEquals(58, file.length);
        assertEquals(MOUNT, new String(WrappedPassphrase.unwrap(file, login()), StandardCharsets.US_ASCII));
        // a fresh salt each time
        byte[] again = WrappedPassphrase.wrapV2(MOUNT.getBytes(StandardCharsets.US_ASCII), login(), rng);
        assertNotEquals(HexFormat.of().formatHex(file, 2, 10), HexFormat.of().formatHex(again, 2, 10));
    }

    @Test
    void v1RoundTripsWithItsSalt() throws Exception {
        byte[] mount = MOUNT.getBytes(StandardCharsets.US_ASCII);
        byte[] v1 = WrappedPassphrase.wrapV1(mount, login(), PassphraseKey.DEFAULT_SALT);
        assertEquals(16 + 32, v1.length);
        assertEquals(1, WrappedPassphrase.version(v1));
        assertEquals(PassphraseKey.derive(login(), PassphraseKey.DEFAULT_SALT).signature(),
                new String(v1, 0, 16, StandardCharsets.US_ASCII));
        assertArrayEquals(mount, WrappedPassphrase.unwrap(v1, login()));

        byte[] salt = HexFormat.of().parseHex("a1b2c3d4e5f60718");
        byte[] custom = WrappedPassphrase.wrapV1(mount, login(), salt);
        assertArrayEquals(mount, WrappedPassphrase.unwrap(custom, login(), salt, "custom"));
        // the default salt gives another key, so another signature: reported as a wrong passphrase
        WrongPassphraseException e = expect(WrongPassphraseException.class,
                () -> WrappedPassphrase.unwrap(custom, login()));
        assertTrue(e.getMessage().contains("version 1"), e.getMessage());
        expect(WrongPassphraseException.class, () -> WrappedPassphrase.unwrap(v1, "nope".toCharArray()));
        assertNoSecretsInMessages(LOGIN, MOUNT);
    }

    @Test
    void readsAtMost64EncryptedBytesLikeEcryptfsUtils() throws Exception {
        byte[] mount = new byte[64];
        Arrays.fill(mount, (byte) 'p');
        byte[] file = WrappedPassphrase.wrapV2(mount, login(), seeded(1));
        assertEquals(90, file.length);
        byte[] longer = Arrays.copyOf(file, file.length + 5);
        assertArrayEquals(mount, WrappedPassphrase.unwrap(longer, login()));
    }

    @Test
    void wrapRejectsPassphrasesEcryptfsUtilsCannotHold() {
        SecureRandom rng = seeded(3);
        byte[] tooLong = new byte[65];
        Arrays.fill(tooLong, (byte) 's');
        messages.add(assertThrows(IllegalArgumentException.class,
                () -> WrappedPassphrase.wrapV2(tooLong, login(), rng)).getMessage());
        messages.add(assertThrows(IllegalArgumentException.class,
                () -> WrappedPassphrase.wrapV2(new byte[0], login(), rng)).getMessage());
        byte[] withNul = "secret\0secret".getBytes(StandardCharsets.US_ASCII);
        messages.add(assertThrows(IllegalArgumentException.class,
                () -> WrappedPassphrase.wrapV1(withNul, login(), PassphraseKey.DEFAULT_SALT)).getMessage());
        assertNoSecretsInMessages(LOGIN, "secret", "sssss");
    }

    @Test
    void writeIsAtomicWithMode0600(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("wrapped-passphrase");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        byte[] file = WrappedPassphrase.wrapV2(MOUNT.getBytes(StandardCharsets.US_ASCII), login(), seeded(5));
        WrappedPassphrase.write(f, file);
        assertArrayEquals(file, WrappedPassphrase.read(f));
        assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(f));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList(), "no temporary file left behind");
        }
        assertEquals(MOUNT, new String(WrappedPassphrase.unwrap(f, login()), StandardCharsets.US_ASCII));

        Path big = dir.resolve("big");
        Files.write(big, new byte[5000]);
        expect(KeyFileException.class, () -> WrappedPassphrase.read(big));
    }
}
