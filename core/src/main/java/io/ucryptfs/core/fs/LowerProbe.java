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
        try {
            return Optional.of(inspect(file).header());
        } catch (FormatException e) {
            return Optional.empty();
        }
    }

    /**
     * What the header of one lower file says, for tools that describe files.
     *
     * @param inXattr the header was found in the {@value EcryptfsFormat#HEADER_XATTR} xattr, not at the front
     * @param plaintextSize the size field of the header
     * @param lowerSize the lower file's size
     */
    public record Inspection(EcryptfsHeader header, boolean inXattr, long plaintextSize, long lowerSize) {

        /** Where the data extents start in the lower file. */
        public long dataOffset() {
            return inXattr ? 0 : header.headerSize();
        }

        /** The lower size the plaintext size needs: the header (when at the front) and whole 4 KiB extents. */
        public long expectedLowerSize() {
            long extents = (plaintextSize + EcryptfsHeader.EXTENT_SIZE - 1) / EcryptfsHeader.EXTENT_SIZE;
            return dataOffset() + extents * EcryptfsHeader.EXTENT_SIZE;
        }

        /**
         * Whether the lower file holds every extent the plaintext size needs (an empty file needs none:
         * one left by a build that wrote headers up to their pages in use, stopped right after the
         * create, lacks its header's zero tail).
         */
        public boolean complete() {
            return plaintextSize == 0 || lowerSize >= expectedLowerSize();
        }
    }

    /**
     * Reads and parses the header of a lower file, from its front or else its xattr, without any key.
     *
     * @throws FormatException with the reason when the file is not an eCryptfs file or its header is damaged
     */
    public static Inspection inspect(Path file) throws IOException, FormatException {
        byte[] front;
        long lowerSize;
        try (InputStream in = Files.newInputStream(file)) {
            front = in.readNBytes(EcryptfsHeader.READ_SIZE);
            lowerSize = Files.size(file);
        }
        if (EcryptfsHeader.hasMarker(front, front.length)) {
            return inspection(front, false, lowerSize);
        }
        Optional<byte[]> x = Xattrs.get(file, EcryptfsFormat.HEADER_XATTR);
        if (x.isPresent() && EcryptfsHeader.hasMarker(x.get(), x.get().length)) {
            return inspection(x.get(), true, lowerSize);
        }
        if (lowerSize == 0) {
            throw new FormatException("not an eCryptfs file: empty, no header");
        }
        throw new FormatException("not an eCryptfs file: no eCryptfs marker at the front or in the "
                + EcryptfsFormat.HEADER_XATTR + " xattr");
    }

    private static Inspection inspection(byte[] bytes, boolean inXattr, long lowerSize) throws FormatException {
        EcryptfsHeader h = EcryptfsFormat.inspect(bytes, bytes.length, inXattr);
        long size = EcryptfsHeader.plaintextSize(bytes);
        if (size < 0) {
            throw new FormatException("damaged header: the size field " + Long.toUnsignedString(size) + " is negative as a file size");
        }
        return new Inspection(h, inXattr, size, lowerSize);
    }
}
