package io.ucryptfs.core.fs;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ucryptfs.core.names.NameCipher;
import io.ucryptfs.core.names.NameTooLongException;
import java.nio.file.Path;

/**
 * Maps plaintext paths ("/a/b") to lower paths, one encrypted component at a time, as the kernel's
 * lookup does (it finds a lower file by encrypting the plaintext name again).
 */
final class LowerPaths {
    private final Path root;
    private final NameCipher names;
    /**
     * Encrypted names of recently used components: names are deterministic, and every operation
     * encrypts each component of its path again (an AES and a base64 pass each), so this saves most of
     * the name crypto of a tree walk.
     */
    private final Cache<String, String> encrypted = Caffeine.newBuilder().maximumSize(50_000).build();

    LowerPaths(Path root, NameCipher names) {
        this.root = root;
        this.names = names;
    }

    private String encryptedName(String component) throws NameTooLongException {
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

    NameCipher names() {
        return names;
    }

    Path lower(String plainPath) throws FsException {
        Path p = root;
        int i = 0;
        int n = plainPath.length();
        while (i < n) {
            int slash = plainPath.indexOf('/', i);
            int end = slash < 0 ? n : slash;
            if (end > i) {
                String component = plainPath.substring(i, end);
                if (component.equals(".") || component.equals("..")) {
                    throw new FsException(Errno.EINVAL, plainPath + ": '.' and '..' are resolved by the caller");
                }
                try {
                    String lowerName = encryptedName(component);
                    // encrypted names are ASCII; plaintext ones need their exact bytes
                    p = names.encryptsNames() ? p.resolve(lowerName) : NamePaths.resolve(p, lowerName);
                } catch (NameTooLongException e) {
                    throw new FsException(Errno.ENAMETOOLONG, plainPath + ": " + e.getMessage());
                } catch (IllegalArgumentException e) {
                    throw new FsException(Errno.EINVAL, plainPath + ": " + e.getMessage());
                }
            }
            i = end + 1;
        }
        return p;
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
