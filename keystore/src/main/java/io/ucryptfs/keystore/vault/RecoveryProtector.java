package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.keystore.recovery.RecoveryCheck;
import io.ucryptfs.keystore.recovery.RecoveryException;
import io.ucryptfs.keystore.recovery.RecoveryKey;
import io.ucryptfs.keystore.recovery.RecoverySet;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A k-of-n recovery protector: the mount passphrase wrapped (AES-256-GCM, see {@link RecoveryKey})
 * under a random recovery key that exists nowhere but split into shares ({@link RecoverySet}); any K
 * of the N shares give it back. What the config keeps is not secret:
 *
 * <pre>
 * kind = recovery-shamir-v1
 * recovery-set = DWS2ZPXT                (the set id every share carries)
 * threshold = 3
 * shares = 5
 * key-check = (16 bytes, hex: tells this vault's recovery key from any other combination)
 * data = (nonce ‖ AES-GCM of the mount passphrase ‖ tag, base64)
 * check = (first 8 bytes of SHA-256 of the lines above, hex)
 * </pre>
 *
 * <p>Each protector gets a recovery key of its own: shares of an earlier, removed protector open
 * nothing here. Share problems (too few, mistyped, of another set, repeated) are "wrong credential"
 * failures whose message says which; the check value is tested before any unwrapping, so a failing
 * unwrap after it means damage.
 */
final class RecoveryProtector extends BaseProtector {
    static final String KIND = "recovery-shamir-v1";

    private static final List<String> CHECKED = List.of(Protectors.KIND, RecoveryCheck.SET, RecoveryCheck.THRESHOLD,
            RecoveryCheck.SHARES, RecoveryCheck.KEY_CHECK, Protectors.DATA);

    static final KeyModule MODULE = new BaseKeyModule(KIND, RecoveryCredential.class, "recovery") {
        @Override
        public Protector open(VaultConfig.Section section) throws VaultException {
            return new RecoveryProtector(section);
        }

        @Override
        public Map<String, String> protect(String id, byte[] mountPassphrase, Credential credential, SecureRandom rng) {
            RecoveryCredential c = Protectors.as(RecoveryCredential.class, credential, this);
            RecoveryKey key = c.newKey().orElseThrow(
                    () -> new IllegalArgumentException("a recovery protector is made from a new recovery key, not from shares"));
            Map<String, String> e = new LinkedHashMap<>();
            e.put(Protectors.KIND, KIND);
            e.putAll(c.newCheck().orElseThrow().entries());
            e.put(Protectors.DATA, Base64.getEncoder().encodeToString(key.wrap(mountPassphrase, rng)));
            e.put(Protectors.CHECK, Protectors.check(e, CHECKED));
            return e;
        }
    };

    private final RecoveryCheck check;
    private final byte[] wrapped;

    private RecoveryProtector(VaultConfig.Section section) throws VaultException {
        super(MODULE, section);
        Protectors.verifyCheck(section, CHECKED);
        try {
            this.check = RecoveryCheck.fromEntries(section.entries());
        } catch (RecoveryException e) {
            throw Protectors.damaged(section, e.getMessage());
        }
        this.wrapped = Protectors.base64(section, Protectors.DATA, Protectors.require(section, Protectors.DATA));
    }

    @Override
    public String details() {
        return "any " + check.threshold() + " of " + check.total() + " shares (set " + check.setId() + ")";
    }

    @Override
    public byte[] unlock(Credential credential) throws WrongPassphraseException, VaultException {
        RecoveryCredential c = Protectors.as(RecoveryCredential.class, credential, MODULE);
        RecoveryKey key;
        try {
            key = RecoverySet.combineTexts(check, new ArrayList<>(c.shares()));
        } catch (RecoveryException e) {
            throw new SharesRefusedException(e.getMessage());
        }
        try (key) {
            return key.unwrap(wrapped);
        } catch (RecoveryException e) {
            throw Protectors.damaged(section, "its shares give the right key, but " + e.getMessage());
        }
    }
}
