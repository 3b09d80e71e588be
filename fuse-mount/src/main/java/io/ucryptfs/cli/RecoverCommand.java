package io.ucryptfs.cli;

import io.ucryptfs.keystore.recovery.RecoveryCheck;
import io.ucryptfs.keystore.vault.KeyModule;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code ucryptfs recover LOWER}: opens a vault with K of the shares of its recovery protector (from
 * {@code --share}, {@code --shares-file}, {@code --token}s holding shares, or typed in), then gives it a new passphrase protector, so
 * it mounts again as usual. Nothing else in the vault changes.
 */
@Command(name = "recover", mixinStandardHelpOptions = true,
        description = {"Open a vault with K of its recovery shares and give it a new passphrase.",
            "Shares come from --share (repeat it), --shares-file, tokens holding them (--token URI, repeat it; one --pin-file each or asked),",
            "or are typed in, one at a time, each ended by an empty line."})
public final class RecoverCommand extends ProtectorAddCommand.NewPassphrase {

    @Override
    KeyModule module() {
        return Vault.passphraseModule();
    }

    /** {@code protector add passphrase}, opened with shares only, typed in when none were given. */
    @Override
    public Integer call() throws UserError {
        if (access.passfile != null || access.keyfile != null) {
            throw new UserError("recover opens a vault with recovery shares only: give --share, --shares-file or --token, not --passfile or --keyfile");
        }
        access.shareTokens = true;
        if (access.recoveryShares().isEmpty() && !access.tokens.given()) {
            Path low = lower.toAbsolutePath().normalize();
            access.shares.addAll(typeShares(VaultAccess.read(access.configOf(low))));
        }
        if (label == null) {
            label = "recovered " + LocalDate.now(ZoneOffset.UTC);
        }
        int rc = super.call();
        System.err.println("ucryptfs: mount it with the new passphrase: ucryptfs mount " + lower + " MOUNTPOINT");
        return rc;
    }

    /** Shares typed in (or piped), each ended by an empty line, as many as the recovery protector needs. */
    private static List<String> typeShares(VaultConfig c) throws UserError {
        int need = c.protectors().stream()
                .filter(s -> s.get(RecoveryCheck.THRESHOLD).isPresent())
                .mapToInt(s -> Integer.parseInt(s.get(RecoveryCheck.THRESHOLD).orElseThrow()))
                .findFirst()
                .orElseThrow(() -> new UserError(c.source() + " has no recovery protector"));
        boolean terminal = System.console() != null;
        List<String> out = new ArrayList<>();
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (out.size() < need) {
                if (terminal) {
                    System.err.println("Recovery share " + (out.size() + 1) + " of the " + need
                            + " needed (its lines, then an empty line):");
                }
                StringBuilder share = new StringBuilder();
                String line;
                while ((line = in.readLine()) != null && !line.isBlank()) {
                    share.append(line).append('\n');
                }
                if (share.length() > 0) {
                    out.add(share.toString());
                }
                if (line == null) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UserError(UserError.FAILURE, "reading shares: " + e.getMessage(), e);
        } catch (NumberFormatException e) {
            throw new UserError(UserError.FAILURE, c.source() + ": its recovery protector is damaged (threshold)", e);
        }
        return out;
    }
}
