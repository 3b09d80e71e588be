package io.ucryptfs.cli;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.fuse.FuseMount;
import io.ucryptfs.fuse.JitWarmUp;
import io.ucryptfs.fuse.MountSettings;
import io.ucryptfs.fuse.MountTable;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.vault.Vault;
import io.ucryptfs.keystore.vault.VaultException;
import java.security.SecureRandom;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ucryptfs mount LOWER MOUNTPOINT}: checks the keys in the foreground (a wrong passphrase
 * exits 2 and mounts nothing), then runs the mount in a background daemon (a new JVM in its own
 * session, logging to a file) and returns once the mount answers; {@code --fg} keeps it in front.
 */
@Command(name = "mount", mixinStandardHelpOptions = true, description = "Mount LOWER decrypted at MOUNTPOINT.")
public final class MountCommand implements Callable<Integer> {

    /** The daemon tells the front process how the mount went, one line on its stdout. */
    static final String READY = "UCRYPTFS-READY";
    static final String FAILED = "UCRYPTFS-FAILED";
    /** The JIT warm-up's cache: it needs the cache's code paths, not its size. */
    private static final long WARM_UP_CACHE_BYTES = 4L << 20;

    @Parameters(index = "0", paramLabel = "LOWER", description = "The lower (encrypted) directory.")
    Path lower;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An empty directory to mount on.")
    Path mountPoint;

    @Mixin
    KeyOptions keys;

    @Option(names = "--fg", description = "Stay in the foreground until unmounted (Ctrl-C unmounts).")
    boolean foreground;

    @Option(names = "--ro", description = "Mount read-only.")
    boolean readOnly;

    @Option(names = "--cache-size", paramLabel = "SIZE", defaultValue = "64M",
            description = "Page cache of decrypted extents, e.g. 64M, 1G (default ${DEFAULT-VALUE}).")
    String cacheSize;

    @Option(names = "--allow-other", description = "Let other users see the mount, the kernel checking their permissions (default_permissions); needs user_allow_other in /etc/fuse.conf for non-root users. Without it only your user reaches the mount, and the lower files' own permissions apply.")
    boolean allowOther;

    @Option(names = "--nonempty", description = "Mount even if MOUNTPOINT is not empty.")
    boolean nonEmpty;

    @Option(names = "-o", paramLabel = "OPTS", split = ",", description = "Extra FUSE mount options.")
    List<String> fuseOptions = new ArrayList<>();

    @Option(names = "--verbose", description = "Log details (to the terminal, or the daemon's log).")
    boolean verbose;

    @Option(names = "--no-warm-up",
            description = "Do not run the JIT warm-up after mounting (5-13 s of one core on a throwaway "
                    + "filesystem in /dev/shm, which makes the first minutes of small-file work faster).")
    boolean noWarmUp;

    @Option(names = "--lock-open-files",
            description = "With a token: when it is removed, cut off open files too (their reads and writes fail with "
                    + "EACCES until closed), not just new opens.")
    boolean lockOpenFiles;

    @Option(names = "--token-poll", paramLabel = "MS", defaultValue = "1000",
            description = "With a token: check that it is still there every MS milliseconds (default ${DEFAULT-VALUE}).")
    long tokenPollMs;

    /** The token whose protector opened the vault, from the front process: the daemon watches it. No secret. */
    @Option(names = "--daemon-token-uri", hidden = true)
    String daemonTokenUri;

    @Option(names = "--daemon-child", hidden = true)
    boolean daemonChild;

