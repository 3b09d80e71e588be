package io.ucryptfs.cli;

import io.ucryptfs.core.keys.Secrets;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.pkcs11.TokenException;
import io.ucryptfs.keystore.pkcs11.TokenFileKeys;
import io.ucryptfs.keystore.pkcs11.TokenModule;
import io.ucryptfs.keystore.pkcs11.TokenSession;
import io.ucryptfs.keystore.vault.FileKeys;
import io.ucryptfs.keystore.vault.TokenProtectorException;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ucryptfs file-keys add|mode|show|remove}: a vault's per-file token key ({@link FileKeys}):
 * new files' FEKs encrypted to a token's RSA key in eCryptfs tag 1 packets, beside the mount key's
 * tag 3 packets or instead of them. Changes rewrite only the config, and apply to files created from
 * the next mount on.
 */
@Command(name = "file-keys", mixinStandardHelpOptions = true,
        description = {"Per-file token packets: encrypt each new file's key to a PKCS#11 token's RSA key too (mode "
                + "mount+token: the passphrase or the token opens it) or only (mode token: only the token opens it).",
                "The public key is stored in the config (new files need no token); opening a token-only file needs the "
                + "token and its PIN at mount (--token URI --pin-file F, or --pin-file F beside the passphrase).",
                "A mode change applies to files created after the next mount; files keep their packets."},
        subcommands = {FileKeysCommand.Add.class, FileKeysCommand.SetMode.class, FileKeysCommand.Show.class,
            FileKeysCommand.Remove.class})
