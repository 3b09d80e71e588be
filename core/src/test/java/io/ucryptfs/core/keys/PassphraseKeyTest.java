package io.ucryptfs.core.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PassphraseKeyTest {

    private static PassphraseKey key(String pass, byte[] salt) {
        return PassphraseKey.derive(pass.getBytes(StandardCharsets.UTF_8), salt);
    }

    @Test
    void signaturesMatchEcryptfsUtils() {
        // values from ../shared/ecryptfs-vectors/README.md and the cases' case.txt
        assertEquals("c2c4f8d7a355df41", key("abc", PassphraseKey.DEFAULT_SALT).signature());
        assertEquals("2f3cd34e34ab6305", key("abc", PassphraseKey.FNEK_SALT).signature());
        assertEquals("cc1531732665f5ae", key("kernel-vector-aes128", PassphraseKey.DEFAULT_SALT).signature());
        assertEquals("a436cfa63a36ede1", key("kernel-vector-fnek128", PassphraseKey.FNEK_SALT).signature());
        assertEquals("23520ec2c28cc7b2",
                key("00ff16e10b7c31ea6ec81abcefb92052", PassphraseKey.DEFAULT_SALT).signature());
    }

    @Test
    void destroyWipesAndToStringHidesKey() {
        PassphraseKey k = key("abc", PassphraseKey.DEFAULT_SALT);
        assertEquals("PassphraseKey[sig=c2c4f8d7a355df41]", k.toString());
        assertFalse(k.isDestroyed());
        k.destroy();
        assertThrows(IllegalStateException.class, () -> k.aesKey(16));
    }
}
