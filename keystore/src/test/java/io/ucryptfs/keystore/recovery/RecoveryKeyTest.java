package io.ucryptfs.keystore.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RecoveryKeyTest {

    static final SecureRandom RANDOM = new SecureRandom();
    static final byte[] PASSPHRASE = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Test
    void wrapsAndUnwraps() throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            byte[] wrapped = key.wrap(PASSPHRASE, RANDOM);
            assertEquals(12 + PASSPHRASE.length + 16, wrapped.length);
            assertArrayEquals(PASSPHRASE, key.unwrap(wrapped));
            assertFalse(Arrays.equals(wrapped, key.wrap(PASSPHRASE, RANDOM)), "a new nonce each time");
        }
    }

    @Test
    void anotherKeyOrADamagedWrapIsRefused() {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM); RecoveryKey other = RecoveryKey.generate(RANDOM)) {
            byte[] wrapped = key.wrap(PASSPHRASE, RANDOM);
            RecoveryException e = assertThrows(RecoveryException.class, () -> other.unwrap(wrapped));
            assertEquals("the recovery key does not open the wrapped passphrase: it is damaged or was wrapped"
                    + " by another recovery key", e.getMessage());
            for (int i = 0; i < wrapped.length; i++) {
                byte[] damaged = wrapped.clone();
                damaged[i] ^= 1;
                assertThrows(RecoveryException.class, () -> key.unwrap(damaged));
            }
            assertEquals("the wrapped passphrase is damaged: it is too short",
                    assertThrows(RecoveryException.class, () -> key.unwrap(new byte[27])).getMessage());
        }
    }

    @Test
    void theCheckValueDependsOnTheKeyAndTheSet() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        try (RecoveryKey a = RecoveryKey.wrapping(bytes.clone()); RecoveryKey same = RecoveryKey.wrapping(bytes.clone());
                RecoveryKey b = RecoveryKey.generate(RANDOM)) {
            SetId set = SetId.of(new byte[] {1, 2, 3, 4, 5}, 0);
            assertEquals(16, a.check(set).length);
            assertArrayEquals(a.check(set), same.check(set));
            assertFalse(Arrays.equals(a.check(set), b.check(set)));
            assertFalse(Arrays.equals(a.check(set), a.check(SetId.of(new byte[] {1, 2, 3, 4, 6}, 0))));
        }
    }

    @Test
    void destroyWipesAndToStringShowsNothing() {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) 0x5a);
        RecoveryKey key = RecoveryKey.wrapping(bytes);
        assertEquals("RecoveryKey[32 bytes]", key.toString());
        key.close();
        assertTrue(key.isDestroyed());
        assertArrayEquals(new byte[32], bytes, "wiped in place");
        assertEquals("RecoveryKey[destroyed]", key.toString());
        assertThrows(IllegalStateException.class, () -> key.wrap(PASSPHRASE, RANDOM));
        assertThrows(IllegalArgumentException.class, () -> RecoveryKey.wrapping(new byte[16]));
    }
}
