package io.ucryptfs.cli;

import io.ucryptfs.keystore.vault.Credential;
import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.PassphraseCredential;
import io.ucryptfs.keystore.vault.Protectors;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import io.ucryptfs.keystore.vault.VaultProtectors;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ucryptfs passwd LOWER}: a passphrase protector gets a new passphrase (same id, kind and
 * label); the old one stops opening it. Only the config changes.
 */
@Command(name = "passwd", mixinStandardHelpOptions = true,
        description = {"Change the passphrase of a passphrase protector of the vault LOWER: asks for the old passphrase, "
                + "then the new one twice (--passfile and --new-passfile for scripts).",
                "The old passphrase (or --keyfile, with another protector) opens the vault; the protector it opened "
                + "gets the new passphrase, or the one given with --id. Only the config changes; no file in LOWER does."})
public final class PasswdCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "LOWER", description = "The vault's lower directory.")
    Path lower;

    @Mixin
    VaultAccess access;

    @Option(names = "--new-passfile", paramLabel = "FILE", description = "Read the new passphrase from the first line of FILE.")
    Path newPassfile;

    @Option(names = "--id", paramLabel = "ID", description = "The passphrase protector to change (see: ucryptfs protector list).")
    String id;

    @Override
    public Integer call() throws UserError {
        Path low = lower.toAbsolutePath().normalize();
        Path conf = access.configOf(low);
        VaultConfig c = VaultAccess.read(conf);
        List<String> passphraseIds = c.protectors().stream()
                .filter(s -> Protectors.module(s.get(Protectors.KIND).orElse(""))
                        .map(m -> m.credential() == PassphraseCredential.class).orElse(false))
                .map(VaultConfig.Section::name).toList();
        if (id != null && !passphraseIds.contains(id)) {
            throw new UserError(c.section(VaultConfig.PROTECTOR, id).isPresent()
                    ? "protector " + id + " does not open with a passphrase; passwd changes passphrase protectors only"
                    : conf + " has no protector " + id);
        }
        if (passphraseIds.isEmpty()) {
            throw new UserError(conf + " has no passphrase protector (add one: ucryptfs protector add passphrase)");
        }
        try (MountPassphrase mp = access.unlock("Old passphrase for " + low + ": ", c, any -> true)) {
            String target = id != null ? id
                    : passphraseIds.contains(mp.protectorId()) ? mp.protectorId()
                    : passphraseIds.size() == 1 ? passphraseIds.get(0) : null;
            if (target == null) {
                throw new UserError("the vault has several passphrase protectors " + passphraseIds + ": say which with --id");
            }
            Credential nc = ProtectorAddCommand.newPassphrase(newPassfile, low);
            try {
                VaultProtectors.change(conf, c, mp, target, nc, new SecureRandom());
            } finally {
                nc.destroy();
            }
            System.err.println("ucryptfs: protector " + target + " of " + conf + " has a new passphrase");
            return 0;
        } catch (VaultException e) {
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError(UserError.FAILURE, InitCommand.ioMessage(e), e);
        }
    }
}
