package io.ucryptfs.keystore.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RecoveryShareTest {

    static final SecureRandom RANDOM = new SecureRandom();
    static RecoverySet.Split split;
    /** Share 4 of 5, any 3 recover. */
    static RecoveryShare four;

    @BeforeAll
    static void split() {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            split = RecoverySet.split(key, 3, 5, RANDOM);
        }
        four = split.shares().get(3);
    }

    static void assertSameShare(RecoveryShare expected, RecoveryShare actual) {
        assertArrayEquals(expected.encoded(), actual.encoded());
    }

    static String plain(RecoveryShare s) {
        return s.code().replace("-", "");
    }

    @Test
    void printedFormSaysWhichShareItIs() {
        String[] lines = four.printed().split("\n");
        assertEquals(3, lines.length);
        assertEquals("ucryptfs recovery share 4 of 5, any 3 recover (set "
                + four.setId().dashed() + ")", lines[0]);
        assertTrue(lines[1].matches("([0-9A-HJKMNP-TV-Z]{6}-){5}[0-9A-HJKMNP-TV-Z]{6}"), lines[1]);
        assertTrue(lines[2].matches("([0-9A-HJKMNP-TV-Z]{6}-){5}[0-9A-HJKMNP-TV-Z]{6}"), lines[2]);
        assertEquals(72, RecoveryShare.CODE_CHARS);
        assertEquals(72, plain(four).length());
        assertEquals("RecoveryShare[" + lines[0] + "]", four.toString());
    }

    @Test
    void roundTripsThroughTextAndBytes() throws Exception {
        for (RecoveryShare s : split.shares()) {
            assertSameShare(s, RecoveryShare.parse(s.printed()));
            assertSameShare(s, RecoveryShare.parse(s.code()));
            assertSameShare(s, RecoveryShare.decode(s.encoded()));
            RecoveryShare back = RecoveryShare.parse(s.printed());
            assertEquals(s.index(), back.index());
            assertEquals(3, back.threshold());
            assertEquals(5, back.total());
            assertEquals(s.setId(), back.setId());
        }
    }

    @Test
    void messyInputIsRead() throws Exception {
        String code = plain(four);
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            StringBuilder messy = new StringBuilder(trial % 2 == 0 ? "  " + four.header().toUpperCase() + "\r\n" : "");
            for (int i = 0; i < code.length(); i++) {
                char c = code.charAt(i);
                // a person's reading of 0 and 1, and any case
                if (c == '0' && r.nextBoolean()) {
                    c = r.nextBoolean() ? 'O' : 'o';
                } else if (c == '1' && r.nextBoolean()) {
                    c = "IiLl".charAt(r.nextInt(4));
                } else if (r.nextBoolean()) {
                    c = Character.toLowerCase(c);
                }
                messy.append(c);
                switch (r.nextInt(12)) {
                    case 0 -> messy.append(' ');
                    case 1 -> messy.append("--");
                    case 2 -> messy.append(" - ");
                    case 3 -> messy.append('\n');
                    case 4 -> messy.append("\t\u2013");
                    default -> { }
                }
            }
            assertSameShare(four, RecoveryShare.parse(messy.toString()));
        }
        assertSameShare(four, RecoveryShare.parse(four.printed().toLowerCase().replace('-', ' ')));
    }

    @Test
    void everyMistypedCharacterIsCaughtAndTheShareNamed() {
        // Every position (version, set id, K, N, index, share bytes, checksum) and every other character.
        String code = plain(four);
        int checked = 0;
        for (int i = 0; i < code.length(); i++) {
            for (char c : Crockford.ALPHABET.toCharArray()) {
                if (c == code.charAt(i)) {
                    continue;
                }
                String typo = code.substring(0, i) + c + code.substring(i + 1);
                RecoveryException e = assertThrows(RecoveryException.class, () -> RecoveryShare.parse(typo, 2));
                assertTrue(e.getMessage().contains("is mistyped (checksum)"), e.getMessage());
                assertTrue(e.getMessage().contains("2nd"), e.getMessage());
                // Outside the index's three characters (12..14), the share is named by its own number.
                if (i < 12 || i > 14) {
                    assertTrue(e.getMessage().startsWith("share 4 (the 2nd given) is mistyped (checksum)"), e.getMessage());
                }
                // With the header line, the header names it.
                String withHeader = four.header() + "\n" + typo;
                RecoveryException h = assertThrows(RecoveryException.class, () -> RecoveryShare.parse(withHeader));
                assertTrue(h.getMessage().startsWith("share 4 is mistyped (checksum)"), h.getMessage());
                checked++;
            }
        }
        assertEquals(72 * 31, checked);
    }

    @Test
    void swappedNeighboursAreCaught() {
        String code = plain(four);
        for (int i = 0; i + 1 < code.length(); i++) {
            if (code.charAt(i) == code.charAt(i + 1)) {
                continue;
            }
            String swapped = code.substring(0, i) + code.charAt(i + 1) + code.charAt(i) + code.substring(i + 2);
            RecoveryException e = assertThrows(RecoveryException.class, () -> RecoveryShare.parse(swapped));
            assertTrue(e.getMessage().contains("mistyped (checksum)"), e.getMessage());
        }
    }

    @Test
    void aMistypedShareIsNamedWhenCombining() {
        List<RecoveryShare> s = split.shares();
        String code = plain(s.get(3));
        char last = code.charAt(40);
        String typo = code.substring(0, 40) + (last == 'X' ? 'Y' : 'X') + code.substring(41);
        RecoveryException e = assertThrows(RecoveryException.class, () -> RecoverySet.combineTexts(split.check(),
                List.of(s.get(0).printed(), typo, s.get(1).printed())));
        assertEquals("share 4 (the 2nd given) is mistyped (checksum): compare it with the printed share"
                + " character by character", e.getMessage());
    }

    @Test
    void charactersOutsideTheAlphabetAndWrongLengthsAreNamed() {
        String code = plain(four);
        String u = code.substring(0, 16) + 'U' + code.substring(17);
        RecoveryException e = assertThrows(RecoveryException.class, () -> RecoveryShare.parse(u, 3));
        assertTrue(e.getMessage().startsWith("the 3rd share given is mistyped: character 17 ('U') is not a share character"),
                e.getMessage());
        e = assertThrows(RecoveryException.class, () -> RecoveryShare.parse(four.header() + "\n" + u));
        assertTrue(e.getMessage().startsWith("share 4 is mistyped: character 17 ('U')"), e.getMessage());
        e = assertThrows(RecoveryException.class, () -> RecoveryShare.parse(code.substring(1)));
        assertEquals("a share is mistyped: it has 71 characters, not 72 (1 missing)", e.getMessage());
        e = assertThrows(RecoveryException.class, () -> RecoveryShare.parse(code + "AB", 1));
        assertEquals("the 1st share given is mistyped: it has 74 characters, not 72 (2 too many)", e.getMessage());
        e = assertThrows(RecoveryException.class, () -> RecoveryShare.parse(""));
        assertEquals("a share is mistyped: it has 0 characters, not 72 (72 missing)", e.getMessage());
    }

    @Test
    void aHeaderThatDisagreesWithTheCharactersIsRefused() {
        String wrongHeader = four.header().replace("share 4 of 5", "share 2 of 5") + "\n" + four.code();
        RecoveryException e = assertThrows(RecoveryException.class, () -> RecoveryShare.parse(wrongHeader));
        assertEquals("share 2: its header line says share 2 of 5 but its characters are share 4 of 5", e.getMessage());
    }

    @Test
    void bytesOfAnotherVersionOrLengthAreRefused() {
        byte[] b = four.encoded();
        assertEquals(RecoveryShare.ENCODED_BYTES, b.length);
        assertEquals(45, b.length);
        byte[] shorter = java.util.Arrays.copyOf(b, 44);
        assertEquals("a share is damaged: it is 44 bytes, not 45",
                assertThrows(RecoveryException.class, () -> RecoveryShare.decode(shorter)).getMessage());
        b[0] = 2;
        assertTrue(assertThrows(RecoveryException.class, () -> RecoveryShare.decode(b)).getMessage()
                .contains("mistyped (checksum)"));
        withCrc(b);
        assertEquals("a share is of share format 2, from a newer ucryptfs; this one reads format 1",
                assertThrows(RecoveryException.class, () -> RecoveryShare.decode(b)).getMessage());
        b[0] = 1;
        b[8] = 6; // share 6 of 5
        withCrc(b);
        assertEquals("a share is damaged: it says share 6 of 5, any 3 recover",
                assertThrows(RecoveryException.class, () -> RecoveryShare.decode(b)).getMessage());
    }

    /** Sets the last 4 bytes to the CRC-32C of the others, as a bug or a forger would. */
    static void withCrc(byte[] b) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b, 0, b.length - 4);
        java.nio.ByteBuffer.wrap(b, b.length - 4, 4).putInt((int) c.getValue());
    }

    @Test
    void destroyWipesTheShare() {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            RecoveryShare s = RecoverySet.split(key, 1, 1, RANDOM).shares().get(0);
            assertFalse(s.isDestroyed());
            s.destroy();
            assertTrue(s.isDestroyed());
            assertThrows(IllegalStateException.class, s::encoded);
            assertTrue(s.toString().endsWith(", destroyed]"));
        }
    }

    @Test
    void ordinals() {
        assertEquals(List.of("1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"),
                List.of(1, 2, 3, 4, 11, 12, 13, 21, 22, 101).stream().map(RecoveryShare::ordinal).toList());
    }
}
