package io.ucryptfs.keystore.recovery;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a vault keeps about its recovery set, none of it secret: the set id, K, N, and the check value
 * of the recovery key ({@link RecoveryKey}: 16 bytes of an HMAC-SHA256 under a key derived from the
 * recovery key, over the set id). Shares that combine to a key with another check value are not this
 * vault's, or are too few; Bouncy Castle's combination gives a wrong key silently in both cases.
 *
 * <p>As config entries ({@link #entries()}):
 * <pre>
 * recovery-set = DWS2ZPXT
 * threshold = 3
 * shares = 5
 * key-check = 00112233445566778899aabbccddeeff
 * </pre>
 */
public final class RecoveryCheck {

    public static final String SET = "recovery-set";
    public static final String THRESHOLD = "threshold";
    public static final String SHARES = "shares";
    public static final String KEY_CHECK = "key-check";

    private final SetId setId;
    private final int threshold;
    private final int total;
    private final byte[] check;

    RecoveryCheck(SetId setId, int threshold, int total, byte[] check) {
        this.setId = setId;
        this.threshold = threshold;
        this.total = total;
        this.check = check.clone();
    }

    /** The id of the vault's recovery set, as on its shares. */
    public SetId setId() {
        return setId;
    }

    public int threshold() {
        return threshold;
    }

    public int total() {
        return total;
    }

    /** Whether {@code key} is the key this check value was made from. */
    boolean matches(RecoveryKey key) {
        return MessageDigest.isEqual(key.check(setId), check);
    }

    /** The entries to store, in order. */
    public Map<String, String> entries() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put(SET, setId.toString());
        e.put(THRESHOLD, Integer.toString(threshold));
        e.put(SHARES, Integer.toString(total));
        e.put(KEY_CHECK, HexFormat.of().formatHex(check));
        return e;
    }

    /**
     * Reads the entries of {@link #entries()} (other keys are ignored).
     *
     * @throws RecoveryException one is missing or malformed
     */
    public static RecoveryCheck fromEntries(Map<String, String> entries) throws RecoveryException {
        SetId set = SetId.parse(require(entries, SET)).orElseThrow(
                () -> damaged(SET + " is not " + SetId.CHARS + " base32 characters"));
        int k = number(entries, THRESHOLD);
        int n = number(entries, SHARES);
        if (k < 1 || n < k || n > RecoverySet.MAX_SHARES) {
            throw damaged("it says any " + k + " of " + n + " shares recover");
        }
        String hex = require(entries, KEY_CHECK);
        if (!hex.matches("[0-9a-f]{" + 2 * RecoveryKey.CHECK_BYTES + "}")) {
            throw damaged(KEY_CHECK + " is not " + 2 * RecoveryKey.CHECK_BYTES + " lowercase hex digits");
        }
        return new RecoveryCheck(set, k, n, HexFormat.of().parseHex(hex));
    }

    private static String require(Map<String, String> entries, String key) throws RecoveryException {
        String v = entries.get(key);
        if (v == null) {
            throw damaged("it has no " + key);
        }
        return v;
    }

    private static int number(Map<String, String> entries, String key) throws RecoveryException {
        String v = require(entries, key);
        if (!v.matches("[0-9]{1,3}")) {
            throw damaged(key + " is not a number from 1 to " + RecoverySet.MAX_SHARES);
        }
        return Integer.parseInt(v);
    }

    private static RecoveryException damaged(String what) {
        return new RecoveryException("the vault's recovery settings are damaged: " + what);
    }

    @Override
    public String toString() {
        return "RecoveryCheck[set " + setId + ", any " + threshold + " of " + total + "]";
    }
}
