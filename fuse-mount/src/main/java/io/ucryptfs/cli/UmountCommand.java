package io.ucryptfs.cli;

import io.ucryptfs.fuse.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ucryptfs umount MOUNTPOINT}: unmounts with {@code fusermount -u} (which needs no root) and
 * waits for the daemon to finish writing back. A mount whose daemon was killed is "stale" (every
 * access fails with ENOTCONN): it is unmounted the same way, and said so.
 */
@Command(name = "umount", aliases = "unmount", mixinStandardHelpOptions = true, description = "Unmount a ucryptfs mount.")
public final class UmountCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MOUNTPOINT")
    Path mountPoint;

    @Override
    public Integer call() throws Exception {
        Path mp = LockCommands.mountPoint(mountPoint);
        boolean stale = isStale(mp);
        Optional<ProcessHandle> daemon = daemon(mp);
        String out = fusermount(mp, false);
        if (MountTable.typeAt(mp).isPresent() && stale) {
            out = fusermount(mp, true); // lazy: nothing answers there any more
        }
        if (MountTable.typeAt(mp).isPresent()) {
            throw new UserError("could not unmount " + mp + (out.isBlank() ? "" : ": " + out.trim()));
        }
        if (daemon.isPresent()) {
            try {
                daemon.get().onExit().get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                System.err.println("ucryptfs: unmounted " + mp + ", but its daemon has not exited after 60 s");
                return 1;
            }
        }
        if (stale) {
            System.err.println("ucryptfs: cleaned up the stale mount at " + mp + " (its daemon had died)");
        }
        Files.deleteIfExists(StateFiles.pid(mp));
        return 0;
    }

    /** A FUSE mount with no daemon behind it: stat fails with "Transport endpoint is not connected". */
    static boolean isStale(Path mp) {
        try {
            Files.readAttributes(mp, java.nio.file.attribute.BasicFileAttributes.class);
            return false;
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("not connected");
        }
    }

    private static Optional<ProcessHandle> daemon(Path mp) {
        try {
            Path pid = StateFiles.pid(mp);
            if (!Files.isRegularFile(pid)) {
                return Optional.empty();
            }
            long p = Long.parseLong(Files.readString(pid).trim());
            return ProcessHandle.of(p).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String fusermount(Path mp, boolean lazy) throws IOException {
        return io.ucryptfs.fuse.Fusermount.unmount(mp, lazy);
    }
}
