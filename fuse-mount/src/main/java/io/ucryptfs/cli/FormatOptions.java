package io.ucryptfs.cli;

import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --salt}, {@code --key-bytes} and {@code --fnek}: how a lower directory's files are made. A bare
 * eCryptfs directory has nowhere to record them, so they are given on each use; a vault records them in
 * its config when it is made, and from then on they must not be given.
 */
class FormatOptions {

    @Option(names = "--salt", paramLabel = "HEX", description = "Passphrase salt, 16 hex digits (default 0011223344556677).")
    String salt;

    @Option(names = "--key-bytes", paramLabel = "N", description = "AES key size of new files: 16, 24 or 32 (default 16).")
    Integer keyBytes;

    @Option(names = "--fnek", negatable = true,
            description = "File names are encrypted (--no-fnek: they are not). Found out from the directory when not given.")
    Boolean fnek;

    /** The passphrase salt: {@code --salt}, else the default of mount.ecryptfs. */
    byte[] salt() throws UserError {
        return salt == null ? PassphraseKey.DEFAULT_SALT : parseSalt(salt);
    }

    /** {@code --key-bytes}, else 16. */
    int keyBytes() {
        return keyBytes != null ? keyBytes : 16;
    }

    /** {@code --fnek} or {@code --no-fnek}, if given (else the directory tells). */
    Optional<Boolean> encryptNames() {
        return Optional.ofNullable(fnek);
    }

    /** Key size for a vault made on first use: --key-bytes, else 16 (as ecryptfs-setup-private). */
    int newVaultKeyBytes() throws UserError {
        int kb = keyBytes();
        if (kb != 16 && kb != 24 && kb != 32) {
            throw new UserError("--key-bytes must be 16, 24 or 32");
        }
        return kb;
    }

    /** Whether a vault made on first use encrypts names: yes unless --no-fnek. */
    boolean newVaultEncryptsNames() {
        return fnek == null || fnek;
    }

    /** A vault's config already says all of these: giving them too could only contradict it. */
    void refuseForVault(Path conf) throws UserError {
        if (salt != null || fnek != null || keyBytes != null) {
            throw new UserError("--salt, --fnek and --key-bytes come from the vault config " + conf + "; leave them out");
        }
    }

    /**
     * A vault made on first use takes its key size and name setting from these options, but its
     * passphrase salt is its own (random, in the config): a --salt would be silently lost.
     */
    void refuseSaltForNewVault() throws UserError {
        if (salt != null) {
            throw new UserError("--salt is for bare eCryptfs directories (--ecryptfs); a new vault makes its own salt");
        }
    }

    /** After making the vault: its config holds the salt, key size and name setting. */
    void forget() {
        keyBytes = null;
        fnek = null;
        salt = null;
    }

    private static byte[] parseSalt(String hex) throws UserError {
        try {
            byte[] b = HexFormat.of().parseHex(hex);
            if (b.length != PassphraseKey.SALT_BYTES) {
                throw new UserError("--salt needs 16 hex digits");
            }
            return b;
        } catch (IllegalArgumentException e) {
            throw new UserError("--salt needs 16 hex digits");
        }
    }
}
