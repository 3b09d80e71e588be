package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.Secrets;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Listing, adding, changing and removing a vault's protectors. Every change is one atomic rewrite of
 * the config ({@link VaultConfig#update}: a new file written and flushed, then renamed over the old
 * one) and none touches the lower directory: protectors hold the mount passphrase, which stays the
 * same, so every file's key packets stay valid.
 *
 * <p>Besides its module's entries, each section made here gets {@code label} (when given),
 * {@code created} and, after {@code passwd}, {@code changed} (UTC, ISO 8601, to the second). No
 * module reads them and no check covers them.
 */
public final class VaultProtectors {
    private VaultProtectors() {}

    public static final String LABEL = "label";
    public static final String CREATED = "created";
    public static final String CHANGED = "changed";
    static final int MAX_LABEL = 64;

    /**
     * One protector as {@code ucryptfs protector list} shows it.
     *
     * @param module empty when this version does not know the kind
     * @param details the module's parameters, or why the section is damaged
     */
    public record Info(String id, String kind, Optional<KeyModule> module, Optional<String> label,
            Optional<String> created, String details) {}

    /** The protectors of {@code c}, in file order. Damaged ones are listed, with the damage as details. */
    public static List<Info> list(VaultConfig c) {
        List<Info> out = new ArrayList<>();
        for (VaultConfig.Section s : c.protectors()) {
            String kind = s.get(Protectors.KIND).orElse("?");
            Optional<KeyModule> m = Protectors.module(kind);
            String details;
            try {
                details = m.isPresent() ? m.get().open(s).details() : "not known to this version of ucryptfs";
            } catch (VaultException e) {
                details = e.getMessage();
            }
            out.add(new Info(s.name(), kind, m, s.get(LABEL), s.get(CREATED), details));
        }
        return out;
    }

    /**
     * Adds a protector of {@code module}'s kind, opened by {@code credential}, holding the vault's
     * mount passphrase, and writes the config back to {@code file}.
     *
     * @return the new protector's id
     */
    public static String add(Path file, VaultConfig c, MountPassphrase mp, KeyModule module, Credential credential,
            String label, SecureRandom rng) throws IOException {
        String lab = checkLabel(label);
        String id = nextId(c, module.idPrefix());
        byte[] m = bytesOf(c, mp);
        try {
            addSection(c, id, module.protect(id, m, credential, rng), lab);
        } finally {
            Secrets.wipe(m);
        }
        c.update(file);
        return id;
    }

    /**
     * Gives protector {@code id} a new credential ({@code passwd}), in a protector of the same kind
     * and the same id, label and creation date, and writes the config back to {@code file}.
     */
    public static void change(Path file, VaultConfig c, MountPassphrase mp, String id, Credential credential,
            SecureRandom rng) throws IOException {
        VaultConfig.Section old = c.section(VaultConfig.PROTECTOR, id).orElseThrow(
                () -> new VaultException(c.source() + " has no protector " + id));
        KeyModule module = Protectors.module(Protectors.kindOf(old)).orElseThrow(() -> new VaultException(
                "protector " + old.label() + " is of a kind this version of ucryptfs does not know"));
        byte[] m = bytesOf(c, mp);
        Map<String, String> entries;
        try {
            entries = withMeta(module.protect(id, m, credential, rng), old.get(LABEL).orElse(null),
                    old.get(CREATED).orElse(null));
        } finally {
            Secrets.wipe(m);
        }
        entries.put(CHANGED, now());
        c.replaceProtector(id, entries);
        c.update(file);
    }

    /**
     * Why protector {@code id} may not be removed, or nothing: it must exist, and another protector
     * this version can open must remain.
     */
    public static Optional<String> whyNotRemovable(VaultConfig c, String id) {
        if (c.section(VaultConfig.PROTECTOR, id).isEmpty()) {
            return Optional.of(c.source() + " has no protector " + id);
        }
        boolean other = c.protectors().stream().anyMatch(s -> !s.name().equals(id)
                && Protectors.module(s.get(Protectors.KIND).orElse("")).isPresent());
        if (!other) {
            return Optional.of("protector " + id + " is the last one this version of ucryptfs can open;"
                    + " add another first (ucryptfs protector add)");
        }
        return Optional.empty();
    }

    /** Removes protector {@code id} (see {@link #whyNotRemovable}) and writes the config back to {@code file}. */
    public static void remove(Path file, VaultConfig c, String id) throws IOException {
        Optional<String> why = whyNotRemovable(c, id);
        if (why.isPresent()) {
            throw new VaultException(why.get());
        }
        c.removeProtector(id);
        c.update(file);
    }

    /** Adds a section: the module's entries with {@code label} and {@code created} after {@code kind}. */
    static void addSection(VaultConfig c, String id, Map<String, String> moduleEntries, String label) {
        c.addProtector(id, withMeta(moduleEntries, label, now()));
    }

    private static Map<String, String> withMeta(Map<String, String> moduleEntries, String label, String created) {
        Map<String, String> e = new LinkedHashMap<>();
        moduleEntries.forEach((k, v) -> {
            e.put(k, v);
            if (k.equals(Protectors.KIND)) {
                if (label != null) {
                    e.put(LABEL, label);
                }
                if (created != null) {
                    e.put(CREATED, created);
                }
            }
        });
        return e;
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** "passphrase", else "passphrase-2", "passphrase-3", ...: the first that is free. */
    static String nextId(VaultConfig c, String prefix) {
        if (c.section(VaultConfig.PROTECTOR, prefix).isEmpty()) {
            return prefix;
        }
        for (int n = 2; ; n++) {
            String id = prefix + "-" + n;
            if (c.section(VaultConfig.PROTECTOR, id).isEmpty()) {
                return id;
            }
        }
    }

    private static String checkLabel(String label) throws VaultException {
        if (label == null || label.isBlank()) {
            return null;
        }
        String l = label.strip();
        if (l.length() > MAX_LABEL || l.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new VaultException("a label is one line of at most " + MAX_LABEL + " characters");
        }
        return l;
    }

    /** The mount passphrase's bytes, after checking it is {@code c}'s (never protect another vault's). */
    private static byte[] bytesOf(VaultConfig c, MountPassphrase mp) throws VaultException {
        byte[] m = mp.bytes();
        if (!Vault.isMountPassphraseOf(c, m)) {
            Secrets.wipe(m);
            throw new VaultException("that mount passphrase is not the one of " + c.source());
        }
        return m;
    }
}
