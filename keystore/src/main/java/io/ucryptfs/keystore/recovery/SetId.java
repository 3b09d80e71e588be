package io.ucryptfs.keystore.recovery;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The id of one split of one recovery key: 5 random bytes, written as 8 Crockford base32
 * characters. Every share of the split carries it, and so does the vault's {@link RecoveryCheck}, so
 * shares of different vaults, or of an earlier split of the same vault, are told apart before they are
 * combined. 40 bits make two sets with the same id unlikely (and the check value still tells them
 * apart).
 */
public final class SetId {

    static final int BYTES = 5;
    /** The length of {@link #toString()}. */
    static final int CHARS = Crockford.encodedLength(BYTES);

    private final byte[] id;

    private SetId(byte[] id) {
        this.id = id;
    }

    static SetId random(SecureRandom random) {
        byte[] b = new byte[BYTES];
        random.nextBytes(b);
        return new SetId(b);
    }

    /** Copies {@code bytes[from .. from + 5)}. */
    static SetId of(byte[] bytes, int from) {
        return new SetId(Arrays.copyOfRange(bytes, from, from + BYTES));
    }

    /** The id written as {@link #toString()} does, or empty when {@code text} is not one. */
    static java.util.Optional<SetId> parse(String text) {
        if (text.length() != CHARS || !text.chars().allMatch(c -> Crockford.ALPHABET.indexOf(c) >= 0)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new SetId(Crockford.decode(text, BYTES)));
    }

    /** Writes the 5 bytes at {@code to}. */
    void copyTo(byte[] out, int to) {
        System.arraycopy(id, 0, out, to, BYTES);
    }

    byte[] bytes() {
        return id.clone();
    }

    /** "DWS2-ZPXT", as on a share's header line. */
    String dashed() {
        String s = toString();
        return s.substring(0, CHARS / 2) + "-" + s.substring(CHARS / 2);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SetId other && Arrays.equals(id, other.id);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(id);
    }

    /** The 8 characters, such as "DWS2ZPXT". */
    @Override
    public String toString() {
        return Crockford.encode(id);
    }
}
