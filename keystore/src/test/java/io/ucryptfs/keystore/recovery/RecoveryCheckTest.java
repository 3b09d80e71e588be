package io.ucryptfs.keystore.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RecoveryCheckTest {

    static final SecureRandom RANDOM = new SecureRandom();

    static RecoveryCheck check() {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            return RecoverySet.split(key, 3, 5, RANDOM).check();
        }
    }

    @Test
    void entriesRoundTripAndFitAVaultConfig() throws Exception {
        RecoveryCheck c = check();
        Map<String, String> e = c.entries();
        assertEquals(List.of("recovery-set", "threshold", "shares", "key-check"), List.copyOf(e.keySet()));
        assertTrue(e.get("recovery-set").matches("[0-9A-HJKMNP-TV-Z]{8}"), e.get("recovery-set"));
        assertTrue(e.get("key-check").matches("[0-9a-f]{32}"));
        // VaultConfig's rules for keys and values.
        e.forEach((k, v) -> {
            assertTrue(k.matches("[a-z0-9][a-z0-9.-]*"), k);
            assertEquals(v.strip(), v);
        });
        Map<String, String> withOthers = new LinkedHashMap<>(e);
        withOthers.put("kind", "recovery");
        RecoveryCheck back = RecoveryCheck.fromEntries(withOthers);
        assertEquals(c.entries(), back.entries());
        assertEquals(c.setId(), back.setId());
        assertEquals(c.setId().toString(), e.get("recovery-set"));
        assertEquals(3, back.threshold());
        assertEquals(5, back.total());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "recovery-set|      |it has no recovery-set",
        "recovery-set|4CX29QR|recovery-set is not 8 base32 characters",
        "recovery-set|4cx29qrm|recovery-set is not 8 base32 characters",
        "threshold|         |it has no threshold",
        "threshold|x        |threshold is not a number from 1 to 32",
        "threshold|0        |it says any 0 of 5 shares recover",
        "threshold|6        |it says any 6 of 5 shares recover",
        "shares|40          |it says any 3 of 40 shares recover",
        "key-check|         |it has no key-check",
        "key-check|00ff     |key-check is not 32 lowercase hex digits",
    })
    void damagedEntriesAreRefused(String key, String value, String message) {
        Map<String, String> e = new LinkedHashMap<>(check().entries());
        if (value == null) {
            e.remove(key);
        } else {
            e.put(key, value);
        }
        RecoveryException x = assertThrows(RecoveryException.class, () -> RecoveryCheck.fromEntries(e));
        assertEquals("the vault's recovery settings are damaged: " + message, x.getMessage());
    }
}
