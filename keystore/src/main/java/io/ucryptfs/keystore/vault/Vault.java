package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.Secrets;
import io.ucryptfs.core.keys.WrongPassphraseException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.security.auth.Destroyable;

/**
 * A vault: a lower directory in the kernel's eCryptfs format plus a config beside it (see
 * {@link VaultConfig}) that holds its settings and its mount passphrase under one or more protectors.
 *
 * <p>Made as {@code ecryptfs-setup-private} makes {@code ~/.Private}: a random mount passphrase of
 * 32 hex characters (16 random bytes), the file key derived from it with the default salt and the
 * file-name key with the "99887766" salt, as {@code ecryptfs-add-passphrase --fnek} adds them. So
 * the kernel opens the lower directory with that mount passphrase too.
 */
public final class Vault {
    private Vault() {}

    /** Random bytes in a new mount passphrase (written as twice as many hex characters). */
    static final int MOUNT_PASSPHRASE_RANDOM_BYTES = 16;
    /** The name of the protector {@link #init} makes. */
    public static final String PASSPHRASE_PROTECTOR = "passphrase";

    /** Where the config of {@code lower} is when not given: beside it, {@code LOWER.ucryptfs}. */
    public static Path defaultConfig(Path lower) throws VaultException {
        Path abs = lower.toAbsolutePath().normalize();
        if (abs.getFileName() == null) {
            throw new VaultException("no place beside " + abs + " for its vault config; give one");
        }
        return abs.resolveSibling(abs.getFileName() + VaultConfig.SUFFIX);
    }

    /** What {@link #init} made; holds the new mount passphrase until destroyed. */
    public static final class Created implements Destroyable {
        private final Path config;
        private final VaultConfig settings;
        private final byte[] mountPassphrase;

        Created(Path config, VaultConfig settings, byte[] mountPassphrase) {
            this.config = config;
            this.settings = settings;
            this.mountPassphrase = mountPassphrase;
        }

        public Path config() {
            return config;
        }

        public String fileKeySig() {
            return settings.fileKeySig();
        }

        public Optional<String> nameKeySig() {
            return settings.nameKeySig();
        }

        /** A copy of the mount passphrase (ASCII hex); the caller wipes it. */
        public byte[] mountPassphrase() {
            return mountPassphrase.clone();
        }

        @Override
        public void destroy() {
            Secrets.wipe(mountPassphrase);
        }
    }

    /**
     * Checks that a vault can be made at {@code lower} with its config at {@code config} (what
     * {@link #init} checks first, for asking before a passphrase is read): no config there yet, the
     * config not inside {@code lower}, {@code lower} missing or an empty directory.
     */
    public static void checkPlace(Path lower, Path config) throws IOException {
        Path low = lower.toAbsolutePath().normalize();
        Path conf = config.toAbsolutePath().normalize();
        if (Files.exists(conf, LinkOption.NOFOLLOW_LINKS)) {
            throw new VaultException(low + " is already a vault (" + conf + " exists)");
        }
        if (conf.startsWith(low)) {
            throw new VaultException("the vault config " + conf + " must not be inside " + low
                    + ", where the kernel would see it as a file");
        }
        if (conf.getParent() == null || !Files.isDirectory(conf.getParent())) {
            throw new VaultException(conf.getParent() + ": no such directory for the vault config");
        }
        if (Files.exists(low, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(low, LinkOption.NOFOLLOW_LINKS)) {
                throw new VaultException(low + " exists and is not a directory");
            }
            try (Stream<Path> s = Files.list(low)) {
                if (s.findAny().isPresent()) {
                    throw new VaultException(low + " is not empty: a new vault needs an empty or missing directory");
                }
            }
        } else if (low.getParent() == null || !Files.isDirectory(low.getParent())) {
            throw new VaultException(low.getParent() + ": no such directory");
        }
    }

