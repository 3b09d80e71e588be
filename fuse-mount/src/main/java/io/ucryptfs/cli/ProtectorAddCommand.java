package io.ucryptfs.cli;

import io.ucryptfs.core.keys.AtomicFiles;
import io.ucryptfs.keystore.recovery.RecoveryKey;
import io.ucryptfs.keystore.recovery.RecoverySet;
import io.ucryptfs.keystore.recovery.RecoveryShare;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.vault.Credential;
import io.ucryptfs.keystore.vault.KeyFileCredential;
import io.ucryptfs.keystore.vault.KeyModule;
import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.PassphraseCredential;
import io.ucryptfs.keystore.vault.RecoveryCredential;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import io.ucryptfs.keystore.vault.VaultProtectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ucryptfs protector add passphrase|keyfile FILE|ecryptfs-wrapped|token --uri URI LOWER}: opens the vault
 * with one of its protectors, then adds one of the kind asked for, holding the same mount passphrase.
 */
@Command(name = "add", mixinStandardHelpOptions = true,
        description = "Add a protector to a vault, after opening it with an existing one.",
        subcommands = {ProtectorAddCommand.PassphraseKind.class, ProtectorAddCommand.KeyFileKind.class,
            ProtectorAddCommand.WrappedKind.class, ProtectorAddCommand.RecoveryKind.class, ProtectorAddCommand.TokenKind.class})
