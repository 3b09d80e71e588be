package io.ucryptfs.cli;

import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.vault.Vault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The key options shared by {@code mount}, {@code info}, {@code decrypt} and {@code unlock}, and which
 * kind of lower directory they open:
 *
 * <ul>
 *   <li>{@code --ecryptfs}: a bare eCryptfs directory; the passphrase is the mount passphrase, as given
 *       to mount.ecryptfs (salt, key size and name encryption as options, names found out when not given);
 *   <li>{@code --wrapped-passphrase FILE}: the passphrase is the login passphrase that unwraps an
 *       ecryptfs-utils {@code wrapped-passphrase}; {@code Private.sig} beside it names the keys;
 *   <li>nothing, on a vault (a config at {@code LOWER.ucryptfs} or {@code --config FILE}, see
 *       {@link Vault}): the passphrase opens the vault, which holds the keys and settings;
 *   <li>nothing, on {@code ~/.Private}: {@code ~/.ecryptfs/wrapped-passphrase} is used as above.
 * </ul>
 *
 * {@link BareEcryptfsKeys} opens the first, second and last, {@link VaultKeys} the third.
 */
public class KeyOptions {

    @Mixin
    PassphraseInput input = new PassphraseInput();

    @Mixin
    BareEcryptfsKeys bare = new BareEcryptfsKeys();

    @Mixin
    VaultKeys vault = new VaultKeys();

    @Mixin
    FormatOptions format = new FormatOptions();

    @Option(names = "--passthrough", description = "Show lower files that are not eCryptfs files as they are.")
    boolean passthrough;

    /** What a mount's front process gives its daemon (wiped by the receiver): see {@link #daemonSecret}. */
    record DaemonSecret(char[] secret, boolean vaultKey) {}

    /**
     * Opens the keys of {@code lower} as {@code mount}'s front process does (a wrong passphrase is a
     * {@link UserError} with {@link UserError#WRONG_KEY}) and returns what opens them again in the
     * daemon: for a vault its mount passphrase in hex, else the passphrase read (null if none was).
     */
    DaemonSecret daemonSecret(Path lower) throws UserError, IOException {
        input.keepForDaemon();
        resolve(lower).build().keys().destroy();
        return input.takeKept();
    }

    /**
     * The daemon unlocking a locked mount: the next key opening uses {@code secret} (what a mount's
     * front process hands its daemon: for a vault, its mount passphrase in hex, {@code vaultKey}; else
     * the passphrase read) and never asks for anything.
     */
    void presetDaemonSecret(char[] secret, boolean vaultKey) throws UserError {
        input.forbidPrompts();
        if (vaultKey) {
            vault.presetDaemonVaultKey(secret);
        } else {
            input.preset(secret);
        }
    }

    /** Open the vault with this mount passphrase instead of asking (the vault was just made). */
    void presetMountPassphrase(byte[] mountPassphrase) {
        vault.presetMountPassphrase(mountPassphrase);
    }

    /**
     * Whether mounting {@code lower} should create a vault first: no key options, no vault config, and
     * no LOWER at all. (An existing empty LOWER may be a vault whose config lives elsewhere; making a
     * second vault there would be a surprise, so that one gets "not a ucryptfs vault".)
     */
    boolean wantsNewVault(Path lower) throws UserError, IOException {
        return !anyKeySource() && vault.config(lower).isEmpty() && !Files.exists(lower, LinkOption.NOFOLLOW_LINKS);
    }

    /** Key size for a vault made on first use: --key-bytes, else 16 (as ecryptfs-setup-private). */
    /** See {@link FormatOptions#refuseSaltForNewVault}. */
    void refuseSaltForNewVault() throws UserError {
        format.refuseSaltForNewVault();
    }

    int newVaultKeyBytes() throws UserError {
        return format.newVaultKeyBytes();
    }

    /** Whether a vault made on first use encrypts names: yes unless --no-fnek. */
    boolean newVaultEncryptsNames() {
        return format.newVaultEncryptsNames();
    }

    /** After making the vault: its config holds the salt, key size and name setting. */
    void forgetFormatOptions() {
        format.forget();
    }

    /** Whether a key source was given at all: key options, a vault config, a key file or a token. */
    boolean anyKeySource() {
        return bare.given() || vault.given();
    }

    Path configFor(Path lower) throws UserError {
        return vault.configFor(lower);
    }

    public Path passfile() {
        return input.passfile();
    }

    /** The token whose protector opened the vault at the last {@link #resolve}, if one did (mount watches it). */
    Optional<Pkcs11Uri> openedByToken() {
        return vault.openedByToken();
    }

    /**
     * The mount options for {@code lower} from these options (asking for the passphrase as needed).
     *
     * @throws UserError with {@link UserError#WRONG_KEY} for a wrong passphrase
     */
    public MountOptions.Builder resolve(Path lower) throws UserError, IOException {
        if (vault.given() && bare.given()) {
            throw new UserError(vault.givenOption() + " is for vaults; not with --ecryptfs or --wrapped-passphrase");
        }
        if (!bare.given()) {
            Optional<Path> conf = vault.config(lower);
            if (conf.isPresent()) {
                format.refuseForVault(conf.get());
                return vault.open(lower, conf.get(), input).passthrough(passthrough);
            }
        }
        if (vault.givenCredential() != null) {
            throw new UserError(lower + " is not a ucryptfs vault: " + vault.givenCredential() + " opens vaults only");
        }
        return bare.open(lower, format, input).passthrough(passthrough);
    }
}
