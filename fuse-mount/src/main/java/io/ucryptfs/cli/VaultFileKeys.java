package io.ucryptfs.cli;

import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PrivateKeyUnwrapper;
import io.ucryptfs.core.keys.Secrets;
import io.ucryptfs.keystore.vault.Credential;
import io.ucryptfs.keystore.vault.FileKeys;
import io.ucryptfs.keystore.vault.TokenCredential;
import io.ucryptfs.keystore.vault.TokenProtectorException;
import io.ucryptfs.keystore.vault.VaultConfig;
import io.ucryptfs.keystore.vault.VaultException;
import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The mount side of a vault's per-file token key ({@link FileKeys}, the config's {@code [file-keys]}):
 * the ring always gets the stored public key (new files are wrapped to it as the mode says), and the
 * token's private key when its PIN is known: the PIN of the token credential the vault was opened
 * with (the same token), else {@code --pin-file} beside a passphrase, else none (files only the
 * token opens then fail with EACCES).
 *
 * <p>The front process of {@code mount} and {@code unlock} never logs in to it: it hands the PIN to
 * the daemon on the line that carries the mount passphrase ({@link #appendPin}: {@code HEX} then a
 * space and the PIN's UTF-8 bytes in hex), and the daemon logs in once and holds the session.
 */
final class VaultFileKeys {
    /** The PIN for the file-key token, while known; wiped once used. */
    private char[] pin;

    /**
     * The credential the vault is about to be opened with: its PIN is kept when it is a PIN for the
     * file keys' token; otherwise {@code pinFile}, if given beside a passphrase or key file, is read as that PIN.
     */
    void offer(VaultConfig c, Credential cred, Path pinFile) throws UserError, IOException {
        Optional<FileKeys> fk = fileKeys(c);
        if (fk.isEmpty()) {
            return;
        }
        if (cred instanceof TokenCredential t) {
            if (t.hasPin() && fk.get().sameToken(t.uri())) {
                set(t.pinCopy());
            }
        } else if (pinFile != null) {
            set(Passphrases.read(pinFile, "PIN"));
        }
    }

    /** {@code line} (what a mount's front process hands its daemon) without the PIN it may carry, which is kept. */
    char[] splitPin(char[] line) throws UserError {
        int sp = -1;
        for (int i = 0; i < line.length; i++) {
            if (line[i] == ' ') {
                sp = i;
                break;
            }
        }
        if (sp < 0) {
            return line.clone();
        }
        byte[] b;
        try {
            b = HexFormat.of().parseHex(CharBuffer.wrap(line, sp + 1, line.length - sp - 1));
        } catch (IllegalArgumentException e) {
            throw new UserError("the token PIN handed over is not hex");
        }
        try {
            CharBuffer cb = java.nio.charset.StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(b));
            set(Arrays.copyOfRange(cb.array(), cb.position(), cb.limit()));
            Arrays.fill(cb.array(), '\0');
        } finally {
            Secrets.wipe(b);
        }
        return Arrays.copyOf(line, sp);
    }

    /** {@code hex} (wiped) with the PIN, if known, appended for the daemon; the PIN here is wiped. */
    char[] appendPin(char[] hex) {
        if (pin == null) {
            return hex;
        }
        byte[] b = Secrets.utf8(pin);
        char[] p = HexFormat.of().formatHex(b).toCharArray();
        Secrets.wipe(b);
        char[] out = new char[hex.length + 1 + p.length];
        System.arraycopy(hex, 0, out, 0, hex.length);
        out[hex.length] = ' ';
        System.arraycopy(p, 0, out, hex.length + 1, p.length);
        Arrays.fill(p, '\0');
        Arrays.fill(hex, '\0');
        forget();
        return out;
    }

    /**
     * The mount options over {@code ring} (from the vault; this takes it over) for {@code c}: without
     * file keys the ring as it is; with them the public key, the mode of new files, and, with
     * {@code login} and a PIN, the private key on the token (the PIN is wiped either way).
     * Without {@code login} (a front process that hands the PIN on) a PIN whose token is absent is dropped.
     */
    MountOptions.Builder builder(VaultConfig c, KeyRing ring, boolean login) throws UserError {
        Optional<FileKeys> found = fileKeys(c);
        if (found.isEmpty()) {
            forget();
            return MountOptions.builder(ring);
        }
        FileKeys fk = found.get();
        List<PrivateKeyUnwrapper> priv = List.of();
        if (pin == null) {
            note(fk, "no PIN given for its token (--pin-file FILE, or --token URI)");
        } else if (!login) {
            fk.absence().ifPresent(why -> { // else the PIN stays for appendPin
                forget();
                note(fk, why);
            });
        } else {
            try {
                priv = List.of(fk.privateKey(new TokenCredential(fk.uri(), pin)));
            } catch (TokenProtectorException e) {
                if (!e.absent()) {
                    ring.destroy();
                    throw VaultAccess.failure(e);
                }
                note(fk, e.getMessage());
            } finally {
                forget();
            }
        }
        KeyRing withFileKeys = KeyRing.of(ring.fileKeys(), ring.hasSeparateNameKey() ? ring.nameKey() : null,
                List.of(fk.publicWrapper()), priv);
        return MountOptions.builder(withFileKeys).newFileKeys(fk.mode().newFileKeys());
    }

    private static void note(FileKeys fk, String why) {
        System.err.println("ucryptfs: note: files only token key " + fk.keySig() + " opens will fail with EACCES: "
                + why);
    }

    /** Whether {@code c} has file keys and {@code signatures} (of lower files) name them: files only the token opens. */
    static boolean named(VaultConfig c, java.util.Set<String> signatures) throws UserError {
        return fileKeys(c).map(fk -> signatures.contains(fk.keySig())).orElse(false);
    }

    private static Optional<FileKeys> fileKeys(VaultConfig c) throws UserError {
        try {
            return FileKeys.of(c);
        } catch (VaultException e) {
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        }
    }

    private void set(char[] p) {
        forget();
        pin = p;
    }

    private void forget() {
        if (pin != null) {
            Arrays.fill(pin, '\0');
            pin = null;
        }
    }
}
