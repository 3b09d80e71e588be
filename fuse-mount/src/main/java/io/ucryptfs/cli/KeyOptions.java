package io.ucryptfs.cli;

import io.ucryptfs.core.fs.LowerProbe;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.KeyFileException;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.PrivateSig;
import io.ucryptfs.core.keys.Secrets;
import io.ucryptfs.core.keys.WrappedPassphrase;
import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.core.names.EcryptfsNameCipher;
import io.ucryptfs.core.names.InvalidNameException;
import io.ucryptfs.keystore.vault.Credential;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.TokenProtector;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The key options shared by {@code mount}, {@code info} and {@code decrypt}, and how they become the
 * keys of a lower directory:
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
 */
public class KeyOptions {

    @Option(names = "--passfile", paramLabel = "FILE", description = "Read the passphrase from the first line of FILE.")
    Path passfile;

    @Option(names = "--ecryptfs", description = "LOWER is a bare eCryptfs directory; the passphrase is its mount passphrase.")
    boolean ecryptfs;

    @Option(names = "--wrapped-passphrase", paramLabel = "FILE",
            description = "Unwrap the mount passphrase from an ecryptfs-utils wrapped-passphrase FILE with the login passphrase.")
    Path wrappedPassphrase;

    @Option(names = "--config", paramLabel = "FILE", description = "The vault's config (default: LOWER.ucryptfs beside LOWER).")
    Path config;

    @Option(names = "--keyfile", paramLabel = "FILE", description = "Open the vault with this key file (a keyfile protector) instead of a passphrase.")
    Path keyfile;

    /** --token URI, --pin-file FILE; without them a vault's token is tried first when present. */
    @picocli.CommandLine.Mixin
    VaultAccess.TokenOptions tokens = new VaultAccess.TokenOptions();

    /** The vault's per-file token key, if it has one: its PIN on the way to the daemon. */
    private final VaultFileKeys fileKeys = new VaultFileKeys();

    /** Set by the mount front process for its daemon: the passphrase read is the vault's mount passphrase, in hex. */
    @Option(names = "--daemon-vault-key", hidden = true)
    boolean daemonVaultKey;

    @Option(names = "--salt", paramLabel = "HEX", description = "Passphrase salt, 16 hex digits (default 0011223344556677).")
    String salt;

    @Option(names = "--key-bytes", paramLabel = "N", description = "AES key size of new files: 16, 24 or 32 (default 16).")
    Integer keyBytes;

    @Option(names = "--fnek", negatable = true,
            description = "File names are encrypted (--no-fnek: they are not). Found out from the directory when not given.")
    Boolean fnek;

    @Option(names = "--passthrough", description = "Show lower files that are not eCryptfs files as they are.")
    boolean passthrough;

    private boolean remember;
    private Pkcs11Uri openedByToken;
    private char[] remembered;
    private boolean rememberedVaultKey;

    /**
     * Keep what opens the keys, for handing it to the mount daemon: the passphrase read, or for a
     * vault its mount passphrase in hex (so the daemon needs neither the protector's secret nor
     * Argon2id's memory).
     */
    void remember(boolean on) {
        this.remember = on;
    }

    /** What {@link #resolve} remembered, if asked to; the caller wipes it. */
    char[] remembered() {
        char[] r = remembered;
        remembered = null;
        return r;
    }

    /** Whether {@link #remembered()} is a vault's mount passphrase (give the daemon --daemon-vault-key). */
    boolean rememberedVaultKey() {
        return rememberedVaultKey;
    }

    private byte[] presetMountPassphrase;
    private char[] presetPassphrase;
    private boolean noPrompt;

    /**
     * The daemon unlocking a locked mount: the next key opening uses {@code secret} (what a mount's
     * front process hands its daemon: for a vault, its mount passphrase in hex, {@code vaultKey}; else
     * the passphrase read) and never asks for anything.
     */
    void presetDaemonSecret(char[] secret, boolean vaultKey) throws UserError {
        noPrompt = true;
        if (vaultKey) {
            char[] hex = fileKeys.splitPin(secret);
            try {
                presetMountPassphrase = HexFormat.of().parseHex(java.nio.CharBuffer.wrap(hex));
            } catch (IllegalArgumentException e) {
                throw new UserError("the vault key given is not hex");
            } finally {
                java.util.Arrays.fill(hex, '\0');
            }
        } else {
            presetPassphrase = secret.clone();
        }
    }

