package io.ucryptfs.core.names;

/**
 * Names stored as they are: a mount without file-name encryption. The kernel then copies names
 * through unchanged ({@code ecryptfs_encrypt_and_encode_filename} / {@code
 * ecryptfs_decode_and_decrypt_filename} without {@code ECRYPTFS_GLOBAL_ENCRYPT_FILENAMES}, and
 * {@code ecryptfs_set_f_namelen} reports the lower limit), and symlink targets are stored in plaintext.
 * The limits are the lower filesystem's: {@value #NAME_MAX} bytes per name, {@value #SYMLINK_MAX}
 * bytes per symlink target.
 */
public final class PlainNames implements NameCipher {

    /** Linux NAME_MAX. */
    public static final int NAME_MAX = 255;
    /** PATH_MAX − 1 (the terminating NUL); also ext4's limit with 4 KiB blocks. */
    public static final int SYMLINK_MAX = 4095;

    @Override
    public String encrypt(String plainName) throws NameTooLongException {
        if (NameRules.isDotOrDotDot(plainName)) {
            return plainName;
        }
        int n = NameRules.componentBytes(plainName).length;
        if (n > NAME_MAX) {
            throw new NameTooLongException("name of " + n + " bytes exceeds " + NAME_MAX);
        }
        return plainName;
    }

    @Override
    public String decrypt(String lowerName) throws InvalidNameException {
        try {
            if (!NameRules.isDotOrDotDot(lowerName)) {
                NameRules.componentBytes(lowerName);
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidNameException("lower name '" + lowerName + "': " + e.getMessage(), e);
        }
        return lowerName;
    }

    @Override
    public String encryptSymlinkTarget(String target) throws NameTooLongException {
        int n = NameRules.targetBytes(target).length;
        if (n > SYMLINK_MAX) {
            throw new NameTooLongException("symlink target of " + n + " bytes exceeds " + SYMLINK_MAX);
        }
        return target;
    }

    @Override
    public String decryptSymlinkTarget(String lowerTarget) throws InvalidNameException {
        try {
            NameRules.targetBytes(lowerTarget);
        } catch (IllegalArgumentException e) {
            throw new InvalidNameException("lower symlink target: " + e.getMessage(), e);
        }
        return lowerTarget;
    }

    @Override
    public int maxPlainNameLength() {
        return NAME_MAX;
    }

    @Override
    public int maxSymlinkTargetLength() {
        return SYMLINK_MAX;
    }

    @Override
    public boolean encryptsNames() {
        return false;
    }

    @Override
    public String toString() {
        return "PlainNames";
    }
}
