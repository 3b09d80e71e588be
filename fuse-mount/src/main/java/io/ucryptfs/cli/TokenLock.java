package io.ucryptfs.cli;

import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.pkcs11.TokenAbsentException;
import io.ucryptfs.keystore.pkcs11.TokenException;
import io.ucryptfs.keystore.pkcs11.TokenModule;
import io.ucryptfs.keystore.pkcs11.TokenWatch;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lock on token removal: the mount daemon of a vault opened with a token protector watches that
 * token (a {@link TokenWatch}, polled every {@code --token-poll} ms, no PIN needed) and locks the
 * mount when it goes, with one log line. When it comes back, one line says to run
 * {@code ucryptfs unlock} (the PIN is needed, and the daemon never prompts, so it never unlocks by
 * itself).
 *
 * <p>The token module is never trusted to answer: each check runs on a thread of its own and is
 * given {@link #TIMEOUT}; a check that does not answer in time locks the mount too (the token's
 * state is unknown), and no new check starts until the stuck one returns. Anything a check throws
 * counts as the token being absent. Nothing here throws into the daemon after {@link #start}.
 */
final class TokenLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenLock.class);

    /** How long one presence check may take before the token counts as gone. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Why a mount was locked, as {@code ucryptfs status} shows it ({@code locked-by=...}). */
    static final String BY_REMOVAL = "token-removal";
    static final String BY_NO_ANSWER = "token-not-answering";

    /** What gets locked: the daemon's control channel, which records why. */
    interface Target {
        /** Locks the mount ({@code openFiles}: cut off open files too), noting {@code reason}. */
        void lock(String reason, boolean openFiles);

        boolean locked();
    }

    /** Whether the token is there now; made once it is first found. */
    interface Probe {
        boolean present() throws Exception;
    }

    /** Makes the {@link Probe}: throws {@link TokenAbsentException} while the token is not there. */
    interface Watcher {
        Probe watch() throws Exception;
    }

    private final String token;
    private final String mountPoint;
    private final boolean openFiles;
    private final Target target;
    private final Watcher watcher;
    private final Duration timeout;
    private final ExecutorService checker;
    private ScheduledExecutorService timer;

    private volatile Probe probe;
    /** A check still running after its timeout: none starts until it returns. */
    private Future<Boolean> stuck;
    /** The token's state at the last check that answered. */
    private boolean present = true;

    TokenLock(String token, String mountPoint, boolean openFiles, Target target, Watcher watcher, Duration timeout) {
        this.token = token;
        this.mountPoint = mountPoint;
        this.openFiles = openFiles;
        this.target = target;
        this.watcher = watcher;
        this.timeout = timeout;
        this.checker = Executors.newSingleThreadExecutor(daemonThreads("token-check " + token));
    }

    /**
     * Watches the token of {@code uri} (loaded in this process; SoftHSM2 reads SOFTHSM2_CONF here),
     * checking every {@code interval}. The token should be present (it just unlocked the vault); if it
     * is not, or does not answer, the mount is locked at once. A module that cannot be loaded fails
     * here, so the mount fails rather than go unwatched.
     */
    static TokenLock start(Pkcs11Uri uri, String mountPoint, boolean openFiles, Duration interval, Target target)
            throws UserError {
        String name = io.ucryptfs.keystore.vault.TokenProtector.tokenName(uri);
        TokenModule module;
        try {
            module = TokenModule.load(uri);
        } catch (TokenException e) {
            throw new UserError("cannot watch token " + name + " for removal: " + e.getMessage());
        }
        Watcher watcher = () -> {
            TokenWatch w = new TokenWatch(module, uri, new TokenWatch.Listener() {
                @Override
                public void removed() {
                    // TokenLock compares check() results itself, on its own thread
                }

                @Override
                public void returned() {
                }
            });
            return w::check;
        };
        TokenLock lock = new TokenLock(name, mountPoint, openFiles, target, watcher, TIMEOUT);
        lock.check();
        long ms = Math.max(1, interval.toMillis());
        lock.timer = Executors.newSingleThreadScheduledExecutor(daemonThreads("token-watch " + name));
        lock.timer.scheduleWithFixedDelay(lock::checkQuietly, ms, ms, TimeUnit.MILLISECONDS);
        log.info("watching token {} every {} ms: its removal locks the mount{}", name, ms,
                openFiles ? " and cuts off open files" : "");
        return lock;
    }

    private static ThreadFactory daemonThreads(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private void checkQuietly() {
        try {
            check();
        } catch (Throwable e) { // the watch must never die, nor take the daemon with it
            log.warn("token {}: check failed: {}", token, e.toString());
        }
    }

    /** One check: asks the token (within the timeout) and acts on a change. */
    synchronized void check() {
        if (stuck != null) {
            if (!stuck.isDone()) {
                return; // still waiting on the module; already locked
            }
            stuck = null;
            log.warn("token {}: its module answers again", token);
        }
        Future<Boolean> f = checker.submit(this::ask);
        boolean now;
        try {
            now = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            stuck = f;
            present = false;
            lock(BY_NO_ANSWER, "token " + token + " did not answer within " + timeout.toMillis() + " ms");
            return;
        } catch (ExecutionException e) {
            now = false;
            log.debug("token {}: check failed: {}", token, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (present && !now) {
            present = false;
            lock(BY_REMOVAL, "token " + token + (probe == null ? " not present" : " removed"));
        } else if (!present && now) {
            present = true;
            if (target.locked()) {
                log.warn("token {} is back: run 'ucryptfs unlock {}' (PIN) to unlock", token, mountPoint);
            } else {
                log.warn("token {} is back (the mount is unlocked)", token);
            }
        }
    }

    /** On the checker thread: whether the token is there; the watch is made when first found. */
    private boolean ask() throws Exception {
        if (probe == null) {
            try {
                probe = watcher.watch();
            } catch (TokenAbsentException e) {
                return false;
            }
            return true;
        }
        return probe.present();
    }

    private void lock(String reason, String what) {
        try {
            target.lock(reason, openFiles);
            log.warn("{}: mount locked; {}", what,
                    openFiles ? "open files cut off" : "files open keep working until closed");
        } catch (RuntimeException e) {
            log.error("{}: locking the mount failed", what, e);
        }
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        checker.shutdownNow();
    }
}
