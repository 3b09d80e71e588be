package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.AtomicFiles;
import io.ucryptfs.core.keys.PassphraseKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A vault's config file: how its lower directory is encrypted and the protectors that each hold the
 * mount passphrase. Nothing in it is secret on its own (the mount passphrase is only there wrapped).
 *
 * <pre>
 * ucryptfs-vault 1
 * cipher = aes
 * key-bytes = 16
 * encrypt-names = true
 * salt = 0011223344556677
 * file-key-sig = 0f1e2d3c4b5a6978
 * name-key-sig = 8796a5b4c3d2e1f0
 *
 * [protector passphrase]
 * kind = ecryptfs-wrapped-passphrase-v2
 * data = OgKq...   (base64)
 * check = 1a2b3c4d5e6f7081
 * </pre>
 *
 * <p>The first line names the format and its version. Then {@code key = value} lines, and sections
 * opened by {@code [type name]} (or {@code [type]}), each with its own {@code key = value} lines.
 * Blank lines and lines starting with {@code #} are skipped (and not written back). Keys are lowercase
 * letters, digits, '.' and '-'; a key may appear once per section, a section once per file.
 *
 * <p>Forward compatibility: keys and sections this version does not know are kept, in order, when the
 * file is written again; protector sections of kinds it does not know are kept and skipped when
 * unlocking. A newer format version is refused rather than half-understood.
 */
public final class VaultConfig {

    public static final String MAGIC = "ucryptfs-vault";
    public static final int VERSION = 1;
    /** A vault's config sits beside its lower directory, named after it plus this. */
    public static final String SUFFIX = ".ucryptfs";
    /** The section type of protectors. */
    public static final String PROTECTOR = "protector";
    /** Larger files are not read. */
    static final int MAX_BYTES = 1 << 20;

    static final String CIPHER = "cipher";
    static final String KEY_BYTES = "key-bytes";
    static final String ENCRYPT_NAMES = "encrypt-names";
    static final String SALT = "salt";
    static final String FILE_KEY_SIG = "file-key-sig";
    static final String NAME_KEY_SIG = "name-key-sig";

    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9.-]*");
    private static final Pattern SECTION_TYPE = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Pattern SECTION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern SIG = Pattern.compile("[0-9a-f]{16}");

    /**
     * One {@code [type name]} section and its entries, in file order.
     *
     * @param name the name after the type, or "" for {@code [type]}
     */
    public record Section(String type, String name, Map<String, String> entries) {
        public Section {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(name, "name");
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        public Optional<String> get(String key) {
            return Optional.ofNullable(entries.get(key));
        }

        /** What to call it in messages: {@code [protector passphrase]}. */
        public String label() {
            return "[" + type + (name.isEmpty() ? "" : " " + name) + "]";
        }
    }

    private final Map<String, String> settings;
    private final List<Section> sections;
    private final String source;
    /** The bytes it was read from (null when made new), to notice a change by someone else before writing. */
    private byte[] readFrom;

    private VaultConfig(Map<String, String> settings, List<Section> sections, String source) {
        this.settings = settings;
        this.sections = sections;
        this.source = source;
    }

    /** A new config with these settings and no protector yet. */
    public static VaultConfig create(int keyBytes, boolean encryptNames, byte[] salt, String fileKeySig,
            Optional<String> nameKeySig) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put(CIPHER, "aes");
        s.put(KEY_BYTES, Integer.toString(keyBytes));
        s.put(ENCRYPT_NAMES, Boolean.toString(encryptNames));
        s.put(SALT, HexFormat.of().formatHex(salt));
        s.put(FILE_KEY_SIG, fileKeySig);
        nameKeySig.ifPresent(n -> s.put(NAME_KEY_SIG, n));
        VaultConfig c = new VaultConfig(s, new ArrayList<>(), "new vault config");
        try {
            c.validate();
        } catch (VaultException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return c;
    }

    /** Adds a {@code [protector name]} section. */
    public void addProtector(String name, Map<String, String> entries) {
        if (!SECTION_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad protector name: " + name);
        }
        if (section(PROTECTOR, name).isPresent()) {
            throw new IllegalArgumentException("a protector named " + name + " exists");
        }
        sections.add(new Section(PROTECTOR, name, checkEntries(entries)));
    }

    /** Replaces the entries of protector {@code name}, keeping its place in the file. */
    public void replaceProtector(String name, Map<String, String> entries) {
        int i = sections.indexOf(section(PROTECTOR, name).orElseThrow(
                () -> new IllegalArgumentException("no protector named " + name)));
        sections.set(i, new Section(PROTECTOR, name, checkEntries(entries)));
    }

    /** Removes protector {@code name}; false when there is none. */
    public boolean removeProtector(String name) {
        return sections.removeIf(s -> s.type().equals(PROTECTOR) && s.name().equals(name));
    }

    /**
     * Sets the entries of the section {@code [type name]} (name "" for {@code [type]}): replaced in
     * place when there is one, else added at the end. Not for protectors ({@link #addProtector}).
     */
    public void putSection(String type, String name, Map<String, String> entries) {
        if (!SECTION_TYPE.matcher(type).matches() || type.equals(PROTECTOR)
                || !(name.isEmpty() || SECTION_NAME.matcher(name).matches())) {
            throw new IllegalArgumentException("bad section: [" + type + " " + name + "]");
        }
        Section s = new Section(type, name, checkEntries(entries));
        Optional<Section> old = section(type, name);
        if (old.isPresent()) {
            sections.set(sections.indexOf(old.get()), s);
        } else {
            sections.add(s);
        }
    }

    /** Removes the section {@code [type name]}; false when there is none. */
    public boolean removeSection(String type, String name) {
        return sections.removeIf(s -> s.type().equals(type) && s.name().equals(name));
    }

    /** Whether {@code name} can name a section. */
    public static boolean isSectionName(String name) {
        return SECTION_NAME.matcher(name).matches();
    }

    private static Map<String, String> checkEntries(Map<String, String> entries) {
        entries.keySet().forEach(k -> {
            if (!KEY.matcher(k).matches()) {
                throw new IllegalArgumentException("bad key: " + k);
            }
        });
        entries.values().forEach(v -> {
            if (!v.strip().equals(v) || v.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
                throw new IllegalArgumentException("a value must be one line without surrounding spaces");
            }
        });
        return entries;
    }

    // ---- reading ----

    /** Reads and parses {@code file}; messages name it. */
    public static VaultConfig read(Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            throw new VaultException(file + " is too large for a vault config (over " + MAX_BYTES + " bytes)");
        }
        VaultConfig c = parse(bytes, file.toString());
        c.readFrom = bytes;
        return c;
    }

    /** Parses a config's bytes; {@code source} names it in messages. */
    public static VaultConfig parse(byte[] bytes, String source) throws VaultException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new VaultException(source + " is damaged: it is not UTF-8 text");
        }
        String[] lines = text.split("\n", -1);
        String first = stripCr(lines[0]).strip();
        if (!first.startsWith(MAGIC + " ") && !first.equals(MAGIC)) {
            throw new VaultException(source + " is not a ucryptfs vault config (it does not start with \"" + MAGIC + "\")");
        }
        String v = first.substring(MAGIC.length()).strip();
        int version;
        try {
            version = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new VaultException(source + " is damaged: line 1 has no format version");
        }
        if (version > VERSION) {
            throw new VaultException(source + " is a vault config of format " + version
                    + ", written by a newer ucryptfs; this one reads format " + VERSION);
        }
        if (version < 1) {
            throw new VaultException(source + " is damaged: format version " + version);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        List<Section> sections = new ArrayList<>();
        Map<String, String> current = settings;
        String curType = null;
        String curName = null;
        for (int i = 1; i < lines.length; i++) {
            String line = stripCr(lines[i]).strip();
            int no = i + 1;
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.chars().anyMatch(ch -> ch < 0x20 && ch != '\t')) {
                throw damaged(source, no, "a control character");
            }
            if (line.startsWith("[")) {
                if (curType != null) {
                    sections.add(new Section(curType, curName, current));
                }
                if (!line.endsWith("]")) {
                    throw damaged(source, no, "a section header without ']'");
                }
                String[] parts = line.substring(1, line.length() - 1).strip().split("[ \t]+");
                if (parts.length > 2 || !SECTION_TYPE.matcher(parts[0]).matches()
                        || (parts.length == 2 && !SECTION_NAME.matcher(parts[1]).matches())) {
                    throw damaged(source, no, "a malformed section header");
                }
                curType = parts[0];
                curName = parts.length == 2 ? parts[1] : "";
                for (Section s : sections) {
                    if (s.type().equals(curType) && s.name().equals(curName)) {
                        throw damaged(source, no, "a second " + s.label() + " section");
                    }
                }
                current = new LinkedHashMap<>();
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw damaged(source, no, "neither 'key = value' nor a [section]");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (!KEY.matcher(key).matches()) {
                throw damaged(source, no, "a malformed key");
            }
            if (current.putIfAbsent(key, value) != null) {
                throw damaged(source, no, "'" + key + "' a second time");
            }
        }
        if (curType != null) {
            sections.add(new Section(curType, curName, current));
        }
        VaultConfig c = new VaultConfig(settings, sections, source);
        c.validate();
        return c;
    }

    private static String stripCr(String s) {
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static VaultException damaged(String source, int line, String what) {
        return new VaultException(source + " is damaged: line " + line + " holds " + what);
    }

    /** Checks the settings this version needs. */
    private void validate() throws VaultException {
        String cipher = require(CIPHER);
        if (!cipher.equals("aes")) {
            throw new VaultException(source + ": cipher '" + cipher + "' is not supported (only aes)");
        }
        String kb = require(KEY_BYTES);
        if (!kb.equals("16") && !kb.equals("24") && !kb.equals("32")) {
            throw new VaultException(source + " is damaged: key-bytes is '" + kb + "', not 16, 24 or 32");
        }
        String en = require(ENCRYPT_NAMES);
        if (!en.equals("true") && !en.equals("false")) {
            throw new VaultException(source + " is damaged: encrypt-names is neither true nor false");
        }
        String salt = require(SALT);
        if (!salt.matches("[0-9a-f]{16}")) {
            throw new VaultException(source + " is damaged: salt is not 16 lowercase hex digits");
        }
        requireSig(FILE_KEY_SIG);
        if (encryptNames()) {
            requireSig(NAME_KEY_SIG);
        }
    }

    private String require(String key) throws VaultException {
        String v = settings.get(key);
        if (v == null) {
            throw new VaultException(source + " is damaged: it has no '" + key + "'");
        }
        return v;
    }

    private void requireSig(String key) throws VaultException {
        if (!SIG.matcher(require(key)).matches()) {
            throw new VaultException(source + " is damaged: " + key + " is not 16 lowercase hex digits");
        }
    }

    // ---- the settings ----

    public String cipher() {
        return settings.get(CIPHER);
    }

    public int keyBytes() {
        return Integer.parseInt(settings.get(KEY_BYTES));
    }

    public boolean encryptNames() {
        return Boolean.parseBoolean(settings.get(ENCRYPT_NAMES));
    }

    /** The salt of the file key ({@link PassphraseKey#DEFAULT_SALT} in vaults made by init). */
    public byte[] salt() {
        return HexFormat.of().parseHex(settings.get(SALT));
    }

    public String fileKeySig() {
        return settings.get(FILE_KEY_SIG);
    }

    /** The file-name key's signature, when names are encrypted. */
    public Optional<String> nameKeySig() {
        return encryptNames() ? Optional.of(settings.get(NAME_KEY_SIG)) : Optional.empty();
    }

    /** Every top-level setting, known or not, in file order. */
    public Map<String, String> settings() {
        return Collections.unmodifiableMap(settings);
    }

    /** Every section, known or not, in file order. */
    public List<Section> sections() {
        return Collections.unmodifiableList(sections);
    }

    /** The protector sections, in file order (the order they are tried in). */
    public List<Section> protectors() {
        return sections.stream().filter(s -> s.type().equals(PROTECTOR)).toList();
    }

    public Optional<Section> section(String type, String name) {
        return sections.stream().filter(s -> s.type().equals(type) && s.name().equals(name)).findFirst();
    }

    /** Where the config was read from, or "new vault config". */
    public String source() {
        return source;
    }

    // ---- writing ----

    /** The file's text: header, settings, then each section after a blank line. */
    public String format() {
        StringBuilder b = new StringBuilder(MAGIC).append(' ').append(VERSION).append('\n');
        settings.forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
        for (Section s : sections) {
            b.append('\n').append(s.label()).append('\n');
            s.entries().forEach((k, v) -> b.append(k).append(" = ").append(v).append('\n'));
        }
        return b.toString();
    }

    /** Writes the config to {@code file} atomically, mode 0600, replacing what is there. */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, format().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes the config back to {@code file}, which it was {@linkplain #read read} from, atomically
     * (a new file written and flushed, then renamed over it), mode 0600; refuses, writing nothing,
     * when the file changed since it was read (another command changed the vault meanwhile).
     */
    public void update(Path file) throws IOException {
        if (readFrom == null) {
            throw new IllegalStateException("update of a config that was not read from a file");
        }
        byte[] now;
        try (InputStream in = Files.newInputStream(file)) {
            now = in.readNBytes(MAX_BYTES + 1);
        }
        if (!java.util.Arrays.equals(now, readFrom)) {
            throw new VaultException(file + " changed while this command ran; nothing written, try again");
        }
        byte[] out = format().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out);
        readFrom = out;
    }

    /**
     * Writes the config to a new {@code file} atomically, mode 0600;
     * {@link java.nio.file.FileAlreadyExistsException} if there is one already.
     */
    public void create(Path file) throws IOException {
        AtomicFiles.create(file, format().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "VaultConfig[" + source + "]";
    }
}
