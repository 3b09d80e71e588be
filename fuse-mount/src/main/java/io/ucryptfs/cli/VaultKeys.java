package io.ucryptfs.cli;

import io.ucryptfs.core.fs.LowerProbe;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.Secrets;
import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.vault.Credential;
import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.TokenProtector;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --config}, {@code --keyfile}, {@code --token}: the keys of a ucryptfs vault (see {@link Vault}),
 * whose config holds the keys, wrapped by protectors, and the settings. Any one protector opens it: a
 * passphrase, a key file or a token ({@link VaultAccess} reads the credential).
 */
class VaultKeys {

    @Option(names = "--config", paramLabel = "FILE", description = "The vault's config (default: LOWER.ucryptfs beside LOWER).")
    Path config;

    @Option(names = "--keyfile", paramLabel = "FILE", description = "Open the vault with this key file (a keyfile protector) instead of a passphrase.")
    Path keyfile;

    /** --token URI, --pin-file FILE; without them a vault's token is tried first when present. */
    @Mixin
    VaultAccess.TokenOptions tokens = new VaultAccess.TokenOptions();

    /** Set by the mount front process for its daemon: the passphrase read is the vault's mount passphrase, in hex. */
    @Option(names = "--daemon-vault-key", hidden = true)
    boolean daemonVaultKey;

    /** The vault's per-file token key, if it has one: its PIN on the way to the daemon. */
    private final VaultFileKeys fileKeys = new VaultFileKeys();

    private byte[] presetMountPassphrase;
    private Pkcs11Uri openedByToken;

    /** Whether any vault option was given. */
    boolean given() {
        return givenOption() != null;
    }

    /** The first vault option given ({@code --config}, {@code --keyfile}, {@code --token}), or null. */
    String givenOption() {
        return config != null ? "--config" : givenCredential();
    }

    /** {@code --keyfile} or {@code --token} if given (they name a protector, so only a vault can use them), or null. */
    String givenCredential() {
        return keyfile != null ? "--keyfile" : tokens.given() ? "--token" : null;
    }

    /** The vault config of {@code lower}: {@code --config}, else {@code LOWER.ucryptfs} if there is one. */
    Optional<Path> config(Path lower) throws UserError {
        if (config != null) {
            if (!Files.isRegularFile(config)) {
                throw new UserError(config + ": no such vault config");
            }
            return Optional.of(config);
        }
        try {
            Path p = Vault.defaultConfig(lower);
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        } catch (VaultException e) {
            return Optional.empty();
        }
    }

