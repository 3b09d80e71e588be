package io.ucryptfs.cli;

import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.vault.Credential;
import io.ucryptfs.keystore.vault.KeyFileCredential;
import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.PassphraseCredential;
import io.ucryptfs.keystore.vault.RecoveryCredential;
import io.ucryptfs.keystore.vault.SharesRefusedException;
import io.ucryptfs.keystore.vault.TokenCredential;
import io.ucryptfs.keystore.vault.TokenProtector;
import io.ucryptfs.keystore.vault.TokenProtectorException;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How the protector commands find a vault's config and open it with one of its protectors: a
 * passphrase (terminal without echo, {@code --passfile}, or stdin), {@code --keyfile FILE},
 * {@code --token URI} with its PIN ({@link TokenOptions}), or K recovery shares ({@code --share},
 * {@code --shares-file}, tokens holding shares: {@link RecoveryTokens}). The static helpers serve {@link VaultKeys} (mount, info, decrypt) too,
 * which also try a vault's token first when it is present.
 */
public class VaultAccess {

    /**
     * {@code --token URI} and {@code --pin-file FILE}: a token protector's token, and where its PIN
     * comes from (else {@code pin-source=file:...} in the URI, else the terminal without echo, else
     * stdin). A mixin of {@link VaultAccess} and {@link VaultKeys}.
     */
    public static class TokenOptions {
        @Option(names = "--token", paramLabel = "URI",
                description = {"Unlock with a PKCS#11 token (a token protector), e.g. 'pkcs11:token=mytoken'; asks for its PIN.",
                    "Given more than once (or beside --share): tokens holding recovery shares, one PIN each."})
        List<String> token = new ArrayList<>();

        @Option(names = "--pin-file", paramLabel = "FILE",
                description = "Read the token's PIN from the first line of FILE (with several --token: one --pin-file each, in the same order).")
        List<Path> pinFile = new ArrayList<>();

        /** Whether {@code --token} was given. */
        boolean given() {
            return !token.isEmpty();
        }

        /** The one {@code --token} URI, parsed, or empty. */
        Optional<Pkcs11Uri> uri() throws UserError {
            if (token.size() > 1) {
                throw new UserError("--token is given " + token.size() + " times: a token protector is opened by one token"
                        + " (several tokens holding recovery shares: 'ucryptfs recover LOWER --token URI --token URI ...')");
            }
            return token.isEmpty() ? Optional.empty() : Optional.of(uris().get(0));
        }

        /** Every {@code --token} URI, parsed, in the order given. */
        List<Pkcs11Uri> uris() throws UserError {
            List<Pkcs11Uri> out = new ArrayList<>();
            for (String t : token) {
                try {
                    out.add(Pkcs11Uri.parse(t));
                } catch (IllegalArgumentException e) {
                    throw new UserError("--token " + t + ": " + e.getMessage());
                }
            }
            return out;
        }

        /** The one {@code --pin-file}, or null. */
        Path pinFile() throws UserError {
            if (pinFile.size() > 1) {
                throw new UserError("--pin-file is given " + pinFile.size() + " times, for one token");
            }
            return pinFile.isEmpty() ? null : pinFile.get(0);
        }

        /** The credential for {@code uri}'s token: its PIN from --pin-file, the URI's pin-source, or a prompt. */
        TokenCredential credential(Pkcs11Uri uri) throws UserError, IOException {
            char[] pin = pin(uri, pinFile());
            try {
                return new TokenCredential(uri, pin);
            } finally {
                Arrays.fill(pin, '\0');
            }
        }

        /**
         * The PIN of the {@code i}-th of several tokens: the {@code i}-th {@code --pin-file} (there must be
         * none or one per token), else the URI's pin-source, else a prompt naming the token.
         */
        char[] pin(int i, Pkcs11Uri uri) throws UserError, IOException {
            if (!pinFile.isEmpty() && pinFile.size() != token.size()) {
                throw new UserError("give one --pin-file per --token, in the same order (" + token.size() + " tokens, "
                        + pinFile.size() + " PIN files), or none to be asked");
            }
            return pin(uri, pinFile.isEmpty() ? null : pinFile.get(i));
        }

        private static char[] pin(Pkcs11Uri uri, Path file) throws UserError, IOException {
            if (uri.pinValue().isPresent()) {
                throw new UserError("a PIN in the URI (pin-value) is not accepted: give --pin-file FILE");
            }
            if (file == null && uri.pinSource().isPresent()) {
                String src = uri.pinSource().get();
                if (!src.startsWith("file:")) {
                    throw new UserError("pin-source " + src + ": only file: is supported");
                }
                file = Path.of(src.substring("file:".length()).replaceFirst("^//", ""));
            }
            return Passphrases.read(file, "PIN for token " + TokenProtector.tokenName(uri) + ": ");
        }
    }

