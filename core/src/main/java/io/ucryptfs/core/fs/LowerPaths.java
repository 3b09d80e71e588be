package io.ucryptfs.core.fs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ucryptfs.core.names.NameCipher;
import io.ucryptfs.core.names.NameTooLongException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps plaintext paths ("/a/b") to lower paths, one encrypted component at a time, as the kernel's
 * lookup does (it finds a lower file by encrypting the plaintext name again); and makes a lower path
 * that is too long for the kernel reachable ({@link #reach}).
 */
final class LowerPaths {
    /**
     * The longest lower path, in bytes, handed to the kernel as it is. The kernel takes up to 4,095
     * (PATH_MAX, 4,096, counts the terminating NUL); this leaves a margin.
     */
    static final int PATH_LIMIT = 4000;

    private final Path root;
    /** The mount's keys (names go through them, so a lock stops lookups); null: {@link #fixedNames}. */
    private final MountKeys keys;
    /** Names that never lock (tests of path handling alone). */
    private final NameCipher fixedNames;
    /** Null: every lower path goes to the kernel as it is (too long ones fail with ENAMETOOLONG). */
    private final LowerHandles handles;
    private final int limit;
    /**
     * Encrypted names of recently used components: names are deterministic, and every operation
     * encrypts each component of its path again (an AES and a base64 pass each), so this saves most of
     * the name crypto of a tree walk. Maintenance on the calling thread (see PlaintextSizes).
     */
    private final Cache<String, String> encrypted = Caffeine.newBuilder().maximumSize(50_000).executor(Runnable::run).build();
    /**
     * Lower paths of recently used plaintext directories ("/a/b" → ROOT/ENC(a)/ENC(b)): a path's lower
     * path depends on its names and the name key alone, never on what the tree holds (a rename moves
     * nodes, not this mapping), so nothing but a lock invalidates it. Every request that names a node
     * needs its lower path, and building it a component at a time (a cache lookup and a path resolve
     * each) was 6% of an untar's daemon time. Bounded by the bytes it holds.
     */
    private final Cache<String, Path> directories = Caffeine.newBuilder().maximumWeight(4L << 20)
            .<String, Path>weigher((plain, lower) -> 64 + 2 * plain.length() + lower.toString().length())
            .executor(Runnable::run).build();

    LowerPaths(Path root, NameCipher names) {
        this(root, names, null, PATH_LIMIT);
    }

    LowerPaths(Path root, NameCipher names, LowerHandles handles, int limit) {
        this(root, null, names, handles, limit);
    }

    /** Paths whose names go through the mount's keys: while they are locked, every lookup but the root's fails with EACCES. */
    LowerPaths(Path root, MountKeys keys, LowerHandles handles, int limit) {
        this(root, keys, null, handles, limit);
        keys.onLock(() -> { // plaintext names and their lower names: not kept while locked
            encrypted.invalidateAll();
            directories.invalidateAll();
        });
    }

    private LowerPaths(Path root, MountKeys keys, NameCipher fixedNames, LowerHandles handles, int limit) {
        this.root = root;
        this.keys = keys;
        this.fixedNames = fixedNames;
        this.handles = handles;
        this.limit = limit;
    }

    private String encryptedName(NameCipher names, String component) throws NameTooLongException {
        if (!names.encryptsNames()) {
            return names.encrypt(component);
        }
        String lower = encrypted.getIfPresent(component);
        if (lower == null) {
            lower = names.encrypt(component);
            encrypted.put(component, lower);
        }
        return lower;
    }

    Path root() {
        return root;
    }

    /** The lower path of {@code plainPath}; EACCES while the mount's name key is locked (but for the root). */
    Path lower(String plainPath) throws IOException {
        if (isRoot(plainPath)) {
            return root;
        }
        if (keys == null) {
            return lower(plainPath, fixedNames);
        }
        return keys.names(plainPath, k -> lower(plainPath, k.names()));
    }

    private static boolean isRoot(String plainPath) {
        for (int i = 0; i < plainPath.length(); i++) {
            if (plainPath.charAt(i) != '/') {
                return false;
            }
        }
        return true;
    }

    /** The lower path of {@code plainPath}: its directory's from {@link #directories}, then its own name. */
    private Path lower(String plainPath, NameCipher names) throws FsException {
        int slash = plainPath.lastIndexOf('/');
        if (slash < 0 || slash == plainPath.length() - 1) {
            return walk(plainPath, names); // not of the form "/dir/name": every component, as given
        }
        Path dir;
        if (slash == 0) {
            dir = root;
        } else {
            String plainDir = plainPath.substring(0, slash);
            dir = directories.getIfPresent(plainDir);
            if (dir == null) {
                dir = walk(plainDir, names);
                directories.put(plainDir, dir);
            }
        }
        return resolve(dir, plainPath, plainPath.substring(slash + 1), names);
    }

    /** The lower path of {@code plainPath}, a component at a time. */
    private Path walk(String plainPath, NameCipher names) throws FsException {
        Path p = root;
        int i = 0;
        int n = plainPath.length();
        while (i < n) {
            int slash = plainPath.indexOf('/', i);
            int end = slash < 0 ? n : slash;
            if (end > i) {
                p = resolve(p, plainPath, plainPath.substring(i, end), names);
            }
            i = end + 1;
        }
        return p;
    }

    /** {@code dir} and the lower name of {@code component} (of {@code plainPath}, for messages). */
    private Path resolve(Path dir, String plainPath, String component, NameCipher names) throws FsException {
        if (component.equals(".") || component.equals("..")) {
            throw new FsException(Errno.EINVAL, plainPath + ": '.' and '..' are resolved by the caller");
        }
        try {
            String lowerName = encryptedName(names, component);
            // encrypted names are ASCII; plaintext ones need their exact bytes
            return names.encryptsNames() ? dir.resolve(lowerName) : NamePaths.resolve(dir, lowerName);
        } catch (NameTooLongException e) {
            throw new FsException(Errno.ENAMETOOLONG, plainPath + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new FsException(Errno.EINVAL, plainPath + ": " + e.getMessage());
        }
    }

    /** {@link #reach(Path)} of the lower path of {@code plainPath}. */
    Reach reach(String plainPath) throws IOException {
        return reach(lower(plainPath));
    }

    /**
     * A path the kernel accepts for {@code lower}: {@code lower} itself when it is at most {@code limit}
     * bytes long (or there are no {@link LowerHandles}), at no cost beyond the length check. Else a chain:
     * walking down from the start of {@code lower}, whenever the next component would take the path
     * being built past {@code limit}, the directory reached so far is opened as a handle, and the walk
     * goes on from the handle's short path. The handles live until {@link Reach#close}, so a descriptor
     * number is never reused while a path built on it is in use; nothing is cached between calls, so no
     * handle can outlive a rename or rmdir of its directory, and concurrent calls share nothing.
     */
    Reach reach(Path lower) throws IOException {
        if (handles == null || fits(lower)) {
            return new Reach(lower, lower, null);
        }
        List<LowerHandles.Handle> chain = new ArrayList<>(2);
        try {
            Path base = lower.getRoot();
            int bytes = base == null ? 0 : utf8Length(base.toString());
            int from = 0;
            int n = lower.getNameCount();
            for (int i = 0; i < n; i++) {
                int add = utf8Length(lower.getName(i).toString()) + 1;
                if (bytes + add > limit && i > from) {
                    LowerHandles.Handle h = handles.open(join(base, lower.subpath(from, i)));
                    chain.add(h);
                    base = h.path();
                    bytes = utf8Length(base.toString());
                    from = i;
                }
                bytes += add;
            }
            // the last component always stays in the rest: a handle's own path is a magic link, which
            // calls that do not follow links would take for a symbolic link
            return new Reach(lower, join(base, lower.subpath(from, n)), chain.toArray(LowerHandles.Handle[]::new));
        } catch (IOException | RuntimeException e) {
            closeAll(chain);
            throw e;
        }
    }

    /**
     * A path to {@code lower} for as long as an open file needs it (its content may set a header xattr
     * or look up free space later): {@code lower} itself when it fits, else a handle on its directory
     * plus its name, so the path stays valid until closed even when the directory moves.
     */
    Reach pin(Path lower) throws IOException {
        if (handles == null || fits(lower)) {
            return new Reach(lower, lower, null);
        }
        LowerHandles.Handle dir;
        try (Reach parent = reach(lower.getParent())) {
            dir = handles.open(parent.at());
        }
        return new Reach(lower, dir.path().resolve(lower.getFileName().toString()), new LowerHandles.Handle[] {dir});
    }

    private boolean fits(Path lower) {
        String s = lower.toString();
        return s.length() <= limit / 3 || utf8Length(s) <= limit;
    }

    private static Path join(Path base, Path rest) {
        return base == null ? rest : base.resolve(rest.toString());
    }

    private static void closeAll(List<LowerHandles.Handle> chain) {
        for (int i = chain.size() - 1; i >= 0; i--) {
            chain.get(i).close();
        }
    }

    /** Bytes of {@code s} in UTF-8, as the kernel gets it. */
    static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes++;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2; // 4 bytes for the pair
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    /**
     * A lower path ({@link #lower}: the key for caches and the open-file table) and the path to hand to
     * the kernel for it ({@link #at}), valid until {@link #close}.
     */
    static final class Reach implements AutoCloseable {
        private final Path lower;
        private final Path at;
        private final LowerHandles.Handle[] chain;

        Reach(Path lower, Path at, LowerHandles.Handle[] chain) {
            this.lower = lower;
            this.at = at;
            this.chain = chain;
        }

        Path lower() {
            return lower;
        }

        Path at() {
            return at;
        }

        /** Whether {@link #at} goes through handles (and differs from {@link #lower}). */
        boolean throughHandles() {
            return chain != null;
        }

        @Override
        public void close() {
            if (chain != null) {
                closeAll(List.of(chain));
            }
        }
    }

    /** The last component of a plaintext path ("" for the root). */
    static String baseName(String plainPath) {
        int end = plainPath.length();
        while (end > 0 && plainPath.charAt(end - 1) == '/') {
            end--;
        }
        int slash = plainPath.lastIndexOf('/', end - 1);
        return plainPath.substring(slash + 1, end);
    }
}
