package io.ucryptfs.keystore.vault;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The protector kinds this version knows, by the {@code kind} name in the config, and the
 * {@code data}/{@code check} pair they may store: {@code data} is base64, {@code check} is the first
 * 8 bytes of the SHA-256 of the decoded data in hex, so a damaged {@code data} line is told apart from a
 * wrong secret before any unwrapping. Adding a kind is one class plus one line here.
 */
public final class Protectors {
    private Protectors() {}

    /** Opens a protector from its config section. */
    @FunctionalInterface
    public interface Kind {
        Protector open(VaultConfig.Section section) throws VaultException;
    }

    private static final Map<String, Kind> KINDS = Map.of(
            WrappedPassphraseProtector.KIND, WrappedPassphraseProtector::open);

    public static final String KIND = "kind";
    public static final String DATA = "data";
    public static final String CHECK = "check";

    /** The protector of a section, or empty when its kind is unknown to this version. */
    public static Optional<Protector> open(VaultConfig.Section section) throws VaultException {
        String kind = section.get(KIND).orElseThrow(() -> new VaultException(
                "protector " + section.label() + " is damaged: it has no kind"));
        Kind k = KINDS.get(kind);
        return k == null ? Optional.empty() : Optional.of(k.open(section));
    }

    /** The {@code kind}, {@code data} and {@code check} entries for storing {@code data}. */
    static Map<String, String> entries(String kind, byte[] data) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put(KIND, kind);
        e.put(DATA, Base64.getEncoder().encodeToString(data));
        e.put(CHECK, check(data));
        return e;
    }

    /** The decoded {@code data} of a section, verified against its {@code check}. */
    static byte[] data(VaultConfig.Section section) throws VaultException {
        String d = section.get(DATA).orElseThrow(() -> new VaultException(
                "protector " + section.label() + " is damaged: it has no data"));
        String c = section.get(CHECK).orElseThrow(() -> new VaultException(
                "protector " + section.label() + " is damaged: it has no check"));
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(d);
        } catch (IllegalArgumentException e) {
            throw new VaultException("protector " + section.label() + " is damaged: its data is not base64");
        }
        if (!MessageDigest.isEqual(check(bytes).getBytes(), c.getBytes())) {
            throw new VaultException("protector " + section.label() + " is damaged: its data does not match its check");
        }
        return bytes;
    }

    static String check(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
