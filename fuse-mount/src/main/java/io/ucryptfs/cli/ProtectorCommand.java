package io.ucryptfs.cli;

import io.ucryptfs.keystore.vault.MountPassphrase;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import io.ucryptfs.keystore.vault.VaultProtectors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ucryptfs protector list|add|remove}: the protectors of a vault, each a way to open its
 * mount passphrase. Changes rewrite the config atomically and never touch the lower directory.
 */
@Command(name = "protector", mixinStandardHelpOptions = true,
        description = {"List, add or remove the protectors of a vault: each one (a passphrase, a key file, an "
                + "ecryptfs-utils wrapped passphrase) opens the vault's mount passphrase on its own.",
                "Changes rewrite only the config (LOWER.ucryptfs); no file in LOWER changes."},
        subcommands = {ProtectorCommand.ListCommand.class, ProtectorAddCommand.class, ProtectorCommand.RemoveCommand.class})
public final class ProtectorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: list, add or remove");
    }

    /** {@code ucryptfs protector list LOWER}: one line per protector, no secret needed. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the protectors of the vault LOWER: id, kind, label, creation date, parameters. Needs no passphrase.")
    static final class ListCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "LOWER", description = "The vault's lower directory.")
        Path lower;

        @Mixin
        VaultAccess access;

        @Override
        public Integer call() throws UserError {
            Path conf = access.configOf(lower.toAbsolutePath().normalize());
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "KIND", "LABEL", "CREATED", "DETAILS"});
            for (VaultProtectors.Info i : VaultProtectors.list(VaultAccess.read(conf))) {
                rows.add(new String[] {i.id(), i.kind(), i.label().orElse("-"), i.created().orElse("-"), i.details()});
            }
            int[] width = new int[4];
            for (String[] r : rows) {
                for (int k = 0; k < width.length; k++) {
                    width[k] = Math.max(width[k], r[k].length());
                }
            }
            for (String[] r : rows) {
                StringBuilder b = new StringBuilder();
                for (int k = 0; k < width.length; k++) {
                    b.append(r[k]).append(" ".repeat(width[k] - r[k].length() + 2));
                }
                System.out.println(b.append(r[4]).toString().stripTrailing());
            }
            return 0;
        }
    }

    /** {@code ucryptfs protector remove LOWER ID}: after opening the vault with another protector. */
    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Remove protector ID from the vault LOWER. Open the vault with another of its protectors "
                    + "first (passphrase, --passfile or --keyfile), which shows one still works; the last protector is never removed."})
    static final class RemoveCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "LOWER", description = "The vault's lower directory.")
        Path lower;

        @Parameters(index = "1", paramLabel = "ID", description = "The protector to remove (see: ucryptfs protector list).")
        String id;

        @Mixin
        VaultAccess access;

        @Override
        public Integer call() throws UserError {
            Path low = lower.toAbsolutePath().normalize();
            Path conf = access.configOf(low);
            VaultConfig c = VaultAccess.read(conf);
            String why = VaultProtectors.whyNotRemovable(c, id).orElse(null);
            if (why != null) {
                throw new UserError(why);
            }
            MountPassphrase mp;
            try {
                mp = access.unlock("Passphrase of another protector of " + low + ": ", c, other -> !other.equals(id));
            } catch (UserError e) {
                if (e.exitCode() == UserError.WRONG_KEY) {
                    throw new UserError(UserError.WRONG_KEY, e.getMessage()
                            + " (to remove " + id + ", open the vault with one of its other protectors)");
                }
                throw e;
            }
            mp.destroy(); // it only had to open
            try {
                VaultProtectors.remove(conf, c, id);
            } catch (VaultException e) {
                throw new UserError(UserError.FAILURE, e.getMessage(), e);
            } catch (IOException e) {
                throw new UserError(UserError.FAILURE, InitCommand.ioMessage(e), e);
            }
            System.err.println("ucryptfs: removed protector " + id + " from " + conf);
            return 0;
        }
    }
}
