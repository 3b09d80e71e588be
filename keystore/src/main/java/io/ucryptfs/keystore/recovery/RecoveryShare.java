package io.ucryptfs.keystore.recovery;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import javax.security.auth.Destroyable;

/**
 * One share of a recovery key, and its two forms: 45 bytes (for a token) and 72 characters of
 * Crockford base32 in 12 groups of 6 (for paper), printed under a header line:
 *
 * <pre>
 * ucryptfs recovery share 2 of 5, any 3 recover (set DWS2-ZPXT)
 * 05QK4B-YVQ81G-A0K7FW-Z1GWAC-SFEPW0-K2B7N0
 * Z156C5-5NCSNM-C94GY9-8G46E8-SP0FS1-4GN4SP
 * </pre>
 *
 * <p>The bytes, in order: format version (1), the set id (5 random bytes naming one split of one
 * vault's recovery key), the threshold K, the number of shares N, this share's index (1..N, its x
 * coordinate), the share (32 bytes, the y values of Bouncy Castle's byte-wise Shamir split), and a
 * CRC-32C of all that came before. The CRC finds every mistyped character and every swap of two
 * neighbouring ones (both change at most 10 adjacent bits; a CRC-32 finds every burst of up to 32),
 * so a share that passes it is the share that was printed.
 *
 * <p>{@link #parse} takes what a person types: any case, spaces, dashes and line breaks anywhere,
 * {@code I}/{@code L} for 1 and {@code O} for 0, and the header line or not.
 *
 * <p>{@link #destroy()} wipes the share bytes; {@link #toString()} shows only the header.
 */
public final class RecoveryShare implements Destroyable {

    public static final int VERSION = 1;
    /** Bouncy Castle numbers shares 1..n with n at most 255; the index is one byte. */
    static final int MAX_INDEX = 255;
    static final int SHARE_BYTES = RecoveryKey.BYTES;
    private static final int HEADER_BYTES = 1 + SetId.BYTES + 3;
    private static final int K_AT = 1 + SetId.BYTES;
    private static final int N_AT = K_AT + 1;
    private static final int INDEX_AT = N_AT + 1;
    private static final int CRC_BYTES = 4;
    /** The length of {@link #encoded()}. */
    public static final int ENCODED_BYTES = HEADER_BYTES + SHARE_BYTES + CRC_BYTES;
    /** The number of characters of {@link #code()}, dashes left out. */
    public static final int CODE_CHARS = Crockford.encodedLength(ENCODED_BYTES);
    static final int GROUP = 6;
    static final int GROUPS_PER_LINE = 6;
    static final String HEADER_START = "ucryptfs recovery share";

    private static final Pattern HEADER_NUMBERS = Pattern.compile("share\\s+(\\d{1,3})\\s+of\\s+(\\d{1,3})");

    private final SetId setId;
    private final int threshold;
    private final int total;
    private final int index;
    private final byte[] share;
    private volatile boolean destroyed;

    /** Copies {@code share}. */
    RecoveryShare(SetId setId, int threshold, int total, int index, byte[] share) {
        if (share.length != SHARE_BYTES) {
            throw new IllegalArgumentException("a share is " + SHARE_BYTES + " bytes, not " + share.length);
        }
        if (threshold < 1 || total < threshold || total > MAX_INDEX || index < 1 || index > total) {
            throw new IllegalArgumentException("share " + index + " of " + total + ", any " + threshold
                    + " recover: not a valid share");
        }
        this.setId = setId;
        this.threshold = threshold;
        this.total = total;
        this.index = index;
        this.share = share.clone();
    }

    /** The id of the set this share is of. */
    public SetId setId() {
        return setId;
    }

    /** K: how many shares recover the key. */
    public int threshold() {
        return threshold;
    }

    /** N: how many shares the set has. */
    public int total() {
        return total;
    }

    /** This share's number, 1..N. */
    public int index() {
        return index;
    }

    /** A copy of the share bytes; the caller wipes it. */
    byte[] shareBytes() {
        live();
        return share.clone();
    }

    // ---- bytes ----

    /** The 45-byte form, for storing on a token; the caller wipes it. */
    public byte[] encoded() {
        live();
        byte[] out = new byte[ENCODED_BYTES];
        out[0] = VERSION;
        setId.copyTo(out, 1);
        out[K_AT] = (byte) threshold;
        out[N_AT] = (byte) total;
        out[INDEX_AT] = (byte) index;
        System.arraycopy(share, 0, out, HEADER_BYTES, SHARE_BYTES);
        int crc = crc(out);
        for (int i = 0; i < CRC_BYTES; i++) {
            out[ENCODED_BYTES - CRC_BYTES + i] = (byte) (crc >>> (24 - 8 * i));
        }
        return out;
    }

    /** Reads the 45-byte form of {@link #encoded()}. */
    public static RecoveryShare decode(byte[] encoded) throws RecoveryException {
        return decode(encoded, "a share");
    }