    @Option(names = "--log-file", hidden = true)
    Path logFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        lower = lower.toAbsolutePath().normalize();
        mountPoint = mountPoint.toAbsolutePath().normalize();
        if (daemonChild) {
            return runDaemon();
        }
        Logging.configure(null, verbose);
        makeMountPoint();
        if (keys.wantsNewVault(lower)) {
            createVault();
        }
        checkPlaces();
        if (tokenPollMs < 50) {
            throw new UserError("--token-poll: at least 50 ms");
        }
        if (foreground) {
            MountOptions.Builder o = keys.resolve(lower);
            return serve(o, keys.openedByToken().orElse(null), null);
        }
        return startDaemon();
    }

    /** First use: LOWER does not exist and no vault config does: make the vault, as init does. */
    private void createVault() throws UserError, IOException {
        Path conf = keys.configFor(lower);
        keys.refuseSaltForNewVault();
        System.err.println("ucryptfs: " + lower + " is not a vault yet: creating one (config " + conf + ")");
        char[] pass = Passphrases.readNew(keys.passfile(), "New passphrase for " + lower + ": ");
        try {
            Vault.checkPlace(lower, conf);
            Vault.Created v = Vault.init(lower, conf, pass, keys.newVaultKeyBytes(), keys.newVaultEncryptsNames(),
                    new SecureRandom());
            System.err.println("ucryptfs: made vault " + lower + " (file key " + v.fileKeySig() + ")");
            byte[] mp = v.mountPassphrase();
            keys.presetMountPassphrase(mp);
            Arrays.fill(mp, (byte) 0);
            v.destroy();
            keys.forgetFormatOptions(); // now the vault's config holds them
        } catch (VaultException e) {
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        } finally {
            Arrays.fill(pass, '\0');
        }
    }

    /**
     * A mount point that does not exist yet is made (0700, its parent must exist), and said so: the
     * first {@code ucryptfs mount ~/Vault.lower ~/Vault} makes the vault and would otherwise stop at a
     * missing {@code ~/Vault} with the vault half set up. Before the vault is made, so that a mount
     * point that cannot be made leaves nothing behind. A mount left there (a stale one included) is
     * left to {@link #checkPlaces} to report.
     */
    private void makeMountPoint() throws UserError, IOException {
        if (MountTable.typeAt(mountPoint).isPresent() || Files.exists(mountPoint, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path parent = mountPoint.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new UserError(mountPoint + ": no such directory, nor its parent " + parent);
        }
        try {
            Files.createDirectory(mountPoint, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            return; // made meanwhile
        }
        System.err.println("ucryptfs: made mount point " + mountPoint);
    }

    private void checkPlaces() throws UserError, IOException {
        if (!Files.isDirectory(lower)) {
            throw new UserError(lower + ": no such directory");
        }
        if (MountTable.typeAt(mountPoint).isPresent()) {
            throw new UserError(mountPoint + " is already a mount point (ucryptfs umount " + mountPoint + " first)");
        }
        if (!Files.isDirectory(mountPoint)) {
            throw new UserError(mountPoint + ": not a directory");
        }
        if (!nonEmpty && FuseMount.isNonEmptyDirectory(mountPoint)) {
            throw new UserError(mountPoint + " is not empty (give --nonempty to mount over it anyway)");
        }
    }

    /** Mounts here and serves until unmounted; {@code ready} is told once the mount answers. */
    private int serve(MountOptions.Builder o, Pkcs11Uri token, PrintStream ready) throws Exception {
        MountOptions options = o.cacheBytes(Sizes.parse(cacheSize)).readOnly(readOnly)
                .specialNodes(new io.ucryptfs.fuse.LibcSpecialNodes())
                .lowerHandles(io.ucryptfs.fuse.ProcFdLowerHandles.create())
                .pageCacheAdvice(io.ucryptfs.fuse.LibcPageCacheAdvice.create())
                .savedSizes(StateFiles.sizes(lower)).build();
        CryptFileSystem fs;
        try {
            fs = EcryptfsFileSystem.open(lower, options);
        } catch (FsException e) {
            throw new UserError(e.getMessage());
        }
        FuseMount m;
        MountSettings settings = new MountSettings("ucryptfs:" + lower, readOnly, allowOther, nonEmpty, fuseOptions);
        try {
            m = FuseMount.mount(fs, mountPoint, settings);
        } catch (IOException e) {
            fs.close();
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        }
        if (!noWarmUp) {
            startWarmUp(options, settings);
        }
        ControlChannel control = null;
        TokenLock tokenLock = null;
        if (fs instanceof EcryptfsFileSystem efs) {
            try {
                StateFiles.privateDir();
                FuseMount mounted = m;
                control = ControlChannel.start(StateFiles.control(mountPoint), efs, this::unlockKeys, () -> {
                    int n = mounted.dropKernelCaches();
                    org.slf4j.LoggerFactory.getLogger(MountCommand.class).info("locked: the kernel's cached pages and attributes of {} nodes dropped", n);
                });
            } catch (IOException e) {
                m.close();
                throw new UserError(UserError.FAILURE, "cannot make the control socket: " + e.getMessage(), e);
            }
            if (token != null) {
                try {
                    tokenLock = TokenLock.start(token, mountPoint.toString(), lockOpenFiles,
                            java.time.Duration.ofMillis(tokenPollMs), control);
                } catch (UserError e) {
                    control.close();
                    m.close();
                    throw e;
                }
            }
        }
        if (token == null && lockOpenFiles) {
            org.slf4j.LoggerFactory.getLogger(MountCommand.class)
                    .warn("--lock-open-files: not unlocked with a token, so nothing locks on removal");
        }
        if (ready != null) {
            ready.println(READY);
            ready.flush();
            ready.close();
        } else {
            System.err.println("ucryptfs: " + lower + " mounted at " + mountPoint + " (Ctrl-C or ucryptfs umount to unmount)");
        }
        try {
            m.awaitUnmount();
        } finally {
            if (tokenLock != null) {
                tokenLock.close();
            }
            if (control != null) {
                control.close();
            }
        }
        options.keys().destroy();
        return 0;
    }

    /**
     * Starts {@link JitWarmUp} over a throwaway filesystem made as this mount's (name encryption, key
     * size, header place, lower handles) but over a random key, in a new directory in /dev/shm, with a
     * small cache. Failing to start it costs only speed.
     */
    private static void startWarmUp(MountOptions options, MountSettings settings) {
        byte[] raw = new byte[PassphraseKey.KEY_BYTES];
        new SecureRandom().nextBytes(raw);
        PassphraseKey key = PassphraseKey.fromRawKey(raw);
        Arrays.fill(raw, (byte) 0);
        KeyRing ring = KeyRing.of(List.of(key), options.encryptNames() ? key : null);
        Path dir = null;
        try {
            dir = JitWarmUp.scratchDirectory(options.headerInXattr());
            CryptFileSystem scratch = EcryptfsFileSystem.open(dir,
                    options.withKeys(ring).cacheBytes(WARM_UP_CACHE_BYTES).readOnly(false).build());
            JitWarmUp.start(scratch, dir, settings, ring::destroy);
        } catch (IOException | RuntimeException e) { // FsException is an IOException
            ring.destroy();
            org.slf4j.LoggerFactory.getLogger(MountCommand.class).info("JIT warm-up not started: {}", e.toString());
            if (dir != null) {
                try {
                    JitWarmUp.deleteTree(dir);
                } catch (IOException ignored) {
                    // a temporary directory: the system's tmp cleaning removes it
                }
            }
        }
    }

    /** The keys for an unlock request (control socket): opened as at mount, from the secret sent, never prompting. */
    private synchronized io.ucryptfs.core.keys.KeyRing unlockKeys(char[] secret, boolean vaultKey) throws UserError, IOException {
        keys.presetDaemonSecret(secret, vaultKey);
        return keys.resolve(lower).build().keys();
    }

    // ---- the background daemon ----

    /** Front process: checks the keys, starts the daemon, relays its first line, exits. */
    private int startDaemon() throws Exception {
        KeyOptions.DaemonSecret secret = keys.daemonSecret(lower); // wrong passphrase: UserError(2) here, nothing started
        char[] pass = secret.secret();
        Path log = StateFiles.log(mountPoint);
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // its own session: the terminal's Ctrl-C and hang-up don't reach it
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(DaemonJvm.options(Sizes.parse(cacheSize)));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("mount");
        cmd.addAll(childArgs());
        cmd.addAll(List.of("--daemon-child", "--log-file", log.toString()));
        keys.openedByToken().ifPresent(u -> cmd.addAll(List.of("--daemon-token-uri", u.format())));
        if (pass != null) {
            cmd.addAll(List.of("--passfile", "/dev/stdin"));
            if (secret.vaultKey()) {
                cmd.add("--daemon-vault-key");
            }
        }
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            if (pass != null) {
                byte[] b = io.ucryptfs.core.keys.Secrets.utf8(pass); // no String: it could not be wiped
                in.write(b);
                in.write('\n');
                Arrays.fill(b, (byte) 0);
                Arrays.fill(pass, '\0');
            }
        }
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals(READY)) {
                System.err.println("ucryptfs: " + lower + " mounted at " + mountPoint + " (log: " + log + ")");
                return 0;
            }
            if (line.startsWith(FAILED)) {
                String[] f = line.split(" ", 3);
                throw new UserError(Integer.parseInt(f[1]), f.length > 2 ? f[2] : "the mount failed (see " + log + ")");
            }
        }
        int code = p.waitFor();
        throw new UserError("the mount daemon exited (code " + code + ") before mounting; see " + log);
    }

    /** The options that say what opens the keys: the daemon gets the mount passphrase on stdin instead. */
    private static final List<String> SECRET_SOURCES = List.of("--passfile", "--keyfile", "--token", "--pin-file");

    /** The user's arguments minus {@link #SECRET_SOURCES} (the daemon gets what opens the keys on stdin). */
    private List<String> childArgs() {
        List<String> orig = spec.commandLine().getParseResult().originalArgs();
        List<String> out = new ArrayList<>();
        // originalArgs holds the whole command line: skip up to our subcommand's name
        int start = orig.indexOf(spec.name()) + 1;
        for (int i = start; i < orig.size(); i++) {
            String a = orig.get(i);
            if (SECRET_SOURCES.contains(a)) {
                i++;
            } else if (SECRET_SOURCES.stream().noneMatch(o -> a.startsWith(o + "="))) {
                out.add(a);
            }
        }
        // the positional paths made absolute: the daemon does not share our working directory
        List<String> fixed = new ArrayList<>();
        int positional = 0;
        for (String a : out) {
            if (!a.startsWith("-") && positional < 2 && isPositional(a, positional)) {
                fixed.add(positional++ == 0 ? lower.toString() : mountPoint.toString());
            } else {
                fixed.add(a);
            }
        }
        return fixed;
    }

    private boolean isPositional(String arg, int which) {
        Path p = Path.of(arg).toAbsolutePath().normalize();
        return p.equals(which == 0 ? lower : mountPoint);
    }

    /** The daemon: mounts, says READY on stdout, then logs to its file until unmounted. */
    private int runDaemon() throws Exception {
        PrintStream status = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        Logging.configure(logFile, verbose);
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MountCommand.class);
        Path pidFile = StateFiles.pid(mountPoint);
        try {
            MountOptions.Builder o = keys.resolve(lower);
            Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
            log.info("mounting {} at {}", lower, mountPoint);
            Pkcs11Uri token;
            try {
                token = daemonTokenUri == null ? null : Pkcs11Uri.parse(daemonTokenUri);
            } catch (IllegalArgumentException e) {
                throw new UserError("--daemon-token-uri: " + e.getMessage());
            }
            return serve(o, token, status);
        } catch (UserError e) {
            log.error("{}", e.getMessage());
            status.println(FAILED + " " + e.exitCode() + " " + e.getMessage());
            status.flush();
            return e.exitCode();
        } catch (Exception e) {
            log.error("mount failed", e);
            status.println(FAILED + " 1 " + e.getMessage());
            status.flush();
            return 1;
        } finally {
            Files.deleteIfExists(pidFile);
        }
    }
}
