package io.ucryptfs.keystore.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.keystore.recovery.RecoveryException;
import io.ucryptfs.keystore.recovery.RecoveryKey;
import io.ucryptfs.keystore.recovery.RecoverySet;
import io.ucryptfs.keystore.recovery.RecoveryShare;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery shares written to five SoftHSM2 tokens, one each, and read back: any 3 cards recover. */
class TokenSharesTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] SECRET = "the mount passphrase".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static Pkcs11Uri card(int i) {
        return Pkcs11Uri.parse("pkcs11:token=card" + i + "?module-path=" + SoftHsm.MODULE);
    }

    @Test
    void fiveCardsAnyThreeRecoverTwoAreRefused() throws Exception {
        for (int i = 1; i <= 5; i++) {
            SoftHsm.token(dir, "card" + i); // one token directory, five tokens
        }
        TokenModule module = TokenModule.load(SoftHsm.MODULE);
        module.reinitialize();
        RecoveryKey key = RecoveryKey.generate(RANDOM);
        byte[] wrapped = key.wrap(SECRET, RANDOM);
        RecoverySet.Split split = RecoverySet.split(key, 3, 5, RANDOM);
        key.destroy();
        List<byte[]> written = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            RecoveryShare share = split.shares().get(i - 1);
            written.add(share.encoded());
            try (TokenSession s = TokenSession.openReadWrite(module, card(i))) {
                TokenException e = assertThrows(TokenException.class, () -> TokenShares.write(s, share));
                assertTrue(e.getMessage().contains("needs a login"), e.getMessage());
                s.login(SoftHsm.PIN.toCharArray());
                TokenShares.ShareObject o = TokenShares.write(s, share);
                assertEquals("ucryptfs recovery share " + share.setId() + " " + i, o.label());
            }
        }
        module.reinitialize(); // a fresh look, as another process would have

        List<RecoveryShare> cards = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            try (TokenSession s = TokenSession.open(module, card(i))) {
                TokenException e = assertThrows(TokenException.class, () -> TokenShares.list(s));
                assertTrue(e.getMessage().contains("needs a login"), e.getMessage());
                s.login(SoftHsm.PIN.toCharArray());
                assertEquals(1, TokenShares.list(s).size());
                List<RecoveryShare> got = TokenShares.read(s, card(i), Optional.of(split.check().setId()));
                assertEquals(1, got.size());
                assertArrayEquals(written.get(i - 1), got.get(0).encoded(), "card" + i);
                cards.add(got.get(0));
                s.logout();
            }
        }
        // by the URI's object=
        try (TokenSession s = TokenSession.open(module, card(2))) {
            s.login(SoftHsm.PIN.toCharArray());
            String label = "ucryptfs recovery share " + split.check().setId() + " 2";
            Pkcs11Uri byLabel = Pkcs11Uri.parse("pkcs11:token=card2;object=" + label.replace(" ", "%20")
                    + "?module-path=" + SoftHsm.MODULE);
            assertEquals(2, TokenShares.read(s, byLabel, Optional.empty()).get(0).index());
            KeyNotFoundException e = assertThrows(KeyNotFoundException.class, () -> TokenShares.read(s,
                    Pkcs11Uri.parse("pkcs11:token=card2;object=nothing?module-path=" + SoftHsm.MODULE), Optional.empty()));
            assertTrue(e.getMessage().contains("it holds: " + label), e.getMessage());
            s.logout();
        }

        int threes = 0;
        int pairs = 0;
        for (int mask = 1; mask < 32; mask++) {
            List<RecoveryShare> subset = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                if ((mask & (1 << i)) != 0) {
                    subset.add(cards.get(i));
                }
            }
            if (subset.size() == 3) {
                try (RecoveryKey got = RecoverySet.combine(split.check(), subset)) {
                    assertArrayEquals(SECRET, got.unwrap(wrapped), Integer.toBinaryString(mask));
                }
                threes++;
            } else if (subset.size() == 2) {
                RecoveryException e = assertThrows(RecoveryException.class, () -> RecoverySet.combine(split.check(), subset));
                assertEquals("too few shares (2 of 3 needed)", e.getMessage());
                pairs++;
            }
        }
        assertEquals(10, threes);
        assertEquals(10, pairs);
    }

    @Test
    void wrongPinAbsentTokenOtherSetAndDelete() throws Exception {
        SoftHsm.token(dir, "card1");
        TokenModule module = TokenModule.load(SoftHsm.MODULE);
        module.reinitialize();
        RecoverySet.Split split;
        try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
            split = RecoverySet.split(key, 2, 3, RANDOM);
        }
        try (TokenSession s = TokenSession.openReadWrite(module, card(1))) {
            assertThrows(WrongPinException.class, () -> s.login("0000".toCharArray()));
            s.login(SoftHsm.PIN.toCharArray());
            TokenShares.ShareObject o = TokenShares.write(s, split.shares().get(0));
            RecoverySet.Split other;
            try (RecoveryKey key = RecoveryKey.generate(RANDOM)) {
                other = RecoverySet.split(key, 2, 3, RANDOM);
            }
            KeyNotFoundException e = assertThrows(KeyNotFoundException.class,
                    () -> TokenShares.read(s, card(1), Optional.of(other.check().setId())));
            assertEquals("no ucryptfs recovery share of set " + other.check().setId() + " on token card1 (it holds: "
                    + o.label() + ")", e.getMessage());
            TokenShares.delete(s, o);
            assertTrue(TokenShares.list(s).isEmpty());
            s.logout();
        }
        assertThrows(TokenAbsentException.class, () -> TokenSession.open(module, card(9)));
    }
}
