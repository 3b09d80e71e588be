package io.ucryptfs.cli;

import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.keystore.vault.Credential;
import io.ucryptfs.keystore.vault.KeyFileCredential;
import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.PassphraseCredential;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Predicate;
import picocli.CommandLine.Option;

/**
 * How the protector commands find a vault's config and open it with one of its protectors: a
 * passphrase (terminal without echo, {@code --passfile}, or stdin), or {@code --keyfile FILE}.
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

    /** The mount passphrase of {@code c}, from a protector that {@code use} accepts, with the credential given. */
    MountPassphrase unlock(String prompt, VaultConfig c, Predicate<String> use) throws UserError {
        return unlock(c, credential(keyfile, passfile, prompt), use);
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