public final class ProtectorAddCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing kind: passphrase, keyfile FILE, ecryptfs-wrapped, recovery or token --uri URI");
    }

    /** What every kind shares: open the vault, make the new credential, add, say so. */
    abstract static class Base implements Callable<Integer> {
        @Mixin
        VaultAccess access;

        @Option(names = "--label", paramLabel = "TEXT", description = "A note shown by 'protector list' (one line, up to 64 characters).")
        String label;

        final SecureRandom rng = new SecureRandom();

        abstract Path lower();

        abstract KeyModule module();

        /** The new protector's credential, asked for after the vault opened. */
        abstract Credential newCredential(Path lower) throws UserError, IOException;

        @Override
        public Integer call() throws UserError {
            Path low = lower().toAbsolutePath().normalize();
            Path conf = access.configOf(low);
            VaultConfig c = VaultAccess.read(conf);
            String id;
            try (MountPassphrase mp = access.unlock("Passphrase for " + low + " (any of its protectors): ", c, any -> true)) {
                Credential nc = newCredential(low);
                try {
                    id = VaultProtectors.add(conf, c, mp, module(), nc, label, rng);
                } finally {
                    nc.destroy();
                }
            } catch (VaultException e) {
                throw VaultAccess.failure(e);
            } catch (IOException e) {
                throw new UserError(UserError.FAILURE, InitCommand.ioMessage(e), e);
            }
            System.err.println("ucryptfs: added protector " + id + " (" + module().kind() + ") to " + conf);
            afterAdd(id);
            return 0;
        }

        /** What to do once the protector is stored (a recovery protector hands out its shares). */
        void afterAdd(String id) throws UserError {
        }
    }

    /** A new passphrase, asked twice on a terminal, or from {@code --new-passfile}. */
    static PassphraseCredential newPassphrase(Path newPassfile, Path lower) throws IOException {
        char[] p = Passphrases.readNew(newPassfile, "New passphrase for " + lower + ": ");
        try {
            return new PassphraseCredential(p);
        } finally {
            Arrays.fill(p, '\0');
        }
    }

    /** The kinds that open with a passphrase: the new one asked twice on a terminal, or from {@code --new-passfile}. */
    abstract static class NewPassphrase extends Base {  // also RecoverCommand's base
        @Parameters(index = "0", paramLabel = "LOWER", description = "The vault's lower directory.")
        Path lower;

        @Option(names = "--new-passfile", paramLabel = "FILE", description = "Read the new passphrase from the first line of FILE.")
        Path newPassfile;

        @Override
        Path lower() {
            return lower;
        }

        @Override
        Credential newCredential(Path low) throws IOException {
            return newPassphrase(newPassfile, low);
        }
    }

    @Command(name = "passphrase", mixinStandardHelpOptions = true,
            description = "Add an Argon2id passphrase protector (cost calibrated here: about 1 s and 256 MiB).")
    static final class PassphraseKind extends NewPassphrase {
        @Override
        KeyModule module() {
            return Vault.passphraseModule();
        }
    }

    @Command(name = "ecryptfs-wrapped", mixinStandardHelpOptions = true,
            description = "Add a passphrase protector in ecryptfs-utils' wrapped-passphrase format (v2), for a vault that must also open with ecryptfs-utils.")
    static final class WrappedKind extends NewPassphrase {
        @Override
        KeyModule module() {
            return Vault.ecryptfsWrappedModule();
        }
    }

    @Command(name = "keyfile", mixinStandardHelpOptions = true,
            description = {"Add a key-file protector: FILE (made with 64 random bytes, mode 0600, when missing; else at least 32 bytes) opens the vault.",
                "Keep FILE outside LOWER, and a copy somewhere safe."})
    static final class KeyFileKind extends Base {
        @Parameters(index = "0", paramLabel = "FILE", description = "The key file.")
        Path file;

        @Parameters(index = "1", paramLabel = "LOWER", description = "The vault's lower directory.")
        Path lower;

        @Override
        Path lower() {
            return lower;
        }

        @Override
        KeyModule module() {
            return Vault.keyFileModule();
        }

        @Override
        Credential newCredential(Path low) throws UserError, IOException {
            Path f = file.toAbsolutePath().normalize();
            if (f.startsWith(low)) {
                throw new UserError("the key file " + f + " must not be inside " + low + ", which it opens");
            }
            return KeyFileCredential.createOrRead(f, rng, () -> System.err.println("ucryptfs: made key file " + f + " ("
                    + KeyFileCredential.NEW_BYTES + " random bytes, mode 0600)"));
        }
    }

    @Command(name = "recovery", mixinStandardHelpOptions = true,
            description = {"Add a k-of-n recovery protector: a new random recovery key, split into N shares of which any K open the vault.",
                "The shares are printed (or written to --out-dir, one file each, mode 0600) once, after the protector is stored,",
                "or written to tokens, one each (--token URI, N times; one --pin-file each, or asked), before it is stored;",
                "give one to each keeper. ucryptfs keeps none of them. Open with 'ucryptfs recover LOWER --share ...'."})
    static final class RecoveryKind extends Base {
        @Parameters(index = "0", paramLabel = "LOWER", description = "The vault's lower directory.")
        Path lower;

        @Option(names = "--threshold", paramLabel = "K", required = true, description = "How many shares open the vault.")
        int threshold;

        @Option(names = "--shares", paramLabel = "N", required = true, description = "How many shares to make (at most " + RecoverySet.MAX_SHARES + ").")
        int total;

        @Option(names = "--out-dir", paramLabel = "DIR", description = "Write share-1.txt ... share-N.txt here (mode 0600) instead of printing them.")
        Path outDir;

        private RecoverySet.Split split;

        /** {@code --token} (and {@code --pin-file}) here name the tokens to write the shares to, one each. */
        private VaultAccess.TokenOptions shareTokens;

        @Override
        public Integer call() throws UserError {
            // before the vault is opened: a bad K, N or --token count should not cost a passphrase prompt
            if (threshold < 1 || total < threshold || total > RecoverySet.MAX_SHARES) {
                throw new UserError("--threshold K and --shares N need 1 <= K <= N <= " + RecoverySet.MAX_SHARES
                        + " (got K=" + threshold + ", N=" + total + ")");
            }
            if (access.tokens.given()) {
                shareTokens = access.tokens;
                access.tokens = new VaultAccess.TokenOptions(); // open the vault with another protector
                if (outDir != null) {
                    throw new UserError("--token and --out-dir do not go together: the shares go either all to tokens"
                            + " (one --token per share) or all to --out-dir");
                }
                if (shareTokens.token.size() != total) {
                    throw new UserError("give one --token per share: " + total + " shares, " + shareTokens.token.size()
                            + " tokens (or no --token, to print them or write them to --out-dir)");
                }
                if (!shareTokens.pinFile.isEmpty() && shareTokens.pinFile.size() != total) {
                    throw new UserError("give one --pin-file per --token, in the same order (" + total + " tokens, "
                            + shareTokens.pinFile.size() + " PIN files), or none to be asked");
                }
                shareTokens.uris(); // a bad URI is refused now
            }
            return super.call();
        }

        @Override
        Path lower() {
            return lower;
        }

        @Override
        KeyModule module() {
            return Vault.recoveryModule();
        }

        @Override
        Credential newCredential(Path low) throws UserError {
            RecoveryKey key = RecoveryKey.generate(rng);
            try {
                split = RecoverySet.split(key, threshold, total, rng);
            } catch (IllegalArgumentException e) {
                key.destroy();
                throw new UserError(e.getMessage());
            }
            if (shareTokens != null) {
                try {
                    RecoveryTokens.write(shareTokens, split.shares()); // before the protector is stored
                } catch (UserError e) {
                    key.destroy();
                    split.shares().forEach(RecoveryShare::destroy);
                    throw e;
                }
            }
            return RecoveryCredential.forNew(key, split.check());
        }

        @Override
        void afterAdd(String id) throws UserError {
            try {
                if (shareTokens != null) {
                    System.err.println("ucryptfs: the " + total + " shares are on the " + total
                            + " tokens, one each (any " + threshold + " open the vault)");
                } else if (outDir != null) {
                    Files.createDirectories(outDir);
                    for (RecoveryShare s : split.shares()) {
                        Path f = outDir.resolve("share-" + s.index() + ".txt");
                        AtomicFiles.create(f, (s.printed() + "\n").getBytes(StandardCharsets.US_ASCII));
                    }
                    System.err.println("ucryptfs: wrote " + total + " shares to " + outDir + " (any " + threshold + " open the vault)");
                } else {
                    for (RecoveryShare s : split.shares()) {
                        System.out.println(s.printed());
                        System.out.println();
                    }
                }
            } catch (IOException e) {
                throw new UserError(UserError.FAILURE, "protector " + id + " was added, but its shares could not be written: "
                        + InitCommand.ioMessage(e) + "; remove it with 'ucryptfs protector remove' and add it again", e);
            } finally {
                split.shares().forEach(RecoveryShare::destroy);
            }
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true,
            description = {"Add a PKCS#11 token protector: the mount passphrase wrapped by a key on the token (an RSA key pair or an AES key, which must exist).",
                "The key is named by --uri, e.g. 'pkcs11:token=mytoken;object=vault-key?module-path=/usr/lib/softhsm/libsofthsm2.so'; asks for the token's PIN (or --pin-file)."})
    static final class TokenKind extends Base {
        @Parameters(index = "0", paramLabel = "LOWER", description = "The vault's lower directory.")
        Path lower;

        @Option(names = "--uri", paramLabel = "URI", required = true,
                description = "The token and key (RFC 7512 pkcs11: URI with object= or id=, and module-path=).")
        String uri;

        @Override
        Path lower() {
            return lower;
        }

        @Override
        KeyModule module() {
            return Vault.tokenModule();
        }

        @Override
        Credential newCredential(Path low) throws UserError, IOException {
            Pkcs11Uri u;
            try {
                u = Pkcs11Uri.parse(uri);
            } catch (IllegalArgumentException e) {
                throw new UserError("--uri: " + e.getMessage());
            }
            return access.tokens.credential(u);
        }
    }
}
