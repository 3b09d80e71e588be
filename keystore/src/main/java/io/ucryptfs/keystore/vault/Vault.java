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
import java.util.function.Predicate;
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
     * and its config at {@code config}, written atomically, 0600, never replacing one, with an
     * Argon2id passphrase protector {@value #PASSPHRASE_PROTECTOR}.
     *
     * @param passphrase the user's passphrase, which the config's passphrase protector opens with
     */
    public static Created init(Path lower, Path config, char[] passphrase, int keyBytes, boolean encryptNames,
            SecureRandom rng) throws IOException {
        PassphraseCredential c = new PassphraseCredential(passphrase);
        try {
            return init(lower, config, Argon2Protector.MODULE, c, keyBytes, encryptNames, rng);
        } finally {
            c.destroy();
        }
    }

    /** The module of the protector {@code init --ecryptfs-wrapped} makes: an ecryptfs-utils wrapped passphrase. */
    public static KeyModule ecryptfsWrappedModule() {
        return WrappedPassphraseProtector.MODULE;
    }

    /** The module of passphrase protectors made by default: Argon2id. */
    public static KeyModule passphraseModule() {
        return Argon2Protector.MODULE;
    }

    /** The module of key-file protectors. */
    public static KeyModule keyFileModule() {
        return KeyFileProtector.MODULE;
    }

    /** The module of k-of-n recovery protectors. */
    public static KeyModule recoveryModule() {
        return RecoveryProtector.MODULE;
    }

    /** The module of PKCS#11 token protectors. */
    public static KeyModule tokenModule() {
        return TokenProtector.MODULE;
    }

    /**
     * {@link #init(Path, Path, char[], int, boolean, SecureRandom)} with a first protector of
     * {@code module}'s kind opened by {@code credential}, named after the module's id prefix.
     */
    public static Created init(Path lower, Path config, KeyModule module, Credential credential, int keyBytes,
            boolean encryptNames, SecureRandom rng) throws IOException {
        if (keyBytes != 16 && keyBytes != 24 && keyBytes != 32) {
            throw new IllegalArgumentException("key bytes must be 16, 24 or 32");
        }
        Path low = lower.toAbsolutePath().normalize();
        Path conf = config.toAbsolutePath().normalize();
        checkPlace(low, conf);
        byte[] mountPass = newMountPassphrase(rng);
        boolean made = false;
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
            // the protector first (Argon2id takes a second): the lower directory appears only once it is made
            String id = module.idPrefix(); // "passphrase" for Argon2id, as PASSPHRASE_PROTECTOR
            VaultProtectors.addSection(c, id, module.protect(id, mountPass, credential, rng), null);
            if (!Files.exists(low, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(low, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                made = true;
            }
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

    /** Reads the config at {@code config} and {@linkplain #unlock(VaultConfig, Credential, Consumer) unlocks} it with a passphrase. */
    public static Unlocked unlock(Path config, char[] passphrase, Consumer<String> notes)
            throws IOException, WrongPassphraseException {
        return unlock(VaultConfig.read(config), passphrase, notes);
    }

    /** {@link #unlock(VaultConfig, Credential, Consumer)} with a passphrase. */
    public static Unlocked unlock(VaultConfig config, char[] passphrase, Consumer<String> notes)
            throws VaultException, WrongPassphraseException {
        PassphraseCredential c = new PassphraseCredential(passphrase);
        try {
            return unlock(config, c, notes);
        } finally {
            c.destroy();
        }
    }

    /** Opens a vault with the user's credential: its keys, from {@link #mountPassphrase}. */
    public static Unlocked unlock(VaultConfig config, Credential credential, Consumer<String> notes)
            throws VaultException, WrongPassphraseException {
        try (MountPassphrase mp = mountPassphrase(config, credential, id -> true, notes)) {
            return open(config, mp);
        }
    }

    /** Opens a vault with its mount passphrase itself (from a protector, or handed to the mount daemon). */
    public static Unlocked open(VaultConfig config, MountPassphrase mountPassphrase) throws VaultException {
        byte[] mp = mountPassphrase.bytes();
        try {
            return keys(config, mp, mountPassphrase.protectorId());
        } finally {
            Secrets.wipe(mp);
        }
    }

    /**
     * The mount passphrase given directly (the mount daemon gets it from its front process), checked
     * against the config's key signatures.
     *
     * @throws WrongPassphraseException it is not this vault's mount passphrase
     */
    public static MountPassphrase givenMountPassphrase(VaultConfig config, byte[] mountPassphrase)
            throws WrongPassphraseException {
        if (!isMountPassphraseOf(config, mountPassphrase)) {
            throw new WrongPassphraseException("it is not the mount passphrase of " + config.source());
        }
        return new MountPassphrase(mountPassphrase.clone(), "");
    }

    /** Whether {@code mountPassphrase} derives the file key whose signature {@code config} holds. */
    static boolean isMountPassphraseOf(VaultConfig config, byte[] mountPassphrase) {
        PassphraseKey fileKey = PassphraseKey.derive(mountPassphrase, config.salt());
        try {
            return fileKey.signature().equals(config.fileKeySig());
        } finally {
            fileKey.destroy();
        }
    }

    /**
     * The mount passphrase, with the user's credential: tries each protector in order that takes
     * this type of credential and that {@code use} accepts (by id), until one gives a mount passphrase
     * whose keys are the vault's. Protectors of unknown kinds, or damaged ones, are skipped with a
     * note when another one opens.
     *
     * @throws WrongPassphraseException no protector opens with this credential, and none is damaged
     * @throws VaultException a protector opened but is damaged (its mount passphrase's key is not the
     *     vault's), or the config has no protector this version can open with this credential
     * @throws TokenProtectorException a token protector could not use its token (wrong or locked PIN,
     *     token absent, ...): thrown at once, no further protector is tried with the same PIN
     */
    public static MountPassphrase mountPassphrase(VaultConfig config, Credential credential, Predicate<String> use,
            Consumer<String> notes) throws VaultException, WrongPassphraseException {
        List<String> skipped = new ArrayList<>();
        VaultException damaged = null;
        boolean wrong = false;
        SharesRefusedException refusedShares = null;
        boolean tried = false;
        for (VaultConfig.Section s : config.protectors()) {
            if (!use.test(s.name())) {
                continue;
            }
            byte[] mountPass = null;
            try {
                Optional<KeyModule> m = Protectors.module(Protectors.kindOf(s));
                if (m.isEmpty()) {
                    skipped.add("protector " + s.label() + " of kind '" + s.get(Protectors.KIND).orElse("")
                            + "' is not known to this version of ucryptfs; skipped");
                    continue;
                }
                if (!m.get().credential().isInstance(credential)) {
                    continue;
                }
                tried = true;
                mountPass = m.get().open(s).unlock(credential);
                keys(config, mountPass, s.name()).destroy();
                skipped.forEach(notes);
                MountPassphrase mp = new MountPassphrase(mountPass, s.name());
                mountPass = null;
                return mp;
            } catch (SharesRefusedException e) {
                wrong = true;
                refusedShares = e; // says which share, or how many more: worth more than "wrong"
            } catch (WrongPassphraseException e) {
                wrong = true;
            } catch (TokenProtectorException e) {
                throw e; // a token's failure: no other protector is tried with the same PIN
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
        if (refusedShares != null) {
            throw refusedShares;
        }
        if (wrong) {
            throw new WrongPassphraseException("it opens no protector of " + config.source());
        }
        skipped.forEach(notes);
        throw new VaultException(config.source() + " has no protector this version of ucryptfs can open with "
                + credential.describe() + (tried ? "" : kindsNote(config)));
    }

    /** " (it has: keyfile (keyfile-hkdf-sha256-v1), ...)" for a message. */
    private static String kindsNote(VaultConfig config) {
        List<String> kinds = new ArrayList<>();
        for (VaultConfig.Section s : config.protectors()) {
            kinds.add(s.name() + " (" + s.get(Protectors.KIND).orElse("?") + ")");
        }
        return kinds.isEmpty() ? " (it has no protector at all)" : " (it has: " + String.join(", ", kinds) + ")";
    }

    /** The vault's keys from a mount passphrase, checked against the config's signatures. */
    private static Unlocked keys(VaultConfig c, byte[] mountPass, String fromId) throws VaultException {
        String from = fromId.isEmpty() ? "the mount passphrase given" : "protector [protector " + fromId + "]";
        PassphraseKey fileKey = PassphraseKey.derive(mountPass, c.salt());
        if (!fileKey.signature().equals(c.fileKeySig())) {
            fileKey.destroy();
            throw new VaultException(from + " is damaged: it opens, but to a key ("
                    + "signature " + fileKey.signature() + ") that is not the vault's file key " + c.fileKeySig());
        }
        PassphraseKey nameKey = null;
        if (c.encryptNames()) {
            nameKey = PassphraseKey.derive(mountPass, PassphraseKey.FNEK_SALT);
            if (!nameKey.signature().equals(c.nameKeySig().orElseThrow())) {
                fileKey.destroy();
                nameKey.destroy();
                throw new VaultException("it is damaged: its name-key-sig " + c.nameKeySig().orElseThrow()
                        + " is not the name key of the mount passphrase that " + from + " holds");
            }
        }
        return new Unlocked(KeyRing.of(List.of(fileKey), nameKey), c.keyBytes(), c.encryptNames());
    }

}