    /** What a mount's front process gives its daemon (wiped by the receiver): see {@link #daemonSecret}. */
    record DaemonSecret(char[] secret, boolean vaultKey) {}

    /**
     * Opens the keys of {@code lower} as {@code mount}'s front process does (a wrong passphrase is a
     * {@link UserError} with {@link UserError#WRONG_KEY}) and returns what opens them again in the
     * daemon: for a vault its mount passphrase in hex, else the passphrase read (null if none was).
     */
    DaemonSecret daemonSecret(Path lower) throws UserError, IOException {
        remember(true);
        resolve(lower).build().keys().destroy();
        return new DaemonSecret(remembered(), rememberedVaultKey());
    }

    /** Open the vault with this mount passphrase instead of asking (the vault was just made). */
    void presetMountPassphrase(byte[] mountPassphrase) {
        this.presetMountPassphrase = mountPassphrase.clone();
    }

    /**
     * Whether mounting {@code lower} should create a vault first: no key options, no vault config, and
     * no LOWER at all. (An existing empty LOWER may be a vault whose config lives elsewhere; making a
     * second vault there would be a surprise, so that one gets "not a ucryptfs vault".)
     */
    boolean wantsNewVault(Path lower) throws UserError, IOException {
        return !given() && config == null && keyfile == null && !tokens.given() && vaultConfig(lower).isEmpty() && !Files.exists(lower, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** Key size for a vault made on first use: --key-bytes, else 16 (as ecryptfs-setup-private). */
    int newVaultKeyBytes() throws UserError {
        int kb = keyBytes != null ? keyBytes : 16;
        if (kb != 16 && kb != 24 && kb != 32) {
            throw new UserError("--key-bytes must be 16, 24 or 32");
        }
        return kb;
    }

    /** Whether a vault made on first use encrypts names: yes unless --no-fnek. */
    boolean newVaultEncryptsNames() {
        return fnek == null || fnek;
    }

    /** After making the vault: its config holds the salt, key size and name setting. */
    void forgetFormatOptions() {
        keyBytes = null;
        fnek = null;
        salt = null;
    }

    /** Whether a key source was given at all: key options, a vault config, a key file or a token. */
    boolean anyKeySource() {
        return given() || config != null || keyfile != null || tokens.given();
    }

    Path configFor(Path lower) throws UserError {
        try {
            return config != null ? config.toAbsolutePath().normalize() : Vault.defaultConfig(lower);
        } catch (VaultException e) {
            throw new UserError(e.getMessage());
        }
    }

    private char[] readPassphrase(String prompt) throws IOException, UserError {
        char[] p;
        if (presetPassphrase != null) {
            p = presetPassphrase;
            presetPassphrase = null;
        } else {
            p = Passphrases.read(passfile, noPrompt(prompt));
        }
        if (remember) {
            remembered = p.clone();
        }
        return p;
    }

    /** Whether any key option was given (else the caller looks for a vault or ~/.Private). */
    public boolean given() {
        return ecryptfs || wrappedPassphrase != null;
    }

    /** The prompt, unless prompting is forbidden (the daemon): then a UserError. */
    private String noPrompt(String prompt) throws UserError {
        if (noPrompt) {
            throw new UserError("no passphrase given for " + prompt.trim());
        }
        return prompt;
    }

    public Path passfile() {
        return passfile;
    }

    /** The default wrapped-passphrase for {@code lower}: ~/.ecryptfs/wrapped-passphrase when lower is ~/.Private. */
    static Optional<Path> ubuntuWrappedPassphrase(Path lower) {
        Path home = Path.of(System.getProperty("user.home"));
        Path wp = home.resolve(".ecryptfs").resolve(WrappedPassphrase.FILE_NAME);
        try {
            if (Files.isSameFile(lower, home.resolve(".Private")) && Files.isRegularFile(wp)) {
                return Optional.of(wp);
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The mount options for {@code lower} from these options (asking for the passphrase as needed).
     *
     * @throws UserError with {@link UserError#WRONG_KEY} for a wrong passphrase
     */
    public MountOptions.Builder resolve(Path lower) throws UserError, IOException {
        Path wrapped = wrappedPassphrase;
        if ((config != null || keyfile != null || tokens.given()) && given()) {
            throw new UserError((config != null ? "--config" : keyfile != null ? "--keyfile" : "--token")
                    + " is for vaults; not with --ecryptfs or --wrapped-passphrase");
        }
        if (!given()) {
            Optional<Path> vault = vaultConfig(lower);
            if (vault.isPresent()) {
                return fromVault(lower, vault.get());
            }
        }
        if (keyfile != null || tokens.given()) {
            throw new UserError(lower + " is not a ucryptfs vault: " + (keyfile != null ? "--keyfile" : "--token")
                    + " opens vaults only");
        }
        if (!ecryptfs && wrapped == null) {
            wrapped = ubuntuWrappedPassphrase(lower).orElseThrow(() -> new UserError(
                    lower + " is not a ucryptfs vault; for an eCryptfs directory give --ecryptfs (mount passphrase) "
                            + "or --wrapped-passphrase FILE (login passphrase)"));
        }
        byte[] saltBytes = salt == null ? PassphraseKey.DEFAULT_SALT : parseSalt(salt);
        if (wrapped != null) {
            return fromWrapped(lower, wrapped, saltBytes);
        }
        char[] pass = readPassphrase("Mount passphrase for " + lower + ": ");
        byte[] bytes = Secrets.utf8(pass);
        java.util.Arrays.fill(pass, '\0');
        try {
            return bare(lower, bytes, saltBytes, null);
        } finally {
            Secrets.wipe(bytes);
        }
    }

    /** The vault config of {@code lower}: {@code --config}, else {@code LOWER.ucryptfs} if there is one. */
    private Optional<Path> vaultConfig(Path lower) throws UserError {
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

    /** Keys and settings from a vault, opened with the user's passphrase. */
    private MountOptions.Builder fromVault(Path lower, Path conf) throws UserError, IOException {
        if (salt != null || fnek != null || keyBytes != null) {
            throw new UserError("--salt, --fnek and --key-bytes come from the vault config " + conf + "; leave them out");
        }
        VaultConfig c = VaultAccess.read(conf);
        Vault.Unlocked v;
        try (MountPassphrase mp = vaultMountPassphrase(lower, c)) {
            v = Vault.open(c, mp);
            openedByToken = tokenOf(c, mp.protectorId());
            if (remember) {
                byte[] b = mp.bytes();
                remembered = HexFormat.of().formatHex(b).toCharArray();
                rememberedVaultKey = true;
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
        MountOptions.Builder withFileKeys = fileKeys.builder(c, v.keys(), !remember);
        if (remember) {
            remembered = fileKeys.appendPin(remembered); // the daemon logs in to the file-key token itself
        }
        return withFileKeys
                .keyBytes(v.keyBytes())
                .encryptNames(v.encryptNames())
                .passthrough(passthrough);
    }

    /** The token whose protector opened the vault at the last {@link #resolve}, if one did (mount watches it). */
    Optional<Pkcs11Uri> openedByToken() {
        return Optional.ofNullable(openedByToken);
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
    private MountPassphrase vaultMountPassphrase(Path lower, VaultConfig c) throws UserError, IOException {
        byte[] given = null;
        try {
            if (presetMountPassphrase != null) {
                given = presetMountPassphrase;
                presetMountPassphrase = null;
            } else if (daemonVaultKey) {
                char[] line = Passphrases.read(passfile, noPrompt("the vault key"));
                char[] hex = fileKeys.splitPin(line);
                java.util.Arrays.fill(line, '\0');
                try {
                    given = HexFormat.of().parseHex(java.nio.CharBuffer.wrap(hex));
                } catch (IllegalArgumentException e) {
                    throw new UserError("--daemon-vault-key: not hex");
                } finally {
                    java.util.Arrays.fill(hex, '\0');
                }
            } else {
                Credential cred = VaultAccess.credential(keyfile, passfile, tokens, c, noPrompt("Passphrase for " + lower + ": "));
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

    private MountOptions.Builder fromWrapped(Path lower, Path wrapped, byte[] saltBytes) throws UserError, IOException {
        char[] login = readPassphrase("Login passphrase for " + wrapped + ": ");
        byte[] mountPass;
        try {
            mountPass = WrappedPassphrase.unwrap(wrapped, login);
        } catch (WrongPassphraseException e) {
            throw new UserError(UserError.WRONG_KEY, "wrong passphrase for " + wrapped);
        } catch (KeyFileException e) {
            throw new UserError(e.getMessage());
        } catch (java.security.GeneralSecurityException e) {
            throw new UserError(UserError.WRONG_KEY, "cannot unwrap " + wrapped + ": " + e.getMessage());
        } finally {
            java.util.Arrays.fill(login, '\0');
        }
        try {
            Path sigFile = wrapped.resolveSibling(PrivateSig.FILE_NAME);
            PrivateSig sigs = Files.isRegularFile(sigFile) ? PrivateSig.read(sigFile) : null;
            return bare(lower, mountPass, saltBytes, sigs);
        } finally {
            Secrets.wipe(mountPass);
        }
    }

    /** Keys for a bare eCryptfs directory from its mount passphrase. */
    private MountOptions.Builder bare(Path lower, byte[] mountPass, byte[] saltBytes, PrivateSig sigs)
            throws UserError, IOException {
        PassphraseKey fileKey = PassphraseKey.derive(mountPass, saltBytes);
        LowerProbe.Result probe = LowerProbe.scan(lower, 200);
        if (sigs != null && !sigs.fileKeySig().equals(fileKey.signature())) {
            throw new UserError(UserError.WRONG_KEY, "the unwrapped mount passphrase does not match " + PrivateSig.FILE_NAME
                    + " (key " + sigs.fileKeySig() + ")");
        }
        if (probe.encryptedFiles() > 0 && !probe.signatures().contains(fileKey.signature())) {
            throw new UserError(UserError.WRONG_KEY, "wrong passphrase: no file in " + lower + " carries its key "
                    + fileKey.signature() + " (the files want " + probe.signatures() + ")");
        }
        int kb = keyBytes != null ? keyBytes : 16;
        boolean names = fnek != null ? fnek : (sigs != null && sigs.fnekSig().isPresent()) || probe.encryptedName().isPresent();
        PassphraseKey nameKey = null;
        if (names) {
            nameKey = chooseNameKey(mountPass, fileKey, kb, probe.encryptedName());
        }
        return MountOptions.builder(KeyRing.of(List.of(fileKey), nameKey))
                .keyBytes(kb)
                .encryptNames(names)
                .passthrough(passthrough);
    }

    /**
     * The file-name key: ecryptfs-utils derives a separate one with the "99887766" salt; a plain
     * mount.ecryptfs without ecryptfs_fnek_sig uses the file key. Tried on a real lower name when there is one.
     */
    private static PassphraseKey chooseNameKey(byte[] mountPass, PassphraseKey fileKey, int kb, Optional<String> sample) {
        PassphraseKey separate = PassphraseKey.derive(mountPass, PassphraseKey.FNEK_SALT);
        if (sample.isEmpty() || decrypts(separate, kb, sample.get())) {
            return separate;
        }
        if (decrypts(fileKey, kb, sample.get())) {
            separate.destroy();
            return fileKey;
        }
        return separate;
    }

    private static boolean decrypts(PassphraseKey key, int kb, String lowerName) {
        EcryptfsNameCipher c = new EcryptfsNameCipher(key, kb);
        try {
            c.decrypt(lowerName);
            return true;
        } catch (InvalidNameException e) {
            return false;
        } finally {
            c.close();
        }
    }

    static byte[] parseSalt(String hex) throws UserError {
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