    @Option(names = "--config", paramLabel = "FILE", description = "The vault's config (default: LOWER.ucryptfs beside LOWER).")
    Path config;

    @Option(names = "--passfile", paramLabel = "FILE",
            description = "Read the passphrase of an existing protector from the first line of FILE.")
    Path passfile;

    @Option(names = "--keyfile", paramLabel = "FILE", description = "Unlock with this key file (a keyfile protector) instead of a passphrase.")
    Path keyfile;

    @Mixin
    TokenOptions tokens = new TokenOptions();

    /** The config of {@code lower}: {@code --config}, else {@code LOWER.ucryptfs}; it must exist. */
    Path configOf(Path lower) throws UserError {
        return configOf(config, lower);
    }

    /** The config {@code config} if given, else {@code LOWER.ucryptfs}; it must exist. */
    static Path configOf(Path config, Path lower) throws UserError {
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

    /**
     * Whether every {@code --token} holds recovery shares ({@code recover}); else only several
     * {@code --token}, or {@code --token} beside {@code --share}, do, and one alone is a token protector's.
     */
    boolean shareTokens;

    /** The mount passphrase of {@code c}, from a protector that {@code use} accepts, with the credential given. */
    MountPassphrase unlock(String prompt, VaultConfig c, Predicate<String> use) throws UserError {
        List<String> given = recoveryShares();
        boolean fromTokens = tokens.given() && (shareTokens || tokens.token.size() > 1 || !given.isEmpty());
        if (!given.isEmpty() || fromTokens) {
            if (keyfile != null || passfile != null) {
                throw new UserError("recovery shares and --keyfile/--passfile do not go together: give one");
            }
            List<String> all = new ArrayList<>(given);
            if (fromTokens) {
                all.addAll(RecoveryTokens.read(tokens, c));
            }
            return unlock(c, RecoveryCredential.ofShares(all), use);
        }
        return unlock(c, credential(keyfile, passfile, tokens, null, prompt), use);
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

    /**
     * The user's credential: the key file, or the token, when given; else with {@code tokenFirst}
     * (mount, info, decrypt) the first token of the vault's token protectors that is present, with
     * its PIN; else a passphrase from {@code passfile}, the terminal or stdin.
     *
     * @param tokenFirst the vault's config, to try its tokens first; null not to
     */
    static Credential credential(Path keyfile, Path passfile, TokenOptions tokens, VaultConfig tokenFirst, String prompt)
            throws UserError {
        try {
            Optional<Pkcs11Uri> token = tokens.uri();
            if ((keyfile != null ? 1 : 0) + (passfile != null ? 1 : 0) + (token.isPresent() ? 1 : 0) > 1) {
                throw new UserError(keyfile != null && passfile != null && token.isEmpty()
                        ? "--keyfile and --passfile do not go together: give one"
                        : "--token, --keyfile and --passfile do not go together: give one");
            }
            if (keyfile != null) {
                return KeyFileCredential.read(keyfile);
            }
            if (token.isPresent()) {
                return tokens.credential(token.get());
            }
            if (passfile == null && tokenFirst != null) {
                for (Pkcs11Uri uri : TokenProtector.uris(tokenFirst)) {
                    Optional<String> absent = TokenProtector.absence(uri);
                    if (absent.isEmpty()) {
                        return tokens.credential(uri);
                    }
                    System.err.println("ucryptfs: " + absent.get() + "; using the passphrase instead");
                }
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
                    ? "wrong key file: " + k.file() + " opens no protector of " + c.source()
                    : credential instanceof TokenCredential t
                    ? "wrong token: no token protector of " + c.source() + " is for " + t.uri() : "wrong passphrase");
        } catch (VaultException e) {
            throw failure(e);
        } finally {
            credential.destroy();
        }
    }

    /**
     * A vault failure as the command's error: exit 1 with its message; a wrong PIN exits 2 with the
     * token's own words on the tries left (never asked again), a locked PIN or an absent token 1.
     */
    static UserError failure(VaultException e) {
        if (e instanceof TokenProtectorException t && t.wrongPin()) {
            return new UserError(UserError.WRONG_KEY, t.getCause().getMessage(), e);
        }
        return new UserError(UserError.FAILURE, e.getMessage(), e);
    }
}
