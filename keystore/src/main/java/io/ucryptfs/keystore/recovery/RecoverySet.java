package io.ucryptfs.keystore.recovery;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.threshold.ShamirSecretSplitter;
import org.bouncycastle.crypto.threshold.ShamirSplitSecret;
import org.bouncycastle.crypto.threshold.ShamirSplitSecretShare;

/**
 * K-of-N Shamir secret sharing of a {@link RecoveryKey} with Bouncy Castle's
 * {@code org.bouncycastle.crypto.threshold}: each byte of the key is the constant term of its own
 * random polynomial of degree K-1 over GF(2^8) (the AES field, x^8 + x^4 + x^3 + x + 1), and share i
 * holds the 32 values at x = i. Any K shares give the key back by Lagrange interpolation at 0; K-1
 * shares say nothing about it.
 *
 * <p>Bouncy Castle's shares are bare bytes: their index is not part of them, and too few shares (or
 * shares of another key) give a wrong key without an error. So each {@link RecoveryShare} carries its
 * index, K, N and its set id, and {@link #combine} checks all of those first, then the key it gets
 * against the vault's {@link RecoveryCheck}.
 */
public final class RecoverySet {
    private RecoverySet() {}

    /**
     * The most shares a set can have. Bouncy Castle allows 255, but 1.82's
     * {@code ShamirSecretSplitter} sizes its array of shares by the length of the secret (32) and
     * fails beyond it; 32 cards or sheets of paper is also beyond any use we know of.
     */
    public static final int MAX_SHARES = RecoveryKey.BYTES;

    private static final ShamirSecretSplitter.Algorithm FIELD = ShamirSecretSplitter.Algorithm.AES;
    private static final ShamirSecretSplitter.Mode MODE = ShamirSecretSplitter.Mode.Native;

    /**
     * A new split: what the vault stores and the shares to hand out (the caller destroys them once
     * printed or written).
     */
    public record Split(RecoveryCheck check, List<RecoveryShare> shares) {
        public Split {
            shares = List.copyOf(shares);
        }
    }

    /**
     * Splits {@code key} into {@code total} shares of which any {@code threshold} recover it, under a
     * new random set id.
     *
     * @throws IllegalArgumentException unless 1 ≤ threshold ≤ total ≤ {@link #MAX_SHARES}
     */
    public static Split split(RecoveryKey key, int threshold, int total, SecureRandom random) {
        if (threshold < 1) {
            throw new IllegalArgumentException("the threshold must be at least 1 (it is " + threshold + ")");
        }
        if (total < threshold) {
            throw new IllegalArgumentException("the threshold (" + threshold
                    + ") cannot be more than the number of shares (" + total + ")");
        }
        if (total > MAX_SHARES) {
            throw new IllegalArgumentException("at most " + MAX_SHARES + " shares (" + total + " asked)");
        }
        SetId setId = SetId.random(random);
        byte[] secret = key.bytes();
        List<RecoveryShare> shares = new ArrayList<>(total);
        try {
            ShamirSplitSecretShare[] bc = new ShamirSecretSplitter(FIELD, MODE, RecoveryKey.BYTES, random)
                    .resplit(secret, threshold, total).getSecretShares();
            for (int i = 0; i < total; i++) {
                byte[] y = bc[i].getEncoded();
                shares.add(new RecoveryShare(setId, threshold, total, i + 1, y));
                Arrays.fill(y, (byte) 0);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Bouncy Castle could not read its own share", e);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        return new Split(new RecoveryCheck(setId, threshold, total, key.check(setId)), shares);
    }

    /**
     * The recovery key from shares typed by a person, in the order given (messages name them by
     * their number and their place).
     *
     * @throws RecoveryException a share is mistyped, or see {@link #combine}
     */
    public static RecoveryKey combineTexts(RecoveryCheck check, List<String> texts) throws RecoveryException {
        List<RecoveryShare> shares = new ArrayList<>(texts.size());
        try {
            for (int p = 0; p < texts.size(); p++) {
                shares.add(RecoveryShare.parse(texts.get(p), p + 1));
            }
            return combine(check, shares);
        } finally {
            shares.forEach(RecoveryShare::destroy);
        }
    }

    /**
     * The recovery key that {@code shares} combine to, verified against {@code check}; the caller
     * destroys it.
     *
     * @throws RecoveryException the shares are from another set, repeat one another, are too few, or
     *     do not give this vault's key
     */
    public static RecoveryKey combine(RecoveryCheck check, List<RecoveryShare> shares) throws RecoveryException {
        if (shares.isEmpty()) {
            throw new RecoveryException("no shares given (" + check.threshold() + " needed)");
        }
        checkSets(check, shares);
        Map<Integer, Integer> seen = new HashMap<>();
        for (int p = 0; p < shares.size(); p++) {
            RecoveryShare s = shares.get(p);
            if (s.threshold() != check.threshold() || s.total() != check.total()) {
                throw new RecoveryException(RecoveryShare.name(s.index(), p + 1) + " is damaged: it says any "
                        + s.threshold() + " of " + s.total() + " recover, and this vault's set is any "
                        + check.threshold() + " of " + check.total());
            }
            Integer first = seen.putIfAbsent(s.index(), p + 1);
            if (first != null) {
                throw new RecoveryException("duplicate share: share " + s.index() + " is given twice (the "
                        + RecoveryShare.ordinal(first) + " and the " + RecoveryShare.ordinal(p + 1) + ")");
            }
        }
        if (shares.size() < check.threshold()) {
            throw new RecoveryException("too few shares (" + shares.size() + " of " + check.threshold() + " needed)");
        }
        RecoveryKey key = RecoveryKey.wrapping(interpolate(shares));
        if (!check.matches(key)) {
            key.destroy();
            throw new RecoveryException("these shares do not combine to this vault's recovery key"
                    + " (one may be damaged, or be from an earlier set with the same id)");
        }
        return key;
    }

    private static void checkSets(RecoveryCheck check, List<RecoveryShare> shares) throws RecoveryException {
        SetId vaultSet = check.setId();
        List<Integer> foreign = new ArrayList<>();
        for (int p = 0; p < shares.size(); p++) {
            if (!shares.get(p).setId().equals(vaultSet)) {
                foreign.add(p);
            }
        }
        if (foreign.isEmpty()) {
            return;
        }
        SetId firstForeign = shares.get(foreign.get(0)).setId();
        if (foreign.size() == shares.size() && shares.stream().allMatch(s -> s.setId().equals(firstForeign))) {
            throw new RecoveryException("these shares are from recovery set " + firstForeign
                    + ", not from this vault's (set " + vaultSet + ")");
        }
        int p = foreign.get(0);
        throw new RecoveryException("shares from different sets: " + RecoveryShare.name(shares.get(p).index(), p + 1)
                + " is from set " + firstForeign + ", this vault's set is " + vaultSet);
    }

    /** Lagrange interpolation at 0 of all the shares given (distinct indexes, same set). */
    private static byte[] interpolate(List<RecoveryShare> shares) {
        ShamirSplitSecretShare[] bc = new ShamirSplitSecretShare[shares.size()];
        for (int i = 0; i < bc.length; i++) {
            byte[] y = shares.get(i).shareBytes();
            bc[i] = new ShamirSplitSecretShare(y, shares.get(i).index());
            Arrays.fill(y, (byte) 0);
        }
        try {
            return new ShamirSplitSecret(FIELD, MODE, bc).getSecret();
        } catch (IOException e) {
            throw new IllegalStateException("Bouncy Castle could not read its own share", e);
        }
    }
}
