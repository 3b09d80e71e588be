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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --ecryptfs} and {@code --wrapped-passphrase}: the keys of a bare eCryptfs directory (one made
 * by mount.ecryptfs or ecryptfs-setup-private, with no vault config), derived from its mount passphrase
 * as eCryptfs does. Such a directory records neither its keys nor its settings, so the passphrase is
 * checked against the key signatures its files carry, and name encryption is found out from its names.
 */
class BareEcryptfsKeys {

    @Option(names = "--ecryptfs", description = "LOWER is a bare eCryptfs directory; the passphrase is its mount passphrase.")
    boolean ecryptfs;

    @Option(names = "--wrapped-passphrase", paramLabel = "FILE",
            description = "Unwrap the mount passphrase from an ecryptfs-utils wrapped-passphrase FILE with the login passphrase.")
    Path wrappedPassphrase;

    /** Whether {@code --ecryptfs} or {@code --wrapped-passphrase} was given (else LOWER may be a vault). */
    boolean given() {
        return ecryptfs || wrappedPassphrase != null;
    }

    /**
     * The mount options of bare eCryptfs directory {@code lower}, without {@code --passthrough}, asking
     * for its mount passphrase, or its login passphrase when there is a wrapped-passphrase (given, or
     * Ubuntu's for {@code ~/.Private}).
     *
     * @throws UserError with {@link UserError#WRONG_KEY} for a wrong passphrase
     */
    MountOptions.Builder open(Path lower, FormatOptions format, PassphraseInput input) throws UserError, IOException {
        Path wrapped = wrappedPassphrase;
        if (!ecryptfs && wrapped == null) {
            wrapped = ubuntuWrappedPassphrase(lower).orElseThrow(() -> new UserError(
                    lower + " is not a ucryptfs vault; for an eCryptfs directory give --ecryptfs (mount passphrase) "
                            + "or --wrapped-passphrase FILE (login passphrase)"));
        }
        byte[] saltBytes = format.salt();
        if (wrapped != null) {
            return fromWrapped(lower, wrapped, saltBytes, format, input);
        }
        char[] pass = input.read("Mount passphrase for " + lower + ": ");
        byte[] bytes = Secrets.utf8(pass);
        Arrays.fill(pass, '\0');
        try {
            return fromMountPassphrase(lower, bytes, saltBytes, null, format);
        } finally {
            Secrets.wipe(bytes);
        }
    }

    /** The default wrapped-passphrase for {@code lower}: ~/.ecryptfs/wrapped-passphrase when lower is ~/.Private. */
    private static Optional<Path> ubuntuWrappedPassphrase(Path lower) {
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

    private static MountOptions.Builder fromWrapped(Path lower, Path wrapped, byte[] saltBytes, FormatOptions format,
            PassphraseInput input) throws UserError, IOException {
        char[] login = input.read("Login passphrase for " + wrapped + ": ");
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
            Arrays.fill(login, '\0');
        }
        try {
            Path sigFile = wrapped.resolveSibling(PrivateSig.FILE_NAME);
            PrivateSig sigs = Files.isRegularFile(sigFile) ? PrivateSig.read(sigFile) : null;
            return fromMountPassphrase(lower, mountPass, saltBytes, sigs, format);
        } finally {
            Secrets.wipe(mountPass);
        }
    }

    /** Keys from the mount passphrase; {@code sigs}, the Private.sig beside a wrapped-passphrase, if any. */
    private static MountOptions.Builder fromMountPassphrase(Path lower, byte[] mountPass, byte[] saltBytes, PrivateSig sigs,
            FormatOptions format) throws UserError, IOException {
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
        int kb = format.keyBytes();
        boolean names = format.encryptNames()
                .orElseGet(() -> (sigs != null && sigs.fnekSig().isPresent()) || probe.encryptedName().isPresent());
        PassphraseKey nameKey = null;
        if (names) {
            nameKey = chooseNameKey(mountPass, fileKey, kb, probe.encryptedName());
        }
        return MountOptions.builder(KeyRing.of(List.of(fileKey), nameKey))
                .keyBytes(kb)
                .encryptNames(names);
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
}
