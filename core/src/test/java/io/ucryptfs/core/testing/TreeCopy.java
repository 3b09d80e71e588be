package io.ucryptfs.core.testing;

import io.ucryptfs.core.fs.CryptFileSystem;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Copies a plain directory tree into a {@link CryptFileSystem} through its API (files, dirs, symlinks). */
public final class TreeCopy {
    private TreeCopy() {}

    public static void copyIn(Path plainRoot, CryptFileSystem fs) throws Exception {
        List<Path> all;
        try (Stream<Path> s = Files.walk(plainRoot)) {
            all = s.sorted().toList();
        }
        for (Path p : all) {
            if (p.equals(plainRoot)) {
                continue;
            }
            String path = "/" + plainRoot.relativize(p);
            if (Files.isSymbolicLink(p)) {
                fs.symlink(Files.readSymbolicLink(p).toString(), path);
            } else if (Files.isDirectory(p)) {
                fs.mkdir(path, 0755);
            } else {
                long h = fs.create(path, 0644);
                try {
                    byte[] b = Files.readAllBytes(p);
                    // odd-sized writes so extents are filled piece by piece
                    int off = 0;
                    int step = 70_001;
                    while (off < b.length) {
                        int n = Math.min(step, b.length - off);
                        fs.write(h, ByteBuffer.wrap(b, off, n), off);
                        off += n;
                    }
                } finally {
                    fs.release(h);
                }
            }
        }
    }
}
