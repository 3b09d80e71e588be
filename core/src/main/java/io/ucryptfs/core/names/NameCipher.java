package io.ucryptfs.core.names;

/**
 * Turns one plaintext path component into its lower name and back. One instance per mount; thread-safe.
 *
 * <p>Implementations: {@link PlainNames} (names stored as they are) and {@link EcryptfsNameCipher}
 * (the kernel's file-name encryption, tag 70 packets). Symlink targets go through the same cipher
 * when names are encrypted, but with other rules (a target may hold '/', "." and ".." are encrypted
 * like any other target, and the lower limit is the symlink limit, not NAME_MAX): use
 * {@link #encryptSymlinkTarget} / {@link #decryptSymlinkTarget} for them.
 *
 * <p>Plaintext names are Strings that stand for bytes as {@link NameBytes} says (UTF-8 text, other
 * bytes escaped); every byte string Linux allows in a name is one.
 */
public interface NameCipher {

    /**
     * The lower name of {@code plainName} (one component, no '/'). "." and ".." are returned as they are.
     *
     * @throws NameTooLongException if the lower name would not fit in the lower filesystem (ENAMETOOLONG)
     * @throws IllegalArgumentException if {@code plainName} is empty or contains '/' or NUL (the VFS
     *     never passes such a component; this is a caller bug, not a filesystem condition)
     */
    String encrypt(String plainName) throws NameTooLongException;

    /**
     * The plaintext name of a lower name.
     *
     * @throws InvalidNameException if {@code lowerName} is not a name this cipher produced (wrong key,
     *     damaged, or a lower file that is not ours); callers skip such entries in listings
     */
    String decrypt(String lowerName) throws InvalidNameException;

    /** The longest plaintext name, in bytes, that {@link #encrypt} accepts (statfs namelen). */
    int maxPlainNameLength();

    /** Whether names are encrypted (the header flag ECRYPTFS_ENCRYPT_FILENAMES). */
    boolean encryptsNames();

    /**
     * The lower form of a symlink target (the whole target, '/' included).
     *
     * @throws NameTooLongException if the lower target would exceed the lower symlink limit
     * @throws IllegalArgumentException if {@code target} is empty or contains NUL
     */
    default String encryptSymlinkTarget(String target) throws NameTooLongException {
        return encrypt(target);
    }

    /**
     * The plaintext target of a lower symlink target (as read with readlink on the lower file).
     *
     * @throws InvalidNameException as {@link #decrypt}
     */
    default String decryptSymlinkTarget(String lowerTarget) throws InvalidNameException {
        return decrypt(lowerTarget);
    }

    /** The longest plaintext symlink target, in bytes, that {@link #encryptSymlinkTarget} accepts. */
    default int maxSymlinkTargetLength() {
        return maxPlainNameLength();
    }
}
