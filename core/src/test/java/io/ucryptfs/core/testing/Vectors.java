package io.ucryptfs.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Finds {@code shared/ecryptfs-vectors} (the kernel-written test vectors that sit beside the checkout
 * as {@code ../shared/}): the system property {@code ucryptfs.vectors} when set, else the first
 * {@code shared/ecryptfs-vectors} found walking up from the working directory (the module's folder
 * under Maven). A missing folder fails the test: the vectors are part of every machine's set-up.
 */
public final class Vectors {
    public static final String PROPERTY = "ucryptfs.vectors";

    private Vectors() {}

    /** The vectors folder. */
    public static Path dir() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path p = Paths.get(prop).toAbsolutePath();
            if (!Files.isDirectory(p)) {
                throw new AssertionError("-D" + PROPERTY + "=" + prop + " is not a directory");
            }
            return p;
        }
        Path start = Paths.get("").toAbsolutePath();
        for (Path d = start; d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve("ecryptfs-vectors");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("shared/ecryptfs-vectors not found above " + start
                + ": put the shared/ folder beside the checkout (../shared) or pass -D" + PROPERTY + "=DIR");
    }

    /** A case folder (e.g. {@code wrapped_passphrase}); fails when it is missing. */
    public static Path caseDir(String name) {
        Path p = dir().resolve(name);
        if (!Files.isDirectory(p)) {
            throw new AssertionError("vector case " + p + " is missing");
        }
        return p;
    }
}
