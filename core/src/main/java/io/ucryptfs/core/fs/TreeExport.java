package io.ucryptfs.core.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copies the whole plaintext tree of a {@link CryptFileSystem} into a plain directory: names,
 * contents, symlinks (targets as they are), hard links among regular files, modes and times
 * (a directory's after its contents). Owners are not copied. An entry that fails is skipped and
 * recorded, the rest is still copied; a file that fails leaves nothing behind.
 */
public final class TreeExport {

    /** Bytes read from the plaintext per call. */
    static final int CHUNK = 1 << 20;
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    /** What the caller hears while the copy runs (a progress bar). */
    public interface Progress {
        /** {@code n} more plaintext bytes were written. */
        default void bytes(long n) {}

        /** Starts on one path. */
        default void entry(String path) {}
    }

    /** An entry that was not copied, and why (no key material in the reason). */
    public record Failure(String path, String reason) {}

    /** What a first walk found: for progress totals. */
    public record Totals(long files, long bytes) {}

    /** The outcome: counts of what was copied, and what failed (sorted by path). */
    public record Result(long files, long directories, long symlinks, long bytes, List<Failure> failures) {}

    private final CryptFileSystem fs;
    private final Progress progress;
    private final List<Failure> failures = new ArrayList<>();
    /** Hard links: the first output path of each inode with more than one name. */
    private final Map<Long, Path> linked = new HashMap<>();
    private final LowerAttributes attributes = new LowerAttributes();
    private long files;
    private long dirs;
    private long links;
    private long bytes;

    private TreeExport(CryptFileSystem fs, Progress progress) {
        this.fs = fs;
        this.progress = progress;
    }

    /** Counts the regular files below "/" and their plaintext sizes (entries that fail are left out). */
    public static Totals totals(CryptFileSystem fs) {
        long[] t = new long[2];
        count(fs, "/", t);
        return new Totals(t[0], t[1]);
    }

    private static void count(CryptFileSystem fs, String dir, long[] t) {
        List<String> names;
        try {
            names = fs.readdir(dir);
        } catch (FsException e) {
            return;
        }
        for (String name : names) {
            String path = child(dir, name);
            try {
                FileAttributes a = fs.getattr(path);
                if (a.isDirectory()) {
                    count(fs, path, t);
                } else if (a.isRegularFile()) {
                    t[0]++;
                    t[1] += a.size();
                }
            } catch (FsException e) {
                // counted when copying
            }
        }
    }

    /**
     * Copies the tree of {@code fs} into {@code out}, an existing directory, which takes the root's mode
     * and times last, as every directory below it does once its contents are in: the copy is then the
     * tree as a mount shows it, root included (as {@code cp -a} of the mount point would make it). Until
     * then {@code out} keeps the mode its caller gave it (the command makes it 0700), so plaintext being
     * written is not open to others.
     */
    public static Result export(CryptFileSystem fs, Path out, Progress progress) {
        TreeExport x = new TreeExport(fs, progress);
        x.directory("/", out);
        try {
            x.finish("/", out, fs.getattr("/"));
        } catch (FsException e) {
            x.fail("/", e);
        }
        x.failures.sort((a, b) -> a.path().compareTo(b.path()));
        return new Result(x.files, x.dirs, x.links, x.bytes, Collections.unmodifiableList(x.failures));
    }

    private static String child(String dir, String name) {
        return dir.equals("/") ? "/" + name : dir + "/" + name;
    }

    /** Copies the contents of the plaintext directory {@code dir} into the existing {@code target}. */
    private void directory(String dir, Path target) {
        List<String> names;
        try {
            names = fs instanceof EcryptfsFileSystem e
                    ? e.readdir(dir, (lowerName, why) -> fail(child(dir, lowerName), "the lower name does not decrypt: " + why))
                    : fs.readdir(dir);
        } catch (FsException e) {
            fail(dir, e);
            return;
        }
        names = new ArrayList<>(names);
        names.sort(null);
        for (String name : names) {
            String path = child(dir, name);
            progress.entry(path);
            Path to = NamePaths.resolve(target, name); // the name's exact bytes, text or not
            FileAttributes a;
            try {
                a = fs.getattr(path);
            } catch (FsException e) {
                fail(path, e);
                continue;
            }
            switch (a.type()) {
                case DIRECTORY -> {
                    try {
                        Files.createDirectory(to, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    } catch (IOException e) {
                        fail(path, e);
                        continue;
                    }
                    dirs++;
                    directory(path, to);
                    finish(path, to, a);
                }
                case REGULAR -> file(path, to, a);
                case SYMLINK -> symlink(path, to, a);
                default -> fail(path, "a special file (FIFO, socket or device): not copied");
            }
        }
    }

    private void file(String path, Path to, FileAttributes a) {
        if (a.nlink() > 1) {
            Path first = linked.get(a.inode());
            if (first != null) {
                try {
                    Files.createLink(to, first);
                    files++;
                    return;
                } catch (IOException | UnsupportedOperationException e) {
                    // copy it as a file of its own below
                }
            }
        }
        long written = 0;
        long h;
        try {
            h = fs.open(path, OpenMode.READ);
        } catch (FsException e) {
            fail(path, e);
            return;
        }
        try (FileChannel ch = FileChannel.open(to, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            while (true) {
                buf.clear();
                int n = fs.read(h, buf, written);
                if (n <= 0) {
                    break;
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                written += n;
                progress.bytes(n);
            }
        } catch (IOException e) {
            fail(path, e);
            try {
                Files.deleteIfExists(to);
            } catch (IOException ignored) {
                // reported as failed already
            }
            return;
        } finally {
            try {
                fs.release(h);
            } catch (FsException ignored) {
                // read-only: nothing to write back
            }
        }
        bytes += written;
        files++;
        if (a.nlink() > 1) {
            linked.put(a.inode(), to);
        }
        finish(path, to, a);
    }

    private void symlink(String path, Path to, FileAttributes a) {
        try {
            Files.createSymbolicLink(to, NamePaths.target(to.getFileSystem(), fs.readlink(path)));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            fail(path, e);
            return;
        }
        links++;
        try {
            Files.getFileAttributeView(to, BasicFileAttributeView.class, NOFOLLOW)
                    .setTimes(FileTime.from(a.mtime()), FileTime.from(a.atime()), null);
        } catch (IOException | UnsupportedOperationException e) {
            // some systems cannot set a symlink's times; the link itself is there
        }
    }

    /** Mode and times, once the content is in place. */
    private void finish(String path, Path to, FileAttributes a) {
        try {
            attributes.setMode(to, a.mode());
            Files.getFileAttributeView(to, BasicFileAttributeView.class, NOFOLLOW)
                    .setTimes(FileTime.from(a.mtime()), FileTime.from(a.atime()), null);
        } catch (IOException e) {
            fail(path, "copied, but its mode or times could not be set: " + reason(e));
        }
    }

    private void fail(String path, Exception e) {
        fail(path, reason(e));
    }

    private void fail(String path, String reason) {
        failures.add(new Failure(path, reason.replace(path + ": ", "")));
    }

    private static String reason(Exception e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getFile() + ": " + f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
