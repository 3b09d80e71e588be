package io.ucryptfs.keystore.pkcs11;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A PKCS#11 URI (RFC 7512): {@code pkcs11:token=...;serial=...;object=...;id=%01%02;type=private
 * ?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:...}. Path attributes name a token
 * and an object in it; query attributes say where the module is and where the PIN comes from.
 *
 * <p>Values are kept as the bytes the percent-escapes spell; the typed getters read them as UTF-8
 * ({@link #id()} stays bytes). Vendor attributes (any other name) are kept and formatted back. A
 * path attribute may appear once; so may each standard query attribute, and {@code pin-source}
 * and {@code pin-value} together are refused (which one would win?). {@link #toString()} never
 * shows a {@code pin-value}; {@link #format()} does.
 */
public final class Pkcs11Uri {
    public static final String SCHEME = "pkcs11:";

    public static final String TOKEN = "token";
    public static final String MANUFACTURER = "manufacturer";
    public static final String SERIAL = "serial";
    public static final String MODEL = "model";
    public static final String OBJECT = "object";
    public static final String TYPE = "type";
    public static final String ID = "id";
    public static final String SLOT_ID = "slot-id";
    public static final String MODULE_PATH = "module-path";
    public static final String MODULE_NAME = "module-name";
    public static final String PIN_SOURCE = "pin-source";
    public static final String PIN_VALUE = "pin-value";

    /** The values RFC 7512 allows for {@code type}. */
    public static final Set<String> TYPES = Set.of("public", "private", "cert", "secret-key", "data");

    private static final Set<String> QUERY_ONCE = Set.of(MODULE_PATH, MODULE_NAME, PIN_SOURCE, PIN_VALUE);
    /** Characters besides unreserved that a path value may hold unescaped (RFC 7512 pk11-p-res-avail). */
    private static final String PATH_RES = ":[]@!$'()*+,=";
    /** The same for a query value (pk11-q-res-avail): '/', '?' and '|' too. */
    private static final String QUERY_RES = PATH_RES + "/?|";

    private final Map<String, byte[]> path;
    private final Map<String, byte[]> query;

    private Pkcs11Uri(Map<String, byte[]> path, Map<String, byte[]> query) {
        this.path = Collections.unmodifiableMap(path);
        this.query = Collections.unmodifiableMap(query);
    }

    /** A malformed URI: the message says what and where, never a PIN. */
    public static final class MalformedException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message);
        }
    }

    public static Pkcs11Uri parse(String uri) {
        if (uri == null || uri.length() < SCHEME.length()
                || !uri.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new MalformedException("not a PKCS#11 URI: it must start with \"pkcs11:\"");
        }
        if (uri.indexOf('#') >= 0) {
            throw new MalformedException("a PKCS#11 URI has no fragment ('#')");
        }
        String rest = uri.substring(SCHEME.length());
        int q = rest.indexOf('?');
        String pathPart = q < 0 ? rest : rest.substring(0, q);
        String queryPart = q < 0 ? null : rest.substring(q + 1);
        Map<String, byte[]> path = new LinkedHashMap<>();
        if (!pathPart.isEmpty()) {
            for (String attr : pathPart.split(";", -1)) {
                String[] nv = nameValue(attr, "path", PATH_RES);
                if (path.containsKey(nv[0])) {
                    throw new MalformedException("path attribute \"" + nv[0] + "\" appears twice");
                }
                path.put(nv[0], decode(nv[1], nv[0]));
            }
        }
        Map<String, byte[]> query = new LinkedHashMap<>();
        if (queryPart != null && !queryPart.isEmpty()) {
            for (String attr : queryPart.split("&", -1)) {
                String[] nv = nameValue(attr, "query", QUERY_RES);
                if (query.containsKey(nv[0])) {
                    if (QUERY_ONCE.contains(nv[0])) {
                        throw new MalformedException("query attribute \"" + nv[0] + "\" appears twice");
                    }
                    continue; // a repeated vendor attribute: the first one counts
                }
                query.put(nv[0], decode(nv[1], nv[0]));
            }
        }
        Pkcs11Uri parsed = new Pkcs11Uri(path, query);
        parsed.validate();
        return parsed;
    }

    private static String[] nameValue(String attr, String where, String allowed) {
        int eq = attr.indexOf('=');
        if (eq <= 0) {
            throw new MalformedException(attr.isEmpty()
                    ? "empty " + where + " attribute (a stray separator)"
                    : where + " attribute without \"name=\": \"" + safeName(attr) + "\"");
        }
        String name = attr.substring(0, eq);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                throw new MalformedException("bad character in " + where + " attribute name \"" + safeName(name) + "\"");
            }
        }
        String value = attr.substring(eq + 1);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!unreserved(c) && c != '%' && allowed.indexOf(c) < 0) {
                throw new MalformedException("character '" + printable(c) + "' must be percent-encoded in the value of \""
                        + name + "\"");
            }
        }
        return new String[] {name, value};
    }

    private void validate() {
        type().ifPresent(t -> {
            if (!TYPES.contains(t)) {
                throw new MalformedException("type=" + t + " is not one of " + String.join(", ", TYPES.stream().sorted().toList()));
            }
        });
        if (path.containsKey(SLOT_ID)) {
            String s = text(path, SLOT_ID);
            if (s.isEmpty() || !s.chars().allMatch(Character::isDigit) || s.length() > 19) {
                throw new MalformedException("slot-id must be a decimal number");
            }
        }
        if (query.containsKey(PIN_SOURCE) && query.containsKey(PIN_VALUE)) {
            throw new MalformedException("pin-source and pin-value together: give one");
        }
    }

    /** Percent-decodes {@code value} to bytes; a '%' not followed by two hex digits is an error. */
    static byte[] decode(String value, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                int hi = i + 1 < value.length() ? Character.digit(value.charAt(i + 1), 16) : -1;
                int lo = i + 2 < value.length() ? Character.digit(value.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new MalformedException("bad percent-escape at character " + i + " of the value of \"" + name
                            + "\" (need %XX, X a hex digit)");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(c); // checked ASCII by nameValue
            }
        }
        return out.toByteArray();
    }

    private static String encode(byte[] value, String allowed, boolean all) {
        StringBuilder sb = new StringBuilder(value.length * 3);
        for (byte b : value) {
            char c = (char) (b & 0xff);
            if (!all && (unreserved(c) || allowed.indexOf(c) >= 0)) {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static boolean unreserved(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static String printable(char c) {
        return c >= 0x21 && c < 0x7f ? String.valueOf(c) : String.format("U+%04X", (int) c);
    }

    private static String safeName(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static String text(Map<String, byte[]> map, String name) {
        byte[] v = map.get(name);
        if (v == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(v)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedException("the value of \"" + name + "\" is not UTF-8");
        }
    }

    /** The token label ({@code token=}). */
    public Optional<String> token() {
        return Optional.ofNullable(text(path, TOKEN));
    }

    public Optional<String> serial() {
        return Optional.ofNullable(text(path, SERIAL));
    }

    public Optional<String> manufacturer() {
        return Optional.ofNullable(text(path, MANUFACTURER));
    }

    public Optional<String> model() {
        return Optional.ofNullable(text(path, MODEL));
    }

    /** The object label ({@code object=}). */
    public Optional<String> object() {
        return Optional.ofNullable(text(path, OBJECT));
    }

    /** The object id ({@code id=}), a copy. */
    public Optional<byte[]> id() {
        byte[] v = path.get(ID);
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    public Optional<String> type() {
        return Optional.ofNullable(text(path, TYPE));
    }

    public Optional<Long> slotId() {
        String s = text(path, SLOT_ID);
        return s == null ? Optional.empty() : Optional.of(Long.parseLong(s));
    }

    public Optional<String> modulePath() {
        return Optional.ofNullable(text(query, MODULE_PATH));
    }

    public Optional<String> moduleName() {
        return Optional.ofNullable(text(query, MODULE_NAME));
    }

    public Optional<String> pinSource() {
        return Optional.ofNullable(text(query, PIN_SOURCE));
    }

    /** The PIN given in the URI itself, as chars the caller wipes; RFC 7512 discourages it. */
    public Optional<char[]> pinValue() {
        byte[] v = query.get(PIN_VALUE);
        if (v == null) {
            return Optional.empty();
        }
        java.nio.CharBuffer cb = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(v));
        char[] out = Arrays.copyOfRange(cb.array(), cb.position(), cb.limit());
        Arrays.fill(cb.array(), '\0');
        return Optional.of(out);
    }

    /** Every path attribute, in order, values as bytes (read-only map; the arrays are copies). */
    public Map<String, byte[]> pathAttributes() {
        return copies(path);
    }

    /** Every query attribute, in order, values as bytes (read-only map; the arrays are copies). */
    public Map<String, byte[]> queryAttributes() {
        return copies(query);
    }

    private static Map<String, byte[]> copies(Map<String, byte[]> map) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(k, v.clone()));
        return Collections.unmodifiableMap(out);
    }

    /** This URI with path attribute {@code name} set (or removed when {@code value} is null). */
    public Pkcs11Uri withPath(String name, byte[] value) {
        return with(true, name, value);
    }

    public Pkcs11Uri withPath(String name, String value) {
        return withPath(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** This URI with query attribute {@code name} set (or removed when {@code value} is null). */
    public Pkcs11Uri withQuery(String name, String value) {
        return with(false, name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private Pkcs11Uri with(boolean inPath, String name, byte[] value) {
        Map<String, byte[]> p = new LinkedHashMap<>(path);
        Map<String, byte[]> q = new LinkedHashMap<>(query);
        Map<String, byte[]> target = inPath ? p : q;
        if (value == null) {
            target.remove(name);
        } else {
            nameValue(name + "=", inPath ? "path" : "query", "");
            target.put(name, value.clone());
        }
        Pkcs11Uri u = new Pkcs11Uri(p, q);
        u.validate();
        return u;
    }

    /** An empty {@code pkcs11:} URI, to build on with {@link #withPath} and {@link #withQuery}. */
    public static Pkcs11Uri empty() {
        return new Pkcs11Uri(new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    /** The URI text, with every attribute (a pin-value too), {@code id} as %XX escapes. */
    public String format() {
        return format(false);
    }

    private String format(boolean hidePin) {
        StringBuilder sb = new StringBuilder(SCHEME);
        String sep = "";
        for (Map.Entry<String, byte[]> e : path.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(encode(e.getValue(), PATH_RES, e.getKey().equals(ID)));
            sep = ";";
        }
        sep = "?";
        for (Map.Entry<String, byte[]> e : query.entrySet()) {
            String v = hidePin && e.getKey().equals(PIN_VALUE) ? "***" : encode(e.getValue(), QUERY_RES, false);
            sb.append(sep).append(e.getKey()).append('=').append(v);
            sep = "&";
        }
        return sb.toString();
    }

    /** The URI for messages and logs: as {@link #format()}, with a pin-value shown as {@code ***}. */
    @Override
    public String toString() {
        return format(true);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pkcs11Uri u && sameEntries(path, u.path) && sameEntries(query, u.query);
    }

    private static boolean sameEntries(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Map.Entry<String, byte[]> e : path.entrySet()) {
            h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        for (Map.Entry<String, byte[]> e : query.entrySet()) {
            h += 31 * e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        }
        return h;
    }
}
