package io.ucryptfs.core.names;

/**
 * Turns one plaintext path component into its lower name and back. One instance per mount; thread-safe.
 *
 * <p>Implementations: {@link PlainNames} (names stored as they are) and {@link EcryptfsNameCipher}
 * (the kernel's file-name encryption, tag 70 packets). Symlink targets go through the same cipher
 * when names are encrypted.
 */
public interface NameCipher {

    /**
     * The lower name of {@code plainName} (one component, no '/').
     *
     * @throws NameTooLongException if the lower name would not fit in the lower filesystem (ENAMETOOLONG)
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
}
