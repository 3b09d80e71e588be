package io.ucryptfs.core.names;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NameBytesTest {

    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    @Test
    void textIsItsUtf8() {
        for (String s : new String[] {"a", "été", "日本語", "\uD83D\uDE00 emoji", "\uFFFD", "\uD83D\uDC80"}) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(utf8, NameBytes.encode(s), s);
            assertEquals(s, NameBytes.decode(utf8), s);
            assertTrue(NameBytes.isText(s), s);
            assertEquals(utf8.length, NameBytes.length(s));
        }
    }

    @Test
    void everyByteOutsideUtf8IsOneEscapeAndRoundTrips() {
        for (int b = 0x80; b <= 0xFF; b++) {
            byte[] name = {(byte) b, 'X'};
            String s = NameBytes.decode(name);
            assertEquals(String.valueOf((char) (0xDC00 | b)) + "X", s);
            assertFalse(NameBytes.isText(s));
            assertArrayEquals(name, NameBytes.encode(s));
        }
    }

    @Test
    void namesThatDifferOnlyInInvalidBytesStayDistinct() {
        String ff = NameBytes.decode(hex("ff58"));
        String fe = NameBytes.decode(hex("fe58"));
        assertNotEquals(ff, fe);
        assertArrayEquals(hex("ff58"), NameBytes.encode(ff));
        assertArrayEquals(hex("fe58"), NameBytes.encode(fe));
    }

    @Test
    void malformedSequencesEscapeByteByByteAndKeepWhatFollows() {
        String[][] cases = {
            {"e282", "\uDCE2\uDC82"},                 // truncated 3-byte sequence
            {"e28241", "\uDCE2\uDC82A"},              // ... followed by ASCII
            {"c0af", "\uDCC0\uDCAF"},                 // overlong '/'
            {"eda080", "\uDCED\uDCA0\uDC80"},         // an encoded surrogate (CESU-8)
            {"f4908080", "\uDCF4\uDC90\uDC80\uDC80"}, // past U+10FFFF
            {"c3a9ff", "é\uDCFF"},                    // valid, then invalid
            {"80c3a9", "\uDC80é"},
        };
        for (String[] c : cases) {
            assertEquals(c[1], NameBytes.decode(hex(c[0])), c[0]);
            assertArrayEquals(hex(c[0]), NameBytes.encode(c[1]), c[0]);
        }
    }

    @Test
    void randomByteStringsRoundTripAndStayDistinct() {
        Random rnd = new Random(42);
        Set<String> strings = new HashSet<>();
        Set<String> bytes = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[1 + rnd.nextInt(40)];
            rnd.nextBytes(b);
            String s = NameBytes.decode(b);
            assertArrayEquals(b, NameBytes.encode(s));
            assertEquals(s, NameBytes.decode(NameBytes.encode(s)));
            strings.add(s);
            bytes.add(HexFormat.of().formatHex(b));
        }
        assertEquals(bytes.size(), strings.size(), "one String per byte string");
    }

    @Test
    void stringsThatStandForNoBytesAreRefused() {
        // escapes that spell valid UTF-8: the bytes C3 A9 are "é", not these two escapes
        assertThrows(IllegalArgumentException.class, () -> NameBytes.encode("\uDCC3\uDCA9"));
        assertThrows(IllegalArgumentException.class, () -> NameBytes.encode("a\uD800b")); // lone high surrogate
        assertThrows(IllegalArgumentException.class, () -> NameBytes.encode("a\uDC41"));  // escape of an ASCII byte
        assertThrows(IllegalArgumentException.class, () -> NameBytes.encode("\uD83D"));
    }
}
