package io.ucryptfs.keystore.pkcs11;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.TokenInfo;

/**
 * Watches whether the token a URI names is present, and tells a {@link Listener} once when it goes
 * and once when it comes back. The mount daemon wipes its keys in {@link Listener#removed()}.
 *
 * <p>Each {@link #check()} (on a timer from {@link #start}, or called directly):
 * <ul>
 *   <li>drains the module's slot events without blocking (C_WaitForSlotEvent with CKF_DONT_BLOCK),
 *   where the module does them. An event is a hint, never the proof: SoftHSM2 "supports" the call
 *   and never has an event, so the token is asked anyway;</li>
 *   <li>while present: C_GetTokenInfo on its slot, which must succeed and still show the same label
 *   and serial. A reader gives CKR_TOKEN_NOT_PRESENT or CKR_DEVICE_REMOVED; SoftHSM2, once the
 *   token's directory is deleted, CKR_GENERAL_ERROR;</li>
 *   <li>while absent: looks for the token in the slot list; when it is not there and some slot lists a
 *   token whose info fails (SoftHSM2 keeps such a stale slot until C_Finalize), or the slot list
 *   itself fails, the module is marked as one that reads its tokens only at C_Initialize, and from
 *   then on each check of an absent token re-initialises it ({@link TokenModule#reinitialize()})
 *   and looks again. Re-initialising ends every session of the module, so only a watch whose token
 *   is gone does it.</li>
 * </ul>
 * Listener calls come from the checking thread, in order, never two at once.
 */
public final class TokenWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenWatch.class);

    public interface Listener {
        /** The token went: wipe what it unlocked. */
        void removed();

        /** The token is back (a new session and login are needed to use it). */
        void returned();
    }

    private final TokenModule module;
    private final Pkcs11Uri uri;
    private final Listener listener;
    private ScheduledExecutorService timer;
    private TokenModule.Found token;
    private int generation;
    private boolean present;

    /** A watch that checks only when {@link #check()} is called; the token must be present now. */
    public TokenWatch(TokenModule module, Pkcs11Uri uri, Listener listener) throws TokenException {
        this.module = module;
        this.uri = uri;
        this.listener = listener;
        this.generation = module.generation();
        this.token = module.find(uri);
        this.present = true;
    }

    /** A watch that checks every {@code interval} on a daemon thread of its own. */
    public static TokenWatch start(TokenModule module, Pkcs11Uri uri, Duration interval, Listener listener)
            throws TokenException {
        TokenWatch watch = new TokenWatch(module, uri, listener);
        watch.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "token-watch " + watch.token.label());
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, interval.toMillis());
        watch.timer.scheduleWithFixedDelay(watch::checkQuietly, ms, ms, TimeUnit.MILLISECONDS);
        return watch;
    }

    /** Whether the token was there at the last check. */
    public synchronized boolean present() {
        return present;
    }

    /** Checks now, calls the listener on a change, and returns whether the token is present. */
    public synchronized boolean check() {
        module.pollSlotEvent(); // a hint only: see the class comment
        boolean now = present ? stillThere() : cameBack();
        if (now != present) {
            present = now;
            LOG.info("token {} {}", token.label(), now ? "is back" : "was removed");
            try {
                if (now) {
                    listener.returned();
                } else {
                    listener.removed();
                }
            } catch (RuntimeException e) {
                LOG.warn("token watch listener failed", e);
            }
        }
        return now;
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warn("token check failed", e);
        }
    }

    private boolean stillThere() {
        if (module.generation() != generation) {
            // someone re-initialised the module: slot objects may have changed, look again
            return cameBack();
        }
        try {
            TokenInfo info = token.slot().getToken().getTokenInfo();
            return info.getLabel().equals(token.label())
                    && info.getSerialNumber().equals(token.info().getSerialNumber());
        } catch (PKCS11Exception e) {
            return false;
        }
    }

    private boolean cameBack() {
        TokenModule.Scan scan = module.scan(uri);
        if (scan.stale()) {
            module.needsReinitToRescan();
        }
        if (scan.found().size() != 1 && module.reinitToRescan()) {
            try {
                module.reinitialize();
            } catch (TokenException e) {
                LOG.debug("re-initialising {} failed: {}", module, e.getMessage());
                return false;
            }
            scan = module.scan(uri);
        }
        if (scan.found().size() != 1) {
            return false;
        }
        token = scan.found().get(0);
        generation = module.generation();
        return true;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
