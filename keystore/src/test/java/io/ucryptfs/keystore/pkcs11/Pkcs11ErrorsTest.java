package io.ucryptfs.keystore.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The error mapping with a fake module: codes as a real reader gives them, and a token-info probe
 * that answers as a present or a vanished token would.
 */
class Pkcs11ErrorsTest {
    private static final long PRESENT = CKF_TOKEN_INITIALIZED | CKF_USER_PIN_INITIALIZED | CKF_LOGIN_REQUIRED;
    private static final LongSupplier GONE_PROBE = () -> -1;
    private static final LongSupplier PRESENT_PROBE = () -> PRESENT;

    @ParameterizedTest
    @ValueSource(longs = {CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED,
        CKR_TOKEN_NOT_RECOGNIZED, CKR_CRYPTOKI_NOT_INITIALIZED})
    void readerRemovalCodesMeanRemovedWithoutAsking(long ckr) {
        AtomicInteger asked = new AtomicInteger();
        TokenException e = TokenErrors.map(ckr, "decrypting with private key k", "card", () -> {
            asked.incrementAndGet();
            return PRESENT;
        });
        assertInstanceOf(TokenAbsentException.class, e);
        assertEquals(ckr, e.ckr());
        assertEquals(0, asked.get());
        assertTrue(e.getMessage().startsWith("token card was removed (decrypting with private key k failed)"),
                e.getMessage());
        assertTrue(e.getMessage().contains(TokenException.ckrName(ckr)), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(longs = {CKR_GENERAL_ERROR, CKR_DEVICE_ERROR, CKR_KEY_HANDLE_INVALID, CKR_UNWRAPPING_KEY_HANDLE_INVALID,
        CKR_WRAPPING_KEY_HANDLE_INVALID, CKR_OBJECT_HANDLE_INVALID})
    void ambiguousCodesAskTheToken(long ckr) {
        assertInstanceOf(TokenAbsentException.class, TokenErrors.map(ckr, "unwrap", "softhsm", GONE_PROBE));
        TokenException there = TokenErrors.map(ckr, "unwrap", "softhsm", PRESENT_PROBE);
        assertFalse(there instanceof TokenAbsentException);
        assertEquals("unwrap on token softhsm failed (" + TokenException.ckrName(ckr) + ")", there.getMessage());
    }

    @Test
    void wrongPinTellsTheCounter() {
        WrongPinException plain = assertInstanceOf(WrongPinException.class,
                TokenErrors.map(CKR_PIN_INCORRECT, "login", "card", PRESENT_PROBE));
        assertEquals(PinCounter.UNKNOWN, plain.counter());
        assertEquals("wrong PIN for token card (CKR_PIN_INCORRECT)", plain.getMessage());

        WrongPinException low = assertInstanceOf(WrongPinException.class,
                TokenErrors.map(CKR_PIN_INCORRECT, "login", "card", () -> PRESENT | CKF_USER_PIN_COUNT_LOW));
        assertEquals(PinCounter.COUNT_LOW, low.counter());

        WrongPinException last = assertInstanceOf(WrongPinException.class, TokenErrors.map(CKR_PIN_INCORRECT,
                "login", "card", () -> PRESENT | CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY));
        assertEquals(PinCounter.FINAL_TRY, last.counter());
        assertTrue(last.getMessage().contains("one try left"), last.getMessage());

        assertInstanceOf(WrongPinException.class, TokenErrors.map(CKR_PIN_LEN_RANGE, "login", "card", GONE_PROBE));
    }

    @Test
    void lockedPin() {
        // the wrong PIN that locked it
        assertInstanceOf(PinLockedException.class,
                TokenErrors.map(CKR_PIN_INCORRECT, "login", "card", () -> PRESENT | CKF_USER_PIN_LOCKED));
        // locked before
        TokenException e = TokenErrors.map(CKR_PIN_LOCKED, "login", "card", PRESENT_PROBE);
        assertInstanceOf(PinLockedException.class, e);
        assertTrue(e.getMessage().startsWith("the PIN of token card is locked"), e.getMessage());
    }

    @Test
    void otherCodesAreNamed() {
        TokenException e = TokenErrors.map(CKR_MECHANISM_INVALID, "decrypting", "card", GONE_PROBE);
        assertEquals(TokenException.class, e.getClass());
        assertEquals("decrypting on token card failed (CKR_MECHANISM_INVALID)", e.getMessage());
        assertEquals("x (CKR 0x8ABCDEF0)", new TokenException("x", 0x8ABCDEF0L, null).getMessage());
    }

    @Test
    void pinCounterFromFlags() {
        assertEquals(PinCounter.UNKNOWN, PinCounter.of(-1));
        assertEquals(PinCounter.UNKNOWN, PinCounter.of(PRESENT));
        assertEquals(PinCounter.LOCKED, PinCounter.of(CKF_USER_PIN_LOCKED | CKF_USER_PIN_FINAL_TRY));
    }

    @Test
    void aesWrapFrames() throws TokenException {
        for (int len : new int[] {0, 1, 13, 14, 15, 64, AesWrap.MAX_SECRET}) {
            byte[] secret = new byte[len];
            java.util.Arrays.fill(secret, (byte) 7);
            byte[] frame = AesWrap.frame(secret);
            assertEquals(0, frame.length % 8);
            assertTrue(frame.length >= 16);
            assertArrayEquals(secret, AesWrap.unframe(frame));
        }
        assertThrows(IllegalArgumentException.class, () -> AesWrap.frame(new byte[AesWrap.MAX_SECRET + 1]));
        byte[] frame = AesWrap.frame(new byte[] {1, 2, 3});
        frame[15] = 1;
        assertThrows(TokenException.class, () -> AesWrap.unframe(frame));
        assertThrows(TokenException.class, () -> AesWrap.unframe(new byte[] {0, 20, 0, 0, 0, 0, 0, 0}));
    }
}
