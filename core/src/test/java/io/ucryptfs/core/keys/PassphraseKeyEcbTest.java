package io.ucryptfs.core.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class PassphraseKeyEcbTest {
    /** The key's own reused ciphers give what a fresh JDK cipher gives, in both directions and lengths. */
    @Test
    void ecbIsPlainAesEcbUnderTheFirstBytesAndSurvivesReuse() throws Exception {
        PassphraseKey key = PassphraseKey.derive("ecb test".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        byte[] data = new byte[32];
        Arrays.fill(data, (byte) 0x5a);
        for (int n : new int[] {16, 24, 32}) {
            Cipher jdk = Cipher.getInstance("AES/ECB/NoPadding");
            jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key.aesKey(n), "AES"));
            byte[] expected = jdk.doFinal(data);
            for (int round = 0; round < 3; round++) {
                byte[] wrapped = key.ecb(Cipher.ENCRYPT_MODE, n, data);
                assertArrayEquals(expected, wrapped, "n=" + n + " round " + round);
                assertArrayEquals(data, key.ecb(Cipher.DECRYPT_MODE, n, wrapped));
            }
        }
    }

    @Test
    void aDestroyedKeyWrapsNothing() {
        PassphraseKey key = PassphraseKey.derive("ecb test".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        key.ecb(Cipher.ENCRYPT_MODE, 16, new byte[16]);
        key.destroy();
        assertThrows(IllegalStateException.class, () -> key.ecb(Cipher.ENCRYPT_MODE, 16, new byte[16]));
        assertThrows(IllegalArgumentException.class,
                () -> PassphraseKey.derive("x".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT).ecb(Cipher.ENCRYPT_MODE, 65, new byte[16]));
    }
}
