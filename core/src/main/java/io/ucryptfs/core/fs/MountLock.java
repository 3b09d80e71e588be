package io.ucryptfs.core.fs;

import io.ucryptfs.core.fs.OpenFileTable.OpenFile;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.WrongPassphraseException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locking a mounted filesystem's keys (by command, or when the token that opened it goes) and unlocking
 * them again: the mount keys and FNEK through {@link MountKeys}, the open files through the
 * {@link OpenFileTable}.
 */
public final class MountLock {
    private static final Logger log = LoggerFactory.getLogger(MountLock.class);

    /**
     * What a lock did: whether the keys were held until now, how many open files it cut off, and the
     * plaintext paths of those it could not cut off because their dirty data could not be written back
     * (they keep their key and their data until closed).
     */
    public record Result(boolean keysWiped, int cutOff, List<String> notCutOff) {}

    /** Whether the keys are locked; open files usable; open files cut off by a lock and not yet closed. */
    public record Status(boolean locked, int openFiles, int cutOff) {}

    private final MountKeys keys;
    private final OpenFileTable table;

    MountLock(MountKeys keys, OpenFileTable table) {
        this.keys = keys;
        this.table = table;
    }

    /**
     * Locks the mount: the mount key(s) and the FNEK are wiped once no call in flight uses them; from then
     * on opens, creates and (with encrypted names) every lookup and listing but the root's fail with
     * EACCES. Files already open keep working until closed, as with eCryptfs, unless
     * {@code openFilesToo}: then each open file's dirty data is written back, its FEK wiped and its cached
     * plaintext dropped, and its handles fail with EACCES until released. A file whose write-back fails is
     * not cut off (listed in the result, logged): a lock never drops data. Calling it again on a locked
     * mount is harmless, and with {@code openFilesToo} cuts off what a plain lock left open.
     */
    Result lock(boolean openFilesToo) {
        boolean wiped = keys.lock();
        int cut = 0;
        List<String> kept = new ArrayList<>();
        if (openFilesToo) {
            // every open that got in before the lock is in the table now: opens hold the keys' read lock
            for (OpenFile f : new ArrayList<>(table.all())) {
                try {
                    f.content.revoke();
                    table.detach(f);
                    cut++;
                } catch (IOException | RuntimeException e) {
                    log.warn("{}: left open by the lock: its unwritten data could not be written back ({}); it keeps "
                            + "its key until closed", f.plainPath, e.getMessage());
                    kept.add(f.plainPath);
                }
            }
        }
        log.info("locked{}: {} open file(s) cut off, {} left open", openFilesToo ? " with open files" : "", cut,
                openFilesToo ? kept.size() : table.all().size());
        return new Result(wiped, cut, List.copyOf(kept));
    }

    /**
     * Unlocks with {@code ring}, which the filesystem owns from now on: accepted only if it holds the
     * keys the mount was made with (compared by signature); else it is destroyed and
     * {@link WrongPassphraseException} thrown, and the mount stays locked. Returns false if the mount was
     * not locked ({@code ring} destroyed, nothing changed).
     */
    boolean unlock(KeyRing ring) throws WrongPassphraseException {
        return keys.unlock(ring);
    }

    Status status() {
        return new Status(keys.isLocked(), table.all().size(), table.detachedCount());
    }
}
