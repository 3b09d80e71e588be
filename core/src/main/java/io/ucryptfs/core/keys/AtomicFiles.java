package io.ucryptfs.core.keys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes small key files so that a crash leaves either the old or the new contents, never a mix:
 * a temporary file beside the target (created 0600), flushed to disk, then renamed (or linked) into
 * place, and the directory flushed. The file ends up mode 0600 on a POSIX filesystem.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes {@code bytes} to {@code file}, replacing what is there. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, bytes, true);
    }

    /**
     * Writes {@code bytes} to a new {@code file}; fails with {@link FileAlreadyExistsException} (and
     * leaves nothing behind) if it exists, even if it appeared since the caller looked.
     */
    public static void create(Path file, byte[] bytes) throws IOException {
        write(file, bytes, false);
    }

    private static void write(Path file, byte[] bytes, boolean replace) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp;
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            FileAttribute<?> mode0600 =
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + "-", ".tmp", mode0600);
        } else {
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + "-", ".tmp");
        }
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (replace) {
                try {
                    Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
                }
                moved = true;
            } else {
                // link(2) never replaces: it fails if the name exists, atomically
                try {
                    Files.createLink(abs, tmp);
                } catch (UnsupportedOperationException e) {
                    Files.move(tmp, abs);
                    moved = true;
                }
            }
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
        syncDirectory(dir);
    }

    /** Flushes a directory's entries (the rename) to disk where the platform allows it. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every filesystem or platform can: the rename stands, only its durability is weaker
        }
    }
}
