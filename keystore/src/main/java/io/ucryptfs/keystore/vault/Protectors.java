package io.ucryptfs.keystore.vault;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The protector kinds this version knows ({@link KeyModule}s by their {@code kind} name) and the
 * {@code check} values they store, so a damaged section is told apart from a wrong secret before
 * any unwrapping. Adding a kind is one class plus one entry in {@link #MODULES}.
 */
public final class Protectors {
    private Protectors() {}

    private static final Map<String, KeyModule> MODULES = register(
            Argon2Protector.MODULE,
            KeyFileProtector.MODULE,
            RecoveryProtector.MODULE,
            WrappedPassphraseProtector.MODULE,
            TokenProtector.MODULE);

    public static final String KIND = "kind";
    public static final String DATA = "data";
    public static final String CHECK = "check";

    private static Map<String, KeyModule> register(KeyModule... modules) {
        Map<String, KeyModule> m = new LinkedHashMap<>();
        for (KeyModule k : modules) {
            if (m.put(k.kind(), k) != null) {
                throw new IllegalStateException("two key modules of kind " + k.kind());
            }
        }
        return Map.copyOf(m);
    }

    /** The module of a kind, or empty when this version does not know it. */
    public static Optional<KeyModule> module(String kind) {
        return Optional.ofNullable(MODULES.get(kind));
    }

    /** Every known module. */
    public static Collection<KeyModule> modules() {
        return MODULES.values();
    }

    /** The section's {@code kind}; damaged when it has none. */
    static String kindOf(VaultConfig.Section section) throws VaultException {
        return section.get(KIND).orElseThrow(() -> damaged(section, "it has no kind"));
    }

    /** The protector of a section, or empty when its kind is unknown to this version. */
    public static Optional<Protector> open(VaultConfig.Section section) throws VaultException {
        Optional<KeyModule> k = module(kindOf(section));
        return k.isEmpty() ? Optional.empty() : Optional.of(k.get().open(section));
    }

    static VaultException damaged(VaultConfig.Section section, String why) {
        return new VaultException("protector " + section.label() + " is damaged: " + why);
    }

    /** A required entry of a section; damaged when missing. */
    static String require(VaultConfig.Section section, String key) throws VaultException {
        return section.get(key).orElseThrow(() -> damaged(section, "it has no " + key));
    }

    // ---- the data/check pair of the ecryptfs-wrapped-passphrase kind: check covers data only ----

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
        String d = require(section, DATA);
        String c = require(section, CHECK);
        byte[] bytes = base64(section, DATA, d);
        if (!MessageDigest.isEqual(check(bytes).getBytes(StandardCharsets.US_ASCII), c.getBytes(StandardCharsets.US_ASCII))) {
            throw damaged(section, "its data does not match its check");
        }
        return bytes;
    }

    static byte[] base64(VaultConfig.Section section, String key, String value) throws VaultException {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw damaged(section, "its " + key + " is not base64");
        }
    }

    static String check(byte[] data) {
        return HexFormat.of().formatHex(sha256(data), 0, 8);
    }

    // ---- the check of newer kinds: it covers every entry the module reads ----

    /** The check over {@code keys} of {@code entries}: SHA-256 of "key=value\n" lines, first 8 bytes in hex. */
    static String check(Map<String, String> entries, List<String> keys) {
        StringBuilder b = new StringBuilder();
        for (String k : keys) {
            b.append(k).append('=').append(entries.get(k)).append('\n');
        }
        return check(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Verifies a section's {@code check} over {@code keys}, each of which must be present. */
    static void verifyCheck(VaultConfig.Section section, List<String> keys) throws VaultException {
        for (String k : keys) {
            require(section, k);
        }
        String c = require(section, CHECK);
        if (!MessageDigest.isEqual(check(section.entries(), keys).getBytes(StandardCharsets.US_ASCII),
                c.getBytes(StandardCharsets.US_ASCII))) {
            throw damaged(section, "its entries do not match its check");
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** {@code c} as the credential type {@code type}. */
    static <T extends Credential> T as(Class<T> type, Credential c, KeyModule m) {
        if (!type.isInstance(c)) {
            throw new IllegalArgumentException("a " + m.kind() + " protector does not open with " + c.describe());
        }
        return type.cast(c);
    }
}
