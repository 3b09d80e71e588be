package io.ucryptfs.cli;

import io.ucryptfs.fuse.MountTable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ucryptfs lock|unlock|status MOUNTPOINT}: requests to a running mount's daemon over its
 * control socket ({@link ControlChannel}).
 */
public final class LockCommands {
    private LockCommands() {}

    /** The mount point as given, absolute, checked to be a ucryptfs mount (umount, lock, unlock, status). */
    static Path mountPoint(Path given) throws UserError {
        Path mp = given.toAbsolutePath().normalize();
        Optional<String> type = MountTable.typeAt(mp);
        if (type.isEmpty()) {
            throw new UserError(mp + " is not mounted");
        }
        if (!type.get().equals("fuse.ucryptfs")) {
            throw new UserError(mp + " is a " + type.get() + " mount, not a ucryptfs one");
        }
        return mp;
    }

    /** Sends a request; an answer "OK text" gives the text, "ERR code text" a UserError. */
    static String send(Path mp, String command, char[] secret) throws Exception {
        String answer = ControlChannel.request(StateFiles.control(mp), command, secret);
        if (answer.startsWith("OK")) {
            return answer.substring(2).trim();
        }
        String[] f = answer.split(" ", 3);
        if (f.length == 3 && f[0].equals("ERR")) {
            try {
                throw new UserError(Integer.parseInt(f[1]), f[2]);
            } catch (NumberFormatException e) {
                // not ours: fall through
            }
        }
        throw new UserError("unexpected answer from the mount's daemon: " + answer);
    }

    @Command(name = "lock", mixinStandardHelpOptions = true,
            description = {"Lock a mount: wipe its keys in the daemon. New opens, creates and lookups fail with EACCES "
                    + "until unlock; files open now keep working until closed, unless --lock-open-files."})
    public static final class Lock implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MOUNTPOINT")
        Path mountPoint;

        @Option(names = "--lock-open-files",
                description = "Cut off open files too: their dirty data is written back, then their keys are wiped and "
                        + "their reads and writes fail with EACCES.")
        boolean openFiles;

        @Override
        public Integer call() throws Exception {
            Path mp = mountPoint(mountPoint);
            System.err.println("ucryptfs: " + mp + ": " + send(mp, openFiles ? "lock-open-files" : "lock", null));
            return 0;
        }
    }

    @Command(name = "unlock", mixinStandardHelpOptions = true,
            description = {"Unlock a locked mount with any of its keys' protectors, as mount opens them "
                    + "(passphrase, --passfile, --keyfile, --ecryptfs, --wrapped-passphrase ...). A wrong one exits 2 "
                    + "and the mount stays locked."})
    public static final class Unlock implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MOUNTPOINT")
        Path mountPoint;

        @Mixin
        KeyOptions keys;

        @Override
        public Integer call() throws Exception {
            Logging.configure(null, false);
            Path mp = mountPoint(mountPoint);
            if (send(mp, "status", null).startsWith("unlocked")) {
                System.err.println("ucryptfs: " + mp + " is not locked");
                return 0;
            }
            String source = MountTable.sourceAt(mp).orElse("");
            if (!source.startsWith("ucryptfs:")) {
                throw new UserError(mp + ": cannot tell its lower directory from the mount table (source " + source + ")");
            }
            Path lower = Path.of(source.substring("ucryptfs:".length()));
            // the protectors run here, exactly as for mount; the daemon gets what its mount gave it
            KeyOptions.DaemonSecret s = keys.daemonSecret(lower);
            if (s.secret() == null) {
                throw new UserError("nothing to unlock " + mp + " with");
            }
            try {
                String answer = send(mp, "unlock " + (s.vaultKey() ? "vault-key" : "passphrase"), s.secret());
                System.err.println("ucryptfs: " + mp + ": " + answer);
            } finally {
                Arrays.fill(s.secret(), '\0');
            }
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Whether a mount is locked, and how many files are open.")
    public static final class Status implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "MOUNTPOINT")
        Path mountPoint;

        @Override
        public Integer call() throws Exception {
            Path mp = mountPoint(mountPoint);
            System.out.println(mp + ": " + send(mp, "status", null));
            return 0;
        }
    }
}