public final class FileKeysCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: add, mode, show or remove");
    }

    /** LOWER and --config, shared by the subcommands. */
    static class Vault {
        @Parameters(index = "0", paramLabel = "LOWER", description = "The vault's lower directory.")
        Path lower;

        @Option(names = "--config", paramLabel = "FILE", description = "The vault's config (default: LOWER.ucryptfs beside LOWER).")
        Path config;

        Path conf() throws UserError {
            return VaultAccess.configOf(config, lower.toAbsolutePath().normalize());
        }

        static FileKeys.Mode mode(String given) throws UserError {
            return FileKeys.Mode.of(given).orElseThrow(() -> new UserError("--mode: '" + given
                    + "' is not mount, mount+token or token"));
        }

        static FileKeys existing(VaultConfig c) throws UserError {
            return fileKeys(c).orElseThrow(() -> new UserError(c.source()
                    + " has no file keys (ucryptfs file-keys add --token URI LOWER)"));
        }

        static Optional<FileKeys> fileKeys(VaultConfig c) throws UserError {
            try {
                return FileKeys.of(c);
            } catch (VaultException e) {
                throw new UserError(UserError.FAILURE, e.getMessage(), e);
            }
        }

        static void write(VaultConfig c, Path conf) throws UserError {
            try {
                c.update(conf);
            } catch (VaultException e) {
                throw new UserError(UserError.FAILURE, e.getMessage(), e);
            } catch (IOException e) {
                throw new UserError(UserError.FAILURE, InitCommand.ioMessage(e), e);
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Give the vault LOWER a per-file token key: the RSA key pair --token names (read without a "
                    + "PIN; then one login with its PIN checks that the token decrypts with the private key).",
                    "Stores the key's URI (no PIN), its public key and its tag 1 signature in the config."})
    static final class Add implements Callable<Integer> {
        @Mixin
        Vault vault;

        @Mixin
        VaultAccess.TokenOptions tokens = new VaultAccess.TokenOptions();

        @Option(names = "--mode", paramLabel = "MODE", defaultValue = "mount+token",
                description = "What new files get: mount (tag 3 only), mount+token (tag 3 and tag 1) or token "
                        + "(tag 1 only: only the token opens them). Default ${DEFAULT-VALUE}.")
        String mode;

        @Override
        public Integer call() throws UserError, IOException {
            FileKeys.Mode m = Vault.mode(mode);
            Pkcs11Uri uri = tokens.uri().orElseThrow(() -> new UserError("give the token's key: --token URI"));
            Path conf = vault.conf();
            VaultConfig c = VaultAccess.read(conf);
            Optional<FileKeys> old = Vault.fileKeys(c);
            if (old.isPresent()) {
                throw new UserError(conf + " has file keys already (key " + old.get().keySig()
                        + "); ucryptfs file-keys remove first");
            }
            RSAPublicKey key;
            try (TokenSession s = TokenSession.open(TokenModule.load(uri), uri)) {
                key = TokenFileKeys.publicKey(s, uri).publicKey();
            } catch (TokenException e) {
                throw new UserError(UserError.FAILURE, "token " + uri.token().orElse("?") + ": " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            FileKeys fk;
            try {
                fk = FileKeys.put(c, uri, key, m);
            } catch (VaultException | IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            check(fk, tokens);
            Vault.write(c, conf);
            System.err.println("ucryptfs: added file keys to " + conf + ": token key " + fk.keySig() + ", mode "
                    + m.entry() + " (" + describe(m) + ") for files created from the next mount on");
            return 0;
        }

        /** One login and one decryption on the token: the private key is there and is the public key's pair. */
        private static void check(FileKeys fk, VaultAccess.TokenOptions tokens) throws UserError, IOException {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            byte[] back = null;
            var cred = tokens.credential(fk.uri());
            try {
                TokenFileKeys.Unwrapper k = fk.privateKey(cred);
                try {
                    back = k.decrypt(fk.publicWrapper().encrypt(probe));
                } finally {
                    k.destroy();
                }
            } catch (TokenProtectorException e) {
                throw VaultAccess.failure(e);
            } finally {
                cred.destroy();
            }
            boolean same = MessageDigest.isEqual(probe, back);
            Secrets.wipe(back);
            if (!same) {
                throw new UserError("the token's private key does not decrypt what its public key encrypts");
            }
        }
    }

    static String describe(FileKeys.Mode m) {
        return switch (m) {
            case MOUNT -> "new files open with the mount key only";
            case MOUNT_AND_TOKEN -> "new files open with the mount key or the token";
            case TOKEN -> "new files open only with the token";
        };
    }

    @Command(name = "mode", mixinStandardHelpOptions = true,
            description = "Set what files created from the next mount on get: mount, mount+token or token. "
                    + "Existing files keep their packets.")
    static final class SetMode implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MODE", description = "mount, mount+token or token.")
        String mode;

        @Parameters(index = "1", paramLabel = "LOWER", description = "The vault's lower directory.")
        Path lower;

        @Option(names = "--config", paramLabel = "FILE", description = "The vault's config (default: LOWER.ucryptfs beside LOWER).")
        Path config;

        @Override
        public Integer call() throws UserError {
            FileKeys.Mode m = Vault.mode(mode);
            Path conf = VaultAccess.configOf(config, lower.toAbsolutePath().normalize());
            VaultConfig c = VaultAccess.read(conf);
            Vault.existing(c);
            try {
                FileKeys.setMode(c, m);
            } catch (VaultException e) {
                throw new UserError(UserError.FAILURE, e.getMessage(), e);
            }
            Vault.write(c, conf);
            System.err.println("ucryptfs: " + conf + ": file-key mode " + m.entry() + " (" + describe(m)
                    + "); mounted now? it applies after the next mount");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show the vault's file keys. Needs no secret.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Vault vault;

        @Override
        public Integer call() throws UserError {
            VaultConfig c = VaultAccess.read(vault.conf());
            Optional<FileKeys> fk = Vault.fileKeys(c);
            if (fk.isEmpty()) {
                System.out.println("no file keys (new files open with the mount key only)");
                return 0;
            }
            FileKeys k = fk.get();
            System.out.println("mode:    " + k.mode().entry() + " (" + describe(k.mode()) + ")");
            System.out.println("token:   " + k.uri().format());
            System.out.println("key-sig: " + k.keySig() + " (RSA-" + k.publicKey().getModulus().bitLength() + ")");
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Remove the vault's file keys: new files get the mount key only, and mounts no longer load "
                    + "the token key, so files made in mode token stop opening until it is added again."})
    static final class Remove implements Callable<Integer> {
        @Mixin
        Vault vault;

        @Override
        public Integer call() throws UserError {
            Path conf = vault.conf();
            VaultConfig c = VaultAccess.read(conf);
            FileKeys k = Vault.existing(c);
            c.removeSection(FileKeys.SECTION, "");
            Vault.write(c, conf);
            System.err.println("ucryptfs: removed file keys (token key " + k.keySig() + ") from " + conf
                    + "; files only it opens need them added again (file-keys add with the same key)");
            return 0;
        }
    }
}
