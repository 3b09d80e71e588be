package io.ucryptfs.core.fs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.TreeSet;

/**
 * {@link LowerHandles} on jimfs: a handle is a symbolic link {@code /fd/N} to the directory, removed on
 * close. N is the lowest free number, as the kernel hands out descriptors, so a path used after its
 * handle was closed names another directory or nothing at all. Checks that every path it opens is at
 * most {@code limit} bytes long.
 */
final class FakeLowerHandles implements LowerHandles {
    private final int limit;
    private final TreeSet<Integer> open = new TreeSet<>();
    int opened;

    FakeLowerHandles(int limit) {
        this.limit = limit;
    }

    @Override
    public synchronized Handle open(Path path) throws IOException {
        assertTrue(LowerPaths.utf8Length(path.toString()) <= limit, "opened a path too long: " + path);
        Path real = path.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new NotDirectoryException(path.toString());
        }
        int n = 0;
        while (open.contains(n)) {
            n++;
        }
        Path link = path.getFileSystem().getPath("/fd/" + n);
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, real);
        open.add(n);
        opened++;
        int fd = n;
        return new Handle() {
            private boolean closed;

            @Override
            public Path path() {
                return link;
            }

            @Override
            public void close() {
                synchronized (FakeLowerHandles.this) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    open.remove(fd);
                    try {
                        Files.delete(link);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        };
    }

    /** How many handles are open now. */
    synchronized int openNow() {
        return open.size();
    }
}