    /**
     * Makes a vault: {@code lower} (created 0700 when missing; else it must be an empty directory)
     * and its config at {@code config}, written atomically, 0600, never replacing one.
     *
     * @param passphrase the user's passphrase, which the config's passphrase protector opens with
     */
    public static Created init(Path lower, Path config, char[] passphrase, int keyBytes, boolean encryptNames,
            SecureRandom rng) throws IOException {
        if (keyBytes != 16 && keyBytes != 24 && keyBytes != 32) {
            throw new IllegalArgumentException("key bytes must be 16, 24 or 32");
        }
        Path low = lower.toAbsolutePath().normalize();
        Path conf = config.toAbsolutePath().normalize();
        checkPlace(low, conf);
        boolean made = false;
        if (!Files.exists(low, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(low, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            made = true;
        }
        byte[] mountPass = newMountPassphrase(rng);
        boolean done = false;
        try {
            VaultConfig c;
            PassphraseKey fileKey = PassphraseKey.derive(mountPass, PassphraseKey.DEFAULT_SALT);
            PassphraseKey nameKey = encryptNames ? PassphraseKey.derive(mountPass, PassphraseKey.FNEK_SALT) : null;
            try {
                c = VaultConfig.create(keyBytes, encryptNames, PassphraseKey.DEFAULT_SALT, fileKey.signature(),
                        Optional.ofNullable(nameKey).map(PassphraseKey::signature));
            } finally {
                fileKey.destroy();
                if (nameKey != null) {
                    nameKey.destroy();
                }
            }
            c.addProtector(PASSPHRASE_PROTECTOR, WrappedPassphraseProtector.protect(mountPass, passphrase, rng));
            try {
                c.create(conf);
            } catch (FileAlreadyExistsException e) {
                throw new VaultException(low + " is already a vault (" + conf + " exists)");
            }
            done = true;
            return new Created(conf, c, mountPass);
        } finally {
            if (!done) {
                Secrets.wipe(mountPass);
                if (made) {
                    Files.deleteIfExists(low);
                }
            }
        }
    }

    /** As ecryptfs-setup-private: {@code od -x -N 16 /dev/urandom}, i.e. 32 lowercase hex characters. */
    static byte[] newMountPassphrase(SecureRandom rng) {
        byte[] random = new byte[MOUNT_PASSPHRASE_RANDOM_BYTES];
        rng.nextBytes(random);
        char[] hex = HexFormat.of().formatHex(random).toCharArray();
        byte[] out = new byte[hex.length];
        for (int i = 0; i < hex.length; i++) {
            out[i] = (byte) hex[i];
        }
        Arrays.fill(hex, '\0');
        Secrets.wipe(random);
        return out;
    }

    /** An opened vault: its keys (the caller destroys them, or hands them to a mount) and settings. */
    public record Unlocked(KeyRing keys, int keyBytes, boolean encryptNames) implements Destroyable, AutoCloseable {
        @Override
        public void close() {
            destroy();
        }

        @Override
        public void destroy() {
            keys.destroy();
        }

        @Override
        public boolean isDestroyed() {
            return keys.isDestroyed();
        }
    }

    /** Reads the config at {@code config} and {@linkplain #unlock(VaultConfig, char[], Consumer) unlocks} it. */
    public static Unlocked unlock(Path config, char[] secret, Consumer<String> notes)
            throws IOException, WrongPassphraseException {
        return unlock(VaultConfig.read(config), secret, notes);
    }

    /**
     * Opens a vault with the user's secret: tries each protector in order until one gives a mount
     * passphrase whose keys are the vault's. Protectors of unknown kinds, or damaged ones, are
     * skipped with a note when another one opens.
     *
     * @throws WrongPassphraseException no protector opens with this secret, and none is damaged
     * @throws VaultException a protector opened but is damaged (its mount passphrase's key is not the
     *     vault's), or the config has no protector this version can use
     */
    public static Unlocked unlock(VaultConfig config, char[] secret, Consumer<String> notes)
            throws VaultException, WrongPassphraseException {
        List<String> skipped = new ArrayList<>();
        VaultException damaged = null;
        boolean wrong = false;
        for (VaultConfig.Section s : config.protectors()) {
            Optional<Protector> p;
            byte[] mountPass = null;
            try {
                p = Protectors.open(s);
                if (p.isEmpty()) {
                    skipped.add("protector " + s.label() + " of kind '" + s.get(Protectors.KIND).orElse("")
                            + "' is not known to this version of ucryptfs; skipped");
                    continue;
                }
                mountPass = p.get().unlock(secret);
                Unlocked u = keys(config, mountPass, s);
                skipped.forEach(notes);
                return u;
            } catch (WrongPassphraseException e) {
                wrong = true;
            } catch (VaultException e) {
                if (damaged == null) {
                    damaged = e;
                }
                skipped.add(e.getMessage());
            } finally {
                Secrets.wipe(mountPass);
            }
        }
        if (damaged != null) {
            throw new VaultException(config.source() + ": " + damaged.getMessage(), damaged);
        }
        if (wrong) {
            throw new WrongPassphraseException("it opens no protector of " + config.source());
        }
        skipped.forEach(notes);
        throw new VaultException(config.source() + " has no protector this version of ucryptfs can open");
    }

    /** The vault's keys from a mount passphrase, checked against the config's signatures. */
    private static Unlocked keys(VaultConfig c, byte[] mountPass, VaultConfig.Section from) throws VaultException {
        PassphraseKey fileKey = PassphraseKey.derive(mountPass, c.salt());
        if (!fileKey.signature().equals(c.fileKeySig())) {
            fileKey.destroy();
            throw new VaultException("protector " + from.label() + " is damaged: it opens, but to a key ("
                    + "signature " + fileKey.signature() + ") that is not the vault's file key " + c.fileKeySig());
        }
        PassphraseKey nameKey = null;
        if (c.encryptNames()) {
            nameKey = PassphraseKey.derive(mountPass, PassphraseKey.FNEK_SALT);
            if (!nameKey.signature().equals(c.nameKeySig().orElseThrow())) {
                fileKey.destroy();
                nameKey.destroy();
                throw new VaultException("it is damaged: its name-key-sig " + c.nameKeySig().orElseThrow()
                        + " is not the name key of the mount passphrase that protector " + from.label() + " holds");
            }
        }
        return new Unlocked(KeyRing.of(List.of(fileKey), nameKey), c.keyBytes(), c.encryptNames());
    }

}
