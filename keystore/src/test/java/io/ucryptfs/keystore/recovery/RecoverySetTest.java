package io.ucryptfs.keystore.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecoverySetTest {

    static final SecureRandom RANDOM = new SecureRandom();

    /** The shares of {@code shares} whose bit is set in {@code mask} (bit i: share i+1). */
    static List<RecoveryShare> subset(List<RecoveryShare> shares, int mask) {
        List<RecoveryShare> out = new ArrayList<>();
        for (int i = 0; i < shares.size(); i++) {
            if ((mask & (1 << i)) != 0) {
                out.add(shares.get(i));
            }
        }
        return out;
    }

    static RecoveryException refused(RecoveryCheck check, List<RecoveryShare> shares) {
        return assertThrows(RecoveryException.class, () -> RecoverySet.combine(check, shares));
    }

    @Test
    void threeOfFiveEverySubsetOfThreeOrMoreRecoversTheKeyAndNoSmallerOneDoes() throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            byte[] expected = key.bytes();
            RecoverySet.Split split = RecoverySet.split(key, 3, 5, RANDOM);
            int threes = 0;
            int pairs = 0;
            for (int mask = 1; mask < 32; mask++) {
                List<RecoveryShare> s = subset(split.shares(), mask);
                if (s.size() >= 3) {
                    try (RecoveryKey got = RecoverySet.combine(split.check(), s)) {
                        assertArrayEquals(expected, got.bytes(), "subset " + Integer.toBinaryString(mask));
                    }
                    threes += s.size() == 3 ? 1 : 0;
                } else {
                    RecoveryException e = refused(split.check(), s);
                    assertEquals("too few shares (" + s.size() + " of 3 needed)", e.getMessage());
                    pairs += s.size() == 2 ? 1 : 0;
                }
            }
            assertEquals(10, threes);
            assertEquals(10, pairs);
        }
    }

    @Test
    void everyThreeOfFiveRecoversFromTheirPrintedText() throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            RecoverySet.Split split = RecoverySet.split(key, 3, 5, RANDOM);
            for (int mask = 1; mask < 32; mask++) {
                if (Integer.bitCount(mask) != 3) {
                    continue;
                }
                List<String> texts = subset(split.shares(), mask).stream().map(RecoveryShare::printed).toList();
                try (RecoveryKey got = RecoverySet.combineTexts(split.check(), texts)) {
                    assertArrayEquals(key.bytes(), got.bytes());
                }
            }
        }
    }

    @Test
    void theWholeWayRecoversTheMountPassphrase() throws Exception {
        byte[] passphrase = "the mount passphrase, 64 hex digits or so".getBytes(StandardCharsets.UTF_8);
        RecoverySet.Split split;
        byte[] wrapped;
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            wrapped = key.wrap(passphrase, RANDOM);
            split = RecoverySet.split(key, 3, 5, RANDOM);
        }
        List<String> paper = split.shares().stream().map(RecoveryShare::printed).toList();
        split.shares().forEach(RecoveryShare::destroy);
        // Stored in the config as text, read back.
        RecoveryCheck stored = RecoveryCheck.fromEntries(split.check().entries());
        try (RecoveryKey key = RecoverySet.combineTexts(stored, List.of(paper.get(4), paper.get(0), paper.get(2)))) {
            assertArrayEquals(passphrase, key.unwrap(wrapped));
        }
    }

    @Test
    void sharesOfAnotherSetAreRefused() throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM); RecoveryKey other = RecoveryKey.generate(RANDOM)) {
            RecoverySet.Split ours = RecoverySet.split(key, 3, 5, RANDOM);
            RecoverySet.Split theirs = RecoverySet.split(other, 3, 5, RANDOM);
            RecoveryException all = refused(ours.check(), theirs.shares().subList(0, 3));
            assertEquals("these shares are from recovery set " + theirs.check().setId()
                    + ", not from this vault's (set " + ours.check().setId() + ")", all.getMessage());
            List<RecoveryShare> mixed = List.of(ours.shares().get(0), ours.shares().get(1), theirs.shares().get(2));
            RecoveryException m = refused(ours.check(), mixed);
            assertTrue(m.getMessage().startsWith("shares from different sets: share 3 (the 3rd given) is from set "
                    + theirs.check().setId()), m.getMessage());
            // The same key split twice: two sets, not to be mixed either.
            RecoverySet.Split again = RecoverySet.split(key, 3, 5, RANDOM);
            assertTrue(refused(again.check(), mixed.subList(0, 2)).getMessage().startsWith("these shares are from recovery set"));
        }
    }

    @Test
    void duplicateSharesAreRefused() throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            RecoverySet.Split split = RecoverySet.split(key, 3, 5, RANDOM);
            List<RecoveryShare> s = split.shares();
            assertEquals("duplicate share: share 2 is given twice (the 1st and the 3rd)",
                    refused(split.check(), List.of(s.get(1), s.get(3), s.get(1))).getMessage());
            String text = s.get(4).printed();
            RecoveryException e = assertThrows(RecoveryException.class, () -> RecoverySet.combineTexts(split.check(),
                    List.of(text, s.get(0).code(), text.toLowerCase())));
            assertEquals("duplicate share: share 5 is given twice (the 1st and the 3rd)", e.getMessage());
        }
    }

    @Test
    void sharesThatDoNotGiveTheVaultsKeyAreToldByTheCheckValue() throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM); RecoveryKey other = RecoveryKey.generate(RANDOM)) {
            RecoverySet.Split ours = RecoverySet.split(key, 3, 5, RANDOM);
            RecoverySet.Split theirs = RecoverySet.split(other, 3, 5, RANDOM);
            // Another key's shares under our set id (what a set made again with a reused id would give).
            List<RecoveryShare> relabelled = theirs.shares().stream().limit(3)
                    .map(s -> new RecoveryShare(ours.check().setId(), 3, 5, s.index(), s.shareBytes())).toList();
            assertEquals("these shares do not combine to this vault's recovery key"
                    + " (one may be damaged, or be from an earlier set with the same id)",
                    refused(ours.check(), relabelled).getMessage());
            // Bouncy Castle alone: two shares of a 3-of-5 give a wrong key, without an error. Were K
            // stored wrongly as 2, the check value still refuses the result.
            RecoveryCheck wrongK = new RecoveryCheck(ours.check().setId(), 2, 5, key.check(ours.check().setId()));
            List<RecoveryShare> two = ours.shares().stream().limit(2)
                    .map(s -> new RecoveryShare(ours.check().setId(), 2, 5, s.index(), s.shareBytes())).toList();
            assertTrue(refused(wrongK, two).getMessage().startsWith("these shares do not combine"));
        }
    }

    @Test
    void aShareClaimingAnotherThresholdIsDamaged() throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            RecoverySet.Split split = RecoverySet.split(key, 3, 5, RANDOM);
            RecoveryShare s = split.shares().get(1);
            RecoveryShare forged = new RecoveryShare(split.check().setId(), 2, 5, 2, s.shareBytes());
            assertEquals("share 2 (the 2nd given) is damaged: it says any 2 of 5 recover, and this vault's set is any 3 of 5",
                    refused(split.check(), List.of(split.shares().get(0), forged)).getMessage());
        }
    }

    @ParameterizedTest
    @CsvSource({"1,1", "2,2", "5,5", "1,3", "2,3", "4,6", "2,32", "32,32"})
    void edgeCasesRecoverWithExactlyKSharesAndNotWithFewer(int k, int n) throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            RecoverySet.Split split = RecoverySet.split(key, k, n, RANDOM);
            assertEquals(n, split.shares().size());
            List<RecoveryShare> s = split.shares();
            // The last K, the first K, and all of them.
            for (List<RecoveryShare> enough : List.of(s.subList(n - k, n), s.subList(0, k), s)) {
                try (RecoveryKey got = RecoverySet.combine(split.check(), enough)) {
                    assertArrayEquals(key.bytes(), got.bytes());
                }
            }
            if (k > 1) {
                assertEquals("too few shares (" + (k - 1) + " of " + k + " needed)",
                        refused(split.check(), s.subList(1, k)).getMessage());
            }
            assertEquals("no shares given (" + k + " needed)", refused(split.check(), List.of()).getMessage());
        }
    }

    @Test
    void fiveOfFiveNeedsEveryShare() throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            RecoverySet.Split split = RecoverySet.split(key, 5, 5, RANDOM);
            for (int mask = 1; mask < 31; mask++) {
                List<RecoveryShare> s = subset(split.shares(), mask);
                assertEquals("too few shares (" + s.size() + " of 5 needed)", refused(split.check(), s).getMessage());
            }
        }
    }

    @ParameterizedTest
    @CsvSource({
        "0,3,the threshold must be at least 1 (it is 0)",
        "-1,3,the threshold must be at least 1 (it is -1)",
        "4,3,the threshold (4) cannot be more than the number of shares (3)",
        "1,0,the threshold (1) cannot be more than the number of shares (0)",
        "3,33,at most 32 shares (33 asked)",
        "3,255,at most 32 shares (255 asked)",
        "3,256,at most 32 shares (256 asked)",
    })
    void invalidThresholdsAndCountsAreRefused(int k, int n, String message) {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RecoverySet.split(key, k, n, RANDOM));
            assertEquals(message, e.getMessage());
        }
    }

    @Test
    void eachSplitHasItsOwnSetIdAndShares() throws Exception {
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            RecoverySet.Split a = RecoverySet.split(key, 2, 3, RANDOM);
            RecoverySet.Split b = RecoverySet.split(key, 2, 3, RANDOM);
            assertFalse(a.check().setId().equals(b.check().setId()));
            assertFalse(java.util.Arrays.equals(a.shares().get(0).shareBytes(), b.shares().get(0).shareBytes()));
            for (RecoveryShare s : a.shares()) {
                assertEquals(a.check().setId(), s.setId());
                assertEquals(2, s.threshold());
                assertEquals(3, s.total());
            }
        }
    }
}
