package io.ucryptfs.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --passfile}, and the rest of where the secret that opens a lower directory's keys comes from.
 *
 * <p>A mount runs in two processes: the front process asks the user, and its daemon must open the
 * same keys again (at start and at each unlock) without a terminal to ask on. So the front process
 * keeps a copy of what opened the keys for the daemon ({@link #keepForDaemon}), and the daemon is
 * given that copy beforehand and must fail rather than prompt ({@link #forbidPrompts}).
 */
class PassphraseInput {

    @Option(names = "--passfile", paramLabel = "FILE", description = "Read the passphrase from the first line of FILE.")
    Path passfile;

    private boolean noPrompt;
    private char[] preset;
    private boolean keepForDaemon;
    private char[] kept;
    private boolean keptIsVaultKey;

    Path passfile() {
        return passfile;
    }

    /** The daemon: a missing secret is an error, as nobody is there to type it. */
    void forbidPrompts() {
        noPrompt = true;
    }

    /** The next {@link #read} returns {@code passphrase} (a copy; the caller wipes its own). */
    void preset(char[] passphrase) {
        preset = passphrase.clone();
    }

    /** The front process of a mount: keep what opens the keys, for {@link #takeKept}. */
    void keepForDaemon() {
        keepForDaemon = true;
    }

    boolean keepsForDaemon() {
        return keepForDaemon;
    }

    /**
     * Keep {@code secret} (taken over, not copied) for the daemon; {@code vaultKey} when it is a vault's
     * mount passphrase in hex rather than the passphrase typed.
     */
    void keep(char[] secret, boolean vaultKey) {
        kept = secret;
        keptIsVaultKey = vaultKey;
    }

    /** What was kept for the daemon (its secret null if nothing was read); the caller wipes it. */
    KeyOptions.DaemonSecret takeKept() {
        char[] k = kept;
        kept = null;
        return new KeyOptions.DaemonSecret(k, keptIsVaultKey);
    }

    /** A passphrase: the preset one, else {@code --passfile} or the prompt; kept for the daemon when asked to. */
    char[] read(String prompt) throws IOException, UserError {
        char[] p;
        if (preset != null) {
            p = preset;
            preset = null;
        } else {
            p = Passphrases.read(passfile, prompt(prompt));
        }
        if (keepForDaemon) {
            keep(p.clone(), false);
        }
        return p;
    }

    /** The prompt, unless prompting is forbidden (the daemon): then a UserError. */
    String prompt(String prompt) throws UserError {
        if (noPrompt) {
            throw new UserError("no passphrase given for " + prompt.trim());
        }
        return prompt;
    }
}
