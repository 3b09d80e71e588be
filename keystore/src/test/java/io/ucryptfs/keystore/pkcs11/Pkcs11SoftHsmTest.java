package io.ucryptfs.keystore.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_SECRET_KEY;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token layer against real SoftHSM2 tokens, each test with a token of its own. */
class Pkcs11SoftHsmTest {
    private static final byte[] SECRET = "a mount passphrase: 32 random bytes, hex".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void rsaOaepEncryptInSoftwareDecryptOnToken() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "rsa").rsa("k", "01");
        TokenModule module = hsm.module();
        Pkcs11Uri uri = hsm.uri("k");
        byte[] oaep;
        byte[] pkcs1;
        try (TokenSession s = TokenSession.open(module, uri)) {
            RSAPublicKey pub = RsaWrap.publicKey(s, uri); // no login: creating needs only the public key
            assertEquals(2048, pub.getModulus().bitLength());
            assertEquals(RsaWrap.Padding.OAEP_SHA1, RsaWrap.padding(s));
            oaep = RsaWrap.encrypt(pub, RsaWrap.Padding.OAEP_SHA1, SECRET);
            pkcs1 = RsaWrap.encrypt(pub, RsaWrap.Padding.PKCS1_V15, SECRET);
        }
        try (TokenSession s = TokenSession.open(module, uri)) {
            s.login(SoftHsm.PIN.toCharArray());
            TokenKey priv = s.findPrivateKey(Pkcs11Uri.parse("pkcs11:id=%01"));
            assertArrayEquals(SECRET, RsaWrap.decrypt(s, priv, RsaWrap.Padding.OAEP_SHA1, oaep));
            assertArrayEquals(SECRET, RsaWrap.decrypt(s, priv, RsaWrap.Padding.PKCS1_V15, pkcs1));
            TokenException e = assertThrows(TokenException.class,
                    () -> RsaWrap.decrypt(s, priv, RsaWrap.Padding.OAEP_SHA1, pkcs1));
            assertFalse(e instanceof TokenAbsentException, e.getMessage());
        }
    }

    @Test
    void aesKeyWrapRoundTrip() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "aes").aes("w", "02");
        Pkcs11Uri uri = hsm.uri("w");
        try (TokenSession s = TokenSession.open(hsm.module(), uri)) {
            s.login(SoftHsm.PIN.toCharArray());
            TokenKey w = s.findKey(uri, CKO_SECRET_KEY);
            assertEquals(AesWrap.Kind.KEY_WRAP_PAD, AesWrap.mechanism(s));
            for (AesWrap.Kind kind : AesWrap.Kind.values()) {
                for (int len : new int[] {0, 1, 14, 35, 64, 100}) {
                    byte[] secret = Arrays.copyOf(SECRET, len);
                    if (len > SECRET.length) {
                        Arrays.fill(secret, SECRET.length, len, (byte) 0x5a);
                    }
                    byte[] wrapped = AesWrap.wrap(s, w, kind, secret);
                    assertFalse(new String(wrapped, StandardCharsets.ISO_8859_1).contains("passphrase"));
                    assertArrayEquals(secret, AesWrap.unwrap(s, w, kind, wrapped), kind + " " + len);
                }
            }
            byte[] wrapped = AesWrap.wrap(s, w, AesWrap.Kind.KEY_WRAP_PAD, SECRET);
            wrapped[5] ^= 1;
            TokenException e = assertThrows(TokenException.class,
                    () -> AesWrap.unwrap(s, w, AesWrap.Kind.KEY_WRAP_PAD, wrapped));
            assertFalse(e instanceof TokenAbsentException, e.getMessage());
        }
    }

    @Test
    void wrongPinSaysSoOnceAndWipesThePin() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "pin").aes("w", "02");
        try (TokenSession s = TokenSession.open(hsm.module(), hsm.uri("w"))) {
            char[] wrong = "0000".toCharArray();
            WrongPinException e = assertThrows(WrongPinException.class, () -> s.login(wrong));
            assertArrayEquals(new char[4], wrong, "the PIN is wiped");
            assertTrue(e.getMessage().startsWith("wrong PIN for token pin"), e.getMessage());
            assertFalse(e.getMessage().contains("0000"));
            // SoftHSM2 sets CKF_USER_PIN_COUNT_LOW after a wrong PIN (and never locks)
            assertEquals(PinCounter.COUNT_LOW, e.counter());
            assertTrue(e.getMessage().contains("CKR_PIN_INCORRECT"), e.getMessage());
            // one wrong PIN, one failed login: the right PIN now works, nothing was retried meanwhile
            s.login(SoftHsm.PIN.toCharArray());
            assertEquals(PinCounter.UNKNOWN, PinCounter.of(s.tokenFlags()));
        }
    }

    @Test
    void keyOrTokenNotFound() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "find").rsa("k", "01");
        TokenModule module = hsm.module();
        try (TokenSession s = TokenSession.open(module, hsm.uri("k"))) {
            KeyNotFoundException e = assertThrows(KeyNotFoundException.class, () -> s.findPrivateKey(hsm.uri("k")));
            assertTrue(e.getMessage().contains("after login"), e.getMessage());
            s.login(SoftHsm.PIN.toCharArray());
            s.findPrivateKey(hsm.uri("k"));
            e = assertThrows(KeyNotFoundException.class, () -> s.findPrivateKey(hsm.uri("nope")));
            assertTrue(e.getMessage().contains("\"nope\""), e.getMessage());
            assertThrows(KeyNotFoundException.class, () -> s.findKey(hsm.uri("k"), CKO_SECRET_KEY));
        }
        TokenAbsentException e = assertThrows(TokenAbsentException.class,
                () -> TokenSession.open(module, Pkcs11Uri.parse("pkcs11:token=other")));
        assertTrue(e.getMessage().contains("\"other\""), e.getMessage());
        assertThrows(TokenException.class, () -> TokenModule.load("/nonexistent/libnothing.so"));
    }

    /**
     * Removal as SoftHSM2 shows it: the token's directory deleted while a session is open. Calls fail,
     * the watch fires once; the directory copied back is seen after the watch re-initialises the
     * module, and the watch fires "returned" once.
     */
    @Test
    void removalIsSeenAndTheTokenComesBack() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "gone").aes("w", "02");
        TokenModule module = hsm.module();
        Pkcs11Uri uri = hsm.uri("w");
        Counting listener = new Counting();
        AtomicInteger removed = listener.removed;
        AtomicInteger returned = listener.returned;
        byte[] wrapped;
        try (TokenWatch watch = new TokenWatch(module, uri, listener);
                TokenSession s = TokenSession.open(module, uri)) {
            s.login(SoftHsm.PIN.toCharArray());
            TokenKey w = s.findKey(uri, CKO_SECRET_KEY);
            wrapped = AesWrap.wrap(s, w, AesWrap.Kind.KEY_WRAP_PAD, SECRET);
            assertTrue(watch.check());
            assertEquals(0, removed.get());

            Path saved = dir.resolve("saved");
            Path tokenDir = hsm.tokenDir();
            copyTree(tokenDir, saved);
            deleteTree(tokenDir);

            TokenAbsentException gone = assertThrows(TokenAbsentException.class,
                    () -> AesWrap.unwrap(s, w, AesWrap.Kind.KEY_WRAP_PAD, wrapped));
            assertTrue(gone.getMessage().contains("was removed"), gone.getMessage());
            assertThrows(TokenAbsentException.class, () -> TokenSession.open(module, uri));

            assertFalse(watch.check());
            assertFalse(watch.check());
            assertEquals(1, removed.get());
            assertEquals(0, returned.get());

            copyTree(saved, tokenDir);
            int generation = module.generation();
            assertTrue(watch.check());
            assertNotEquals(generation, module.generation(), "the watch re-initialised the module");
            assertTrue(watch.check());
            assertEquals(1, removed.get());
            assertEquals(1, returned.get());

            // the old session belongs to the module's previous life
            assertThrows(TokenAbsentException.class, () -> s.findKey(uri, CKO_SECRET_KEY));
        }
        try (TokenSession s = TokenSession.open(module, uri)) {
            s.login(SoftHsm.PIN.toCharArray());
            TokenKey w = s.findKey(uri, CKO_SECRET_KEY);
            assertArrayEquals(SECRET, AesWrap.unwrap(s, w, AesWrap.Kind.KEY_WRAP_PAD, wrapped));
        }
    }

    @Test
    void timedWatchFiresOnItsOwn() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "timed").aes("w", "02");
        TokenModule module = hsm.module();
        Counting listener = new Counting();
        try (TokenWatch watch = TokenWatch.start(module, hsm.uri("w"), java.time.Duration.ofMillis(50), listener)) {
            Path tokenDir = hsm.tokenDir();
            Path saved = dir.resolve("saved");
            copyTree(tokenDir, saved);
            deleteTree(tokenDir);
            assertTrue(listener.gone.await(10, TimeUnit.SECONDS), "removal seen");
            copyTree(saved, tokenDir);
            assertTrue(listener.back.await(10, TimeUnit.SECONDS), "return seen");
            assertTrue(watch.present());
            assertEquals(1, listener.removed.get());
            assertEquals(1, listener.returned.get());
        }
    }

    /** Counts the watch's calls, and opens a latch at the first of each. */
    static final class Counting implements TokenWatch.Listener {
        final AtomicInteger removed = new AtomicInteger();
        final AtomicInteger returned = new AtomicInteger();
        final CountDownLatch gone = new CountDownLatch(1);
        final CountDownLatch back = new CountDownLatch(1);

        @Override
        public void removed() {
            removed.incrementAndGet();
            gone.countDown();
        }

        @Override
        public void returned() {
            returned.incrementAndGet();
            back.countDown();
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        SoftHsm.run("cp", "-a", from.toString(), to.toString());
    }

    static void deleteTree(Path p) throws IOException {
        SoftHsm.run("rm", "-rf", p.toString());
    }
}
