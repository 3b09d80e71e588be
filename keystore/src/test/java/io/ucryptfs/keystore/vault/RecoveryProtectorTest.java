package io.ucryptfs.keystore.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.keystore.recovery.RecoveryKey;
import io.ucryptfs.keystore.recovery.RecoverySet;
import io.ucryptfs.keystore.recovery.RecoveryShare;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 3-of-5 recovery protector in a real vault config: every 3 shares open it, no 2 do. */
class RecoveryProtectorTest {
    final SecureRandom rng = new SecureRandom();

    @TempDir
    Path dir;

    Vault.Created v;
    List<String> printed;

    void init() throws Exception {
        Path lower = dir.resolve("l");
        v = Vault.init(lower, Vault.defaultConfig(lower), "first".toCharArray(), 16, true, rng);
        RecoverySet.Split split;
        try (RecoveryKey key = RecoveryKey.generate(rng)) {
            split = RecoverySet.split(key, 3, 5, rng);
            try (MountPassphrase mp = unlock(new PassphraseCredential("first".toCharArray()))) {
                assertEquals("recovery", VaultProtectors.add(v.config(), VaultConfig.read(v.config()), mp,
                        Vault.recoveryModule(), RecoveryCredential.forNew(key, split.check()), "3 of 5 cards", rng));
            }
        }
        printed = split.shares().stream().map(RecoveryShare::printed).toList();
    }

    MountPassphrase unlock(Credential c) throws Exception {
        return Vault.mountPassphrase(VaultConfig.read(v.config()), c, id -> true, n -> { });
    }

    byte[] mountPassphraseWithPassword() throws Exception {
        try (MountPassphrase mp = unlock(new PassphraseCredential("first".toCharArray()))) {
            return mp.bytes().clone();
        }
    }

    @Test
    void everyThreeSharesOpenTheVaultAndNoTwoDo() throws Exception {
        init();
        byte[] expected = mountPassphraseWithPassword();
        int opened = 0;
        for (int a = 0; a < 5; a++) {
            for (int b = a + 1; b < 5; b++) {
                for (int c = b + 1; c < 5; c++) {
                    try (MountPassphrase mp = unlock(RecoveryCredential.ofShares(List.of(printed.get(c), printed.get(a), printed.get(b))))) {
                        assertEquals("recovery", mp.protectorId());
                        assertTrue(java.util.Arrays.equals(expected, mp.bytes()), "shares " + a + b + c);
                        opened++;
                    }
                }
                int fa = a;
                int fb = b;
                SharesRefusedException e = assertThrows(SharesRefusedException.class,
                        () -> unlock(RecoveryCredential.ofShares(List.of(printed.get(fa), printed.get(fb)))));
                assertEquals("too few shares (2 of 3 needed)", e.why());
            }
        }
        assertEquals(10, opened);
    }

    @Test
    void aMistypedShareIsNamed() throws Exception {
        init();
        String code = printed.get(3).lines().skip(1).reduce("", (x, y) -> x + y + "\n");
        int at = code.indexOf('-') + 2;
        char wrong = code.charAt(at) == 'A' ? 'B' : 'A';
        String typo = code.substring(0, at) + wrong + code.substring(at + 1);
        SharesRefusedException e = assertThrows(SharesRefusedException.class,
                () -> unlock(RecoveryCredential.ofShares(List.of(printed.get(0), typo, printed.get(1)))));
        assertTrue(e.why().contains("share 4") && e.why().contains("mistyped"), e.why());
    }

    @Test
    void theConfigHoldsNoShareAndADamagedSectionSaysSo() throws Exception {
        init();
        String conf = Files.readString(v.config());
        for (String p : printed) {
            for (String line : p.lines().skip(1).toList()) {
                assertTrue(!conf.contains(line.replace("-", "")) && !conf.contains(line), "a share in the config");
            }
        }
        Files.writeString(v.config(), conf.replace("threshold = 3", "threshold = 2"));
        VaultException e = assertThrows(VaultException.class,
                () -> unlock(RecoveryCredential.ofShares(printed.subList(0, 3))));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void sharesOfAnotherVaultAreRefused() throws Exception {
        init();
        List<String> mine = printed;
        Path lower2 = dir.resolve("l2");
        Vault.Created other = Vault.init(lower2, Vault.defaultConfig(lower2), "x".toCharArray(), 16, true, rng);
        try (RecoveryKey key = RecoveryKey.generate(rng)) {
            RecoverySet.Split split = RecoverySet.split(key, 3, 5, rng);
            try (MountPassphrase mp = Vault.mountPassphrase(VaultConfig.read(other.config()),
                    new PassphraseCredential("x".toCharArray()), id -> true, n -> { })) {
                VaultProtectors.add(other.config(), VaultConfig.read(other.config()), mp, Vault.recoveryModule(),
                        RecoveryCredential.forNew(key, split.check()), null, rng);
            }
        }
        List<String> shares = new ArrayList<>(mine.subList(0, 3));
        SharesRefusedException e = assertThrows(SharesRefusedException.class, () -> Vault.mountPassphrase(
                VaultConfig.read(other.config()), RecoveryCredential.ofShares(shares), id -> true, n -> { }));
        assertTrue(e.why().contains("recovery set"), e.why());
    }
}
