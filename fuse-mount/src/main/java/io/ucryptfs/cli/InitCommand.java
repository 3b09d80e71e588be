package io.ucryptfs.cli;

import io.ucryptfs.keystore.vault.PassphraseCredential;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ucryptfs init LOWER}: makes a new vault as {@code ecryptfs-setup-private} makes
 * {@code ~/.Private} (so the kernel can open it with the mount passphrase), with its config beside
 * LOWER; see {@link Vault}.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Make a new vault: LOWER (created if missing, else it must be empty) and its config "
                + "(default LOWER.ucryptfs beside it), with a random mount passphrase protected by your passphrase "
                + "(Argon2id, about 1 s and 256 MiB; or --ecryptfs-wrapped).",
                "Mount it with: ucryptfs mount LOWER MOUNTPOINT"})
public final class InitCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "LOWER", description = "The lower (encrypted) directory to make.")
    Path lower;

    @Option(names = "--key-bytes", paramLabel = "N", defaultValue = "16",
            description = "AES key size of the files: 16, 24 or 32 (default ${DEFAULT-VALUE}).")
    int keyBytes;

    @Option(names = "--plaintext-names", description = "Do not encrypt file names.")
    boolean plaintextNames;

    @Option(names = "--passfile", paramLabel = "FILE", description = "Read the new passphrase from the first line of FILE.")
    Path passfile;

    @Option(names = "--config", paramLabel = "FILE", description = "Where to write the vault's config (default LOWER.ucryptfs).")
    Path config;

    @Option(names = "--show-mount-passphrase",
            description = "Print the mount passphrase on stdout, once (for opening the vault with the kernel's eCryptfs).")
    boolean showMountPassphrase;

    @Option(names = "--ecryptfs-wrapped",
            description = "Protect the mount passphrase as ecryptfs-utils' wrapped-passphrase (v2) instead of with Argon2id, "
                    + "for a vault that must also open with ecryptfs-utils (weaker: one salted SHA-512 chain, no memory cost).")
    boolean ecryptfsWrapped;

    @Option(names = "--verbose", description = "Show details of errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (keyBytes != 16 && keyBytes != 24 && keyBytes != 32) {
            throw new UserError("--key-bytes must be 16, 24 or 32");
        }
        Path low = lower.toAbsolutePath().normalize();
        char[] pass = null;
        try {
            Path conf = config != null ? config.toAbsolutePath().normalize() : Vault.defaultConfig(low);
            Vault.checkPlace(low, conf); // before asking for a passphrase
            pass = Passphrases.readNew(passfile, "New passphrase for " + low + ": ");
            PassphraseCredential cred = new PassphraseCredential(pass);
            Vault.Created v;
            try {
                v = Vault.init(low, conf, ecryptfsWrapped ? Vault.ecryptfsWrappedModule() : Vault.passphraseModule(), cred,
                        keyBytes, !plaintextNames, new SecureRandom());
            } finally {
                cred.destroy();
            }
            try {
                System.err.println("ucryptfs: made vault " + low + " (config " + v.config() + "; file key "
                        + v.fileKeySig() + v.nameKeySig().map(s -> ", name key " + s).orElse(", names not encrypted") + ")");
                if (showMountPassphrase) {
                    byte[] mp = v.mountPassphrase();
                    System.out.println(new String(mp, StandardCharsets.US_ASCII));
                    System.out.flush();
                    Arrays.fill(mp, (byte) 0);
                }
            } finally {
                v.destroy();
            }
            return 0;
        } catch (VaultException e) {
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError(UserError.FAILURE, ioMessage(e), e);
        } finally {
            if (pass != null) {
                Arrays.fill(pass, '\0');
            }
        }
    }

    /** One line for an I/O failure: NoSuchFileException and friends carry only the path. */
    static String ioMessage(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) {
            return m + ": no such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return m + ": permission denied";
        }
        return m != null ? m : e.toString();
    }
}
