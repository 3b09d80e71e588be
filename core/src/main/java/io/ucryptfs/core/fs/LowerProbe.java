package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.Xattrs;
import io.ucryptfs.core.format.FormatException;
import io.ucryptfs.core.format.ecryptfs.EcryptfsFormat;
import io.ucryptfs.core.format.ecryptfs.EcryptfsHeader;
import io.ucryptfs.core.format.ecryptfs.KeyPacket;
import io.ucryptfs.core.names.EcryptfsNameCipher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A quick look at a lower directory before mounting it: which key signatures its files carry, whether
 * its names are encrypted. Lets a caller refuse a wrong passphrase up front (no file carries its
 * signature) instead of mounting a tree whose every file fails.
 */
public final class LowerProbe {

    /**
     * @param signatures the key signatures found in the headers looked at
     * @param encryptedFiles files with an eCryptfs header
     * @param otherFiles regular files without one
     * @param encryptedName one lower name with the encrypted-name prefix, if any
     */
    public record Result(Set<String> signatures, int encryptedFiles, int otherFiles, Optional<String> encryptedName) {
        public boolean isEmpty() {
            return encryptedFiles == 0 && otherFiles == 0 && encryptedName.isEmpty();
        }
    }

    private LowerProbe() {}

    /** Looks at up to {@code maxFiles} regular files below {@code lower}. */
    public static Result scan(Path lower, int maxFiles) throws IOException {
        Set<String> sigs = new LinkedHashSet<>();
        int[] counts = new int[2];
        String[] name = new String[1];
        Files.walkFileTree(lower, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                note(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                note(file);
                if (attrs.isRegularFile()) {
                    Optional<EcryptfsHeader> h = header(file);
                    if (h.isPresent()) {
                        counts[0]++;
                        h.get().packets().stream().map(KeyPacket::signature).forEach(sigs::add);
                    } else if (attrs.size() > 0) {
                        counts[1]++;
                    }
                }
                return counts[0] + counts[1] >= maxFiles ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE;
            }

            private void note(Path p) {
                Path n = p.getFileName();
                if (name[0] == null && n != null && EcryptfsNameCipher.hasEncryptedPrefix(n.toString())) {
                    name[0] = n.toString();
                }
            }
        });
        return new Result(sigs, counts[0], counts[1], Optional.ofNullable(name[0]));
    }

    /** The header of a lower file, from its front or its xattr; empty when it has none that parses. */
    public static Optional<EcryptfsHeader> header(Path file) throws IOException {
        byte[] front;
        try (InputStream in = Files.newInputStream(file)) {
            front = in.readNBytes(EcryptfsHeader.READ_SIZE);
        }
        try {
            if (EcryptfsHeader.hasMarker(front, front.length)) {
                return Optional.of(EcryptfsFormat.inspect(front, front.length, false));
            }
            Optional<byte[]> x = Xattrs.get(file, EcryptfsFormat.HEADER_XATTR);
            if (x.isPresent() && EcryptfsHeader.hasMarker(x.get(), x.get().length)) {
                return Optional.of(EcryptfsFormat.inspect(x.get(), x.get().length, true));
            }
        } catch (FormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
