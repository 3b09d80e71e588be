package io.ucryptfs.core.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code ~/.ecryptfs/Private.sig} as {@code ecryptfs-setup-private} writes it: the signature of the
 * file key on the first line and, when file names are encrypted, the signature of the file-name key
 * (FNEK) on the second, each 16 hex characters followed by a newline. Signatures are not secret.
 *
 * @param fileKeySig the file-encryption key's signature (16 lowercase hex characters)
 * @param fnekSig the file-name key's signature, when names are encrypted
 */
public record PrivateSig(String fileKeySig, Optional<String> fnekSig) {

    /** The name of the file in {@code ~/.ecryptfs/}. */
    public static final String FILE_NAME = "Private.sig";

    public PrivateSig {
        fileKeySig = checkSig(Objects.requireNonNull(fileKeySig, "fileKeySig"));
        fnekSig = Objects.requireNonNull(fnekSig, "fnekSig").map(PrivateSig::checkSig);
    }

    /** Parses the file's bytes; messages call the file {@link #FILE_NAME}. */
    public static PrivateSig parse(byte[] bytes) throws KeyFileException {
        return parse(bytes, FILE_NAME);
    }

    /** Reads and parses {@code file}. */
    public static PrivateSig read(Path file) throws IOException {
        return parse(WrappedPassphrase.read(file), file.toString());
    }

    /** Writes {@link #toBytes()} to {@code file} atomically, mode 0600 (as ecryptfs-utils does). */
    public void write(Path file) throws IOException {
        WrappedPassphrase.writeAtomically(file, toBytes());
    }

    /** The file's contents: one signature per line, each line ending with a newline. */
    public byte[] toBytes() {
        StringBuilder sb = new StringBuilder(fileKeySig).append('\n');
        fnekSig.ifPresent(s -> sb.append(s).append('\n'));
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static PrivateSig parse(byte[] bytes, String source) throws KeyFileException {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        List<String> sigs = new ArrayList<>();
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (!isSig(line)) {
                throw new KeyFileException(source + " is garbled: line " + lineNo
                        + " is not a key signature (16 hex digits)");
            }
            sigs.add(line.toLowerCase(Locale.ROOT));
        }
        if (sigs.isEmpty()) {
            throw new KeyFileException(source + " is empty: it holds no key signature");
        }
        if (sigs.size() > 2) {
            throw new KeyFileException(source + " holds " + sigs.size()
                    + " signatures; expected the file key's and at most a file-name key's");
        }
        return new PrivateSig(sigs.get(0), sigs.size() == 2 ? Optional.of(sigs.get(1)) : Optional.empty());
    }

    private static String checkSig(String s) {
        if (!isSig(s)) {
            throw new IllegalArgumentException("a key signature is 16 hex digits");
        }
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isSig(String s) {
        if (s.length() != WrappedPassphrase.SIG_HEX_CHARS) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }
}
