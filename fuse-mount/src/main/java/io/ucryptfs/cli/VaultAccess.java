package io.ucryptfs.cli;

import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.keystore.vault.Credential;
import io.ucryptfs.keystore.vault.KeyFileCredential;
import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.PassphraseCredential;
import io.ucryptfs.keystore.vault.RecoveryCredential;
import io.ucryptfs.keystore.vault.SharesRefusedException;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import picocli.CommandLine.Option;

/**
 * How the protector commands find a vault's config and open it with one of its protectors: a
 * passphrase (terminal without echo, {@code --passfile}, or stdin), {@code --keyfile FILE}, or K
 * recovery shares ({@code --share}, {@code --shares-file}).
 * The static helpers serve {@link KeyOptions} (mount) too.
 */
public class VaultAccess {

    @Option(names = "--config", paramLabel = "FILE", description = "The vault's config (default: LOWER.ucryptfs beside LOWER).")
    Path config;

    @Option(names = "--passfile", paramLabel = "FILE",
            description = "Read the passphrase of an existing protector from the first line of FILE.")
    Path passfile;

    @Option(names = "--keyfile", paramLabel = "FILE", description = "Unlock with this key file (a keyfile protector) instead of a passphrase.")
    Path keyfile;

    /** The config of {@code lower}: {@code --config}, else {@code LOWER.ucryptfs}; it must exist. */
    Path configOf(Path lower) throws UserError {
        Path p;
        try {
            p = config != null ? config.toAbsolutePath().normalize() : Vault.defaultConfig(lower);
        } catch (VaultException e) {
            throw new UserError(e.getMessage());
        }
        if (!Files.isRegularFile(p)) {
            throw new UserError(config != null ? p + ": no such vault config"
                    : lower + " is not a ucryptfs vault (no " + p + "; give --config FILE if it is elsewhere)");
        }
        return p;
    }

    /** Reads the config at {@code file}. */
    static VaultConfig read(Path file) throws UserError {
        try {
            return VaultConfig.read(file);
        } catch (VaultException e) {
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError(UserError.FAILURE, InitCommand.ioMessage(e), e);
        }
    }

    @Option(names = "--share", paramLabel = "SHARE",
            description = "A recovery share (its code, with or without its header line); give K of them to open with a recovery protector.")
    List<String> shares = new ArrayList<>();

    @Option(names = "--shares-file", paramLabel = "FILE",
            description = "Read recovery shares from FILE, one share per paragraph (blank lines between shares).")
    Path sharesFile;

    /** The mount passphrase of {@code c}, from a protector that {@code use} accepts, with the credential given. */
    MountPassphrase unlock(String prompt, VaultConfig c, Predicate<String> use) throws UserError {
        List<String> given = recoveryShares();
        if (!given.isEmpty()) {
            if (keyfile != null || passfile != null) {
                throw new UserError("recovery shares and --keyfile/--passfile do not go together: give one");
            }
            return unlock(c, RecoveryCredential.ofShares(given), use);
        }
        return unlock(c, credential(keyfile, passfile, prompt), use);
    }

    /** The shares of {@code --share} and {@code --shares-file}, in the order given. */
    List<String> recoveryShares() throws UserError {
        List<String> out = new ArrayList<>(shares);
        if (sharesFile != null) {
            try {
                for (String paragraph : Files.readString(sharesFile).split("\\R\\s*\\R")) {
                    if (!paragraph.isBlank()) {
                        out.add(paragraph);
                    }
                }
            } catch (IOException e) {
                throw new UserError(UserError.FAILURE, InitCommand.ioMessage(e), e);
            }
        }
        return out;
    }

    /** The user's credential: the key file when given, else a passphrase from {@code passfile}, the terminal or stdin. */
    static Credential credential(Path keyfile, Path passfile, String prompt) throws UserError {
        try {
            if (keyfile != null) {
                if (passfile != null) {
                    throw new UserError("--keyfile and --passfile do not go together: give one");
                }
                return KeyFileCredential.read(keyfile);
            }
            char[] p = Passphrases.read(passfile, prompt);
            try {
                return new PassphraseCredential(p);
            } finally {
                Arrays.fill(p, '\0');
            }
        } catch (VaultException e) {
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError(UserError.FAILURE, InitCommand.ioMessage(e), e);
        }
    }

    /**
     * Opens {@code c} with {@code credential} (which it destroys): exit 2 with "wrong passphrase" or
     * "wrong key file" when no protector opens, exit 1 with the reason when the vault is damaged.
     */
    static MountPassphrase unlock(VaultConfig c, Credential credential, Predicate<String> use) throws UserError {
        try {
            return Vault.mountPassphrase(c, credential, use, note -> System.err.println("ucryptfs: note: " + note));
        } catch (SharesRefusedException e) {
            throw new UserError(UserError.WRONG_KEY, "the recovery shares do not open " + c.source() + ": " + e.why());
        } catch (WrongPassphraseException e) {
            throw new UserError(UserError.WRONG_KEY, credential instanceof KeyFileCredential k
                    ? "wrong key file: " + k.file() + " opens no protector of " + c.source() : "wrong passphrase");
        } catch (VaultException e) {
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        } finally {
            credential.destroy();
        }
    }
}