    private static RecoveryShare decode(byte[] b, String name) throws RecoveryException {
        if (b.length != ENCODED_BYTES) {
            throw new RecoveryException(name + " is damaged: it is " + b.length + " bytes, not " + ENCODED_BYTES);
        }
        int stored = 0;
        for (int i = 0; i < CRC_BYTES; i++) {
            stored = (stored << 8) | (b[ENCODED_BYTES - CRC_BYTES + i] & 0xff);
        }
        if (stored != crc(b)) {
            throw new RecoveryException(name + " is mistyped (checksum): compare it with the printed share"
                    + " character by character");
        }
        int version = b[0] & 0xff;
        if (version != VERSION) {
            throw new RecoveryException(name + " is of share format " + version
                    + (version > VERSION ? ", from a newer ucryptfs; this one reads format " + VERSION : ", which does not exist"));
        }
        int k = b[K_AT] & 0xff;
        int n = b[N_AT] & 0xff;
        int i = b[INDEX_AT] & 0xff;
        if (k < 1 || n < k || i < 1 || i > n) {
            throw new RecoveryException(name + " is damaged: it says share " + i + " of " + n + ", any " + k + " recover");
        }
        byte[] share = Arrays.copyOfRange(b, HEADER_BYTES, HEADER_BYTES + SHARE_BYTES);
        try {
            return new RecoveryShare(SetId.of(b, 1), k, n, i, share);
        } finally {
            Arrays.fill(share, (byte) 0);
        }
    }

    private static int crc(byte[] encoded) {
        CRC32C c = new CRC32C();
        c.update(encoded, 0, ENCODED_BYTES - CRC_BYTES);
        return (int) c.getValue();
    }

    // ---- text ----

    /** "ucryptfs recovery share 2 of 5, any 3 recover (set DWS2-ZPXT)". */
    public String header() {
        return HEADER_START + " " + index + " of " + total + ", any " + threshold + " recover (set "
                + setId.dashed() + ")";
    }

    /** The 72 characters in groups of 6 joined by dashes, on one line. */
    public String code() {
        byte[] e = encoded();
        String chars = Crockford.encode(e);
        Arrays.fill(e, (byte) 0);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < chars.length(); i += GROUP) {
            if (i > 0) {
                out.append('-');
            }
            out.append(chars, i, Math.min(chars.length(), i + GROUP));
        }
        return out.toString();
    }

    /** The header line, then the code on lines of 6 groups; ends with a line break. */
    public String printed() {
        String[] groups = code().split("-");
        StringBuilder out = new StringBuilder(header()).append('\n');
        for (int g = 0; g < groups.length; g++) {
            out.append(groups[g]).append(g % GROUPS_PER_LINE == GROUPS_PER_LINE - 1 || g == groups.length - 1 ? "\n" : "-");
        }
        return out.toString();
    }

    /** Reads a share as a person typed it (see the class comment). */
    public static RecoveryShare parse(String text) throws RecoveryException {
        return parse(text, 0);
    }

    /**
     * Reads a share; {@code position} (from 1, or 0 for none) is its place among the shares given,
     * named in messages when the share's own number cannot be trusted.
     */
    static RecoveryShare parse(String text, int position) throws RecoveryException {
        StringBuilder code = new StringBuilder(CODE_CHARS);
        int headerIndex = 0;
        int headerTotal = 0;
        for (String line : text.split("\\R")) {
            if (line.strip().toLowerCase(Locale.ROOT).startsWith("ucryptfs")) {
                Matcher m = HEADER_NUMBERS.matcher(line.toLowerCase(Locale.ROOT));
                if (m.find()) {
                    headerIndex = Integer.parseInt(m.group(1));
                    headerTotal = Integer.parseInt(m.group(2));
                }
                continue;
            }
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (!Character.isWhitespace(c) && !Character.isSpaceChar(c)
                        && Character.getType(c) != Character.DASH_PUNCTUATION) {
                    code.append(c);
                }
            }
        }
        String given = headerIndex > 0 ? name(headerIndex, position) : name(0, position);
        for (int i = 0; i < code.length(); i++) {
            if (Crockford.value(code.charAt(i)) < 0) {
                throw new RecoveryException(given + " is mistyped: character " + (i + 1) + " ('" + code.charAt(i)
                        + "') is not a share character (digits and letters but I, L, O, U; dashes and spaces are ignored)");
            }
        }
        if (code.length() != CODE_CHARS) {
            int d = code.length() - CODE_CHARS;
            throw new RecoveryException(given + " is mistyped: it has " + code.length() + " characters, not "
                    + CODE_CHARS + " (" + Math.abs(d) + (d < 0 ? " missing" : " too many") + ")");
        }
        byte[] b = Crockford.decode(code, ENCODED_BYTES);
        try {
            if (headerIndex == 0) {
                // Name the share by the number it holds, which may be the mistyped part.
                int n = b[N_AT] & 0xff;
                int i = b[INDEX_AT] & 0xff;
                given = name(i >= 1 && i <= n ? i : 0, position);
            }
            RecoveryShare s = decode(b, given);
            if (headerIndex > 0 && (headerIndex != s.index || headerTotal != s.total)) {
                String what = "share " + s.index + " of " + s.total;
                s.destroy();
                throw new RecoveryException(given + ": its header line says share " + headerIndex + " of "
                        + headerTotal + " but its characters are " + what);
            }
            return s;
        } finally {
            Arrays.fill(b, (byte) 0);
        }
    }

    /** "share 4 (the 2nd given)", "share 4", "the 2nd share given" or "a share". */
    static String name(int index, int position) {
        if (index > 0) {
            return "share " + index + (position > 0 ? " (the " + ordinal(position) + " given)" : "");
        }
        return position > 0 ? "the " + ordinal(position) + " share given" : "a share";
    }

    static String ordinal(int n) {
        int tens = n % 100;
        int ones = n % 10;
        String suffix = tens >= 11 && tens <= 13 ? "th" : ones == 1 ? "st" : ones == 2 ? "nd" : ones == 3 ? "rd" : "th";
        return n + suffix;
    }

    // ---- the rest ----

    private void live() {
        if (destroyed) {
            throw new IllegalStateException("the recovery share has been destroyed");
        }
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(share, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "RecoveryShare[" + header() + (destroyed ? ", destroyed" : "") + "]";
    }
}