    /** Where the config of {@code lower} is or goes, whether or not it exists yet. */
    Path configFor(Path lower) throws UserError {
        try {
            return config != null ? config.toAbsolutePath().normalize() : Vault.defaultConfig(lower);
        } catch (VaultException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** Open the vault with this mount passphrase instead of asking (the vault was just made). */
    void presetMountPassphrase(byte[] mountPassphrase) {
        this.presetMountPassphrase = mountPassphrase.clone();
    }

    /** The daemon: open the vault with the mount passphrase its front process handed over (hex, maybe with a PIN). */
    void presetDaemonVaultKey(char[] secret) throws UserError {
        presetMountPassphrase = mountPassphraseFrom(secret, "the vault key given is not hex");
    }

    /** The token whose protector opened the vault at the last {@link #open}, if one did (mount watches it). */
    Optional<Pkcs11Uri> openedByToken() {
        return Optional.ofNullable(openedByToken);
    }

    /**
     * Keys and settings, without {@code --passthrough}, from the vault of {@code lower} with config
     * {@code conf}, opened with the user's credential (or the preset mount passphrase).
     */
    MountOptions.Builder open(Path lower, Path conf, PassphraseInput input) throws UserError, IOException {
        VaultConfig c = VaultAccess.read(conf);
        Vault.Unlocked v;
        char[] forDaemon = null;
        try (MountPassphrase mp = mountPassphrase(lower, c, input)) {
            v = Vault.open(c, mp);
            openedByToken = tokenOf(c, mp.protectorId());
            if (input.keepsForDaemon()) {
                // the daemon gets the mount passphrase, so it needs neither the protector's secret nor Argon2id's memory
                byte[] b = mp.bytes();
                forDaemon = HexFormat.of().formatHex(b).toCharArray();
                Secrets.wipe(b);
            }
        } catch (VaultException e) {
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        }
        String sig = v.keys().signatures().get(0);
        LowerProbe.Result probe = LowerProbe.scan(lower, 200);
        if (probe.encryptedFiles() > 0 && !probe.signatures().contains(sig) && !VaultFileKeys.named(c, probe.signatures())) {
            v.destroy();
            throw new UserError(lower + " is not the lower directory of vault " + conf + ": its files want keys "
                    + probe.signatures() + ", the vault's is " + sig);
        }
        MountOptions.Builder withFileKeys = fileKeys.builder(c, v.keys(), !input.keepsForDaemon());
        if (forDaemon != null) {
            input.keep(fileKeys.appendPin(forDaemon), true); // the daemon logs in to the file-key token itself
        }
        return withFileKeys
                .keyBytes(v.keyBytes())
                .encryptNames(v.encryptNames());
    }

    /**
     * The URI of token protector {@code protectorId} as it was used: the stored one, with the module-path
     * of {@code --token} when given (as the protector used it), without any PIN source. Null for other kinds.
     */
    private Pkcs11Uri tokenOf(VaultConfig c, String protectorId) throws UserError {
        Optional<Pkcs11Uri> stored = TokenProtector.uriOf(c, protectorId);
        if (stored.isEmpty()) {
            return null;
        }
        Pkcs11Uri u = stored.get();
        Optional<String> module = tokens.uri().flatMap(Pkcs11Uri::modulePath);
        if (module.isPresent()) {
            u = u.withQuery(Pkcs11Uri.MODULE_PATH, module.get());
        }
        return u.withQuery(Pkcs11Uri.PIN_SOURCE, null).withQuery(Pkcs11Uri.PIN_VALUE, null);
    }

    /** The vault's mount passphrase: just made, handed to the daemon, or from a protector. */
    private MountPassphrase mountPassphrase(Path lower, VaultConfig c, PassphraseInput input) throws UserError, IOException {
        byte[] given = null;
        try {
            if (presetMountPassphrase != null) {
                given = presetMountPassphrase;
                presetMountPassphrase = null;
            } else if (daemonVaultKey) {
                char[] line = Passphrases.read(input.passfile(), input.prompt("the vault key"));
                try {
                    given = mountPassphraseFrom(line, "--daemon-vault-key: not hex");
                } finally {
                    Arrays.fill(line, '\0');
                }
            } else {
                Credential cred = VaultAccess.credential(keyfile, input.passfile(), tokens, c,
                        input.prompt("Passphrase for " + lower + ": "));
                fileKeys.offer(c, cred, tokens.pinFile());
                return VaultAccess.unlock(c, cred, id -> true);
            }
            return Vault.givenMountPassphrase(c, given);
        } catch (WrongPassphraseException e) {
            throw new UserError(UserError.WRONG_KEY, "wrong mount passphrase for " + c.source());
        } finally {
            Secrets.wipe(given);
        }
    }

    /** The mount passphrase from what a front process hands its daemon: hex, then maybe the file-key PIN (kept). */
    private byte[] mountPassphraseFrom(char[] line, String notHex) throws UserError {
        char[] hex = fileKeys.splitPin(line);
        try {
            return HexFormat.of().parseHex(CharBuffer.wrap(hex));
        } catch (IllegalArgumentException e) {
            throw new UserError(notHex);
        } finally {
            Arrays.fill(hex, '\0');
        }
    }
}
