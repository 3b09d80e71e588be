package io.ucryptfs.keystore.vault;

import io.ucryptfs.keystore.recovery.RecoveryCheck;
import io.ucryptfs.keystore.recovery.RecoveryKey;
import java.util.List;
import java.util.Optional;

/**
 * What opens a recovery protector: the shares a person types back ({@link #ofShares}), or, when a
 * protector is made, the new recovery key and its check ({@link #forNew}). The shares' text is held
 * as Strings (Java cannot wipe those); the recovery key is wiped by {@link #destroy()}.
 */
public final class RecoveryCredential implements Credential {
    private final List<String> shares;
    private final RecoveryKey key;
    private final RecoveryCheck check;

    private RecoveryCredential(List<String> shares, RecoveryKey key, RecoveryCheck check) {
        this.shares = shares;
        this.key = key;
        this.check = check;
    }

    /** Shares as typed (a header line or not, any case, spaces and dashes anywhere). */
    public static RecoveryCredential ofShares(List<String> shares) {
        return new RecoveryCredential(List.copyOf(shares), null, null);
    }

    /** A new recovery key and the check of its split, for a new protector; this object destroys the key. */
    public static RecoveryCredential forNew(RecoveryKey key, RecoveryCheck check) {
        return new RecoveryCredential(List.of(), key, check);
    }

    List<String> shares() {
        return shares;
    }

    Optional<RecoveryKey> newKey() {
        return Optional.ofNullable(key);
    }

    Optional<RecoveryCheck> newCheck() {
        return Optional.ofNullable(check);
    }

    @Override
    public String describe() {
        return key != null ? "a new recovery key" : shares.size() + (shares.size() == 1 ? " recovery share" : " recovery shares");
    }

    @Override
    public void destroy() {
        if (key != null) {
            key.destroy();
        }
    }

    @Override
    public boolean isDestroyed() {
        return key != null && key.isDestroyed();
    }

    @Override
    public String toString() {
        return "RecoveryCredential[" + describe() + "]";
    }
}
