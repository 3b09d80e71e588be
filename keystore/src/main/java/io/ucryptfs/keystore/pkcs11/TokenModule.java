package io.ucryptfs.keystore.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_CRYPTOKI_ALREADY_INITIALIZED;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_CRYPTOKI_NOT_INITIALIZED;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_FUNCTION_NOT_SUPPORTED;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_NO_EVENT;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11Module;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.TokenInfo;

/**
 * One PKCS#11 module (a {@code .so}) loaded into this JVM and initialised. A module is loaded once
 * per process and shared ({@link #load}): C_Initialize is process-wide, and the wrapper unloads the
 * library when its object is collected, so the instances live as long as the JVM.
 *
 * <p>{@link #reinitialize()} runs C_Finalize and C_Initialize: every session of the module ends
 * (their calls then fail, as for a removed token), and a module that only reads its token list at
 * C_Initialize, as SoftHSM2 does, sees tokens that came back. {@link #generation()} counts these, so a
 * session knows it is from an older life.
 */
public final class TokenModule {
    private static final Map<Path, TokenModule> LOADED = new ConcurrentHashMap<>();

    private final Path path;
    private final PKCS11Module module;
    private volatile int generation;
    /** null until asked: whether C_WaitForSlotEvent(CKF_DONT_BLOCK) is supported. */
    private volatile Boolean slotEvents;
    /** Set once a slot listed a token that failed: this module sees tokens only at C_Initialize. */
    private volatile boolean reinitToRescan;

    private TokenModule(Path path, PKCS11Module module) {
        this.path = path;
        this.module = module;
    }

    /** The module at {@code modulePath}, loaded and initialised on first use. */
    public static TokenModule load(String modulePath) throws TokenException {
        Path p = Path.of(modulePath).toAbsolutePath().normalize();
        try {
            p = p.toRealPath();
        } catch (IOException e) {
            throw new TokenException("PKCS#11 module " + modulePath + " not found");
        }
        TokenModule m = LOADED.get(p);
        if (m != null) {
            return m;
        }
        synchronized (LOADED) {
            m = LOADED.get(p);
            if (m == null) {
                m = open(p);
                LOADED.put(p, m);
            }
            return m;
        }
    }

    /** The module a URI names with {@code module-path}. */
    public static TokenModule load(Pkcs11Uri uri) throws TokenException {
        String modulePath = uri.modulePath().orElseThrow(() -> new TokenException(
                "the PKCS#11 URI names no module: add ?module-path=/path/to/module.so"));
        return load(modulePath);
    }

    private static TokenModule open(Path p) throws TokenException {
        if (!Files.isRegularFile(p)) {
            throw new TokenException("PKCS#11 module " + p + " is not a file");
        }
        WrapperLog.install();
        PKCS11Module module;
        try {
            module = PKCS11Module.getInstance(p.toString());
        } catch (IOException | UnsatisfiedLinkError e) {
            throw new TokenException("cannot load PKCS#11 module " + p + ": " + e.getMessage());
        }
        TokenModule m = new TokenModule(p, module);
        m.initialize();
        return m;
    }

    private void initialize() throws TokenException {
        try {
            module.initialize();
        } catch (PKCS11Exception e) {
            if (e.getErrorCode() != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
                throw new TokenException("cannot initialise PKCS#11 module " + path, e.getErrorCode(), null);
            }
        }
    }

    /**
     * C_Finalize then C_Initialize. Every session of this module is closed by it; a SoftHSM2 token
     * whose directory came back is seen again only after this.
     */
    public synchronized void reinitialize() throws TokenException {
        try {
            module.finalize(null);
        } catch (PKCS11Exception e) {
            if (e.getErrorCode() != CKR_CRYPTOKI_NOT_INITIALIZED) {
                throw new TokenException("cannot finalise PKCS#11 module " + path, e.getErrorCode(), null);
            }
        }
        generation++;
        initialize();
    }

    void needsReinitToRescan() {
        reinitToRescan = true;
    }

    /** Whether a token that came back is seen only after {@link #reinitialize()} (SoftHSM2). */
    boolean reinitToRescan() {
        return reinitToRescan;
    }

    /** How many times this module was re-initialised. */
    public int generation() {
        return generation;
    }

    public Path path() {
        return path;
    }

    PKCS11Module wrapper() {
        return module;
    }

    /** A slot whose token matches the URI's token attributes. */
    public record Found(Slot slot, TokenInfo info) {
        public String label() {
            return info.getLabel();
        }
    }

    /**
     * The one slot whose token matches {@code uri}'s {@code token}, {@code serial},
     * {@code manufacturer}, {@code model} and {@code slot-id} (those given).
     *
     * @throws TokenAbsentException when no present token matches
     * @throws TokenException       when several match, or the slot list cannot be read
     */
    public Found find(Pkcs11Uri uri) throws TokenException {
        Scan scan = scan(uri);
        if (scan.failed() >= 0) {
            throw TokenErrors.map(scan.failed(), "listing the slots of PKCS#11 module " + path, describe(uri), () -> -1);
        }
        List<Found> found = scan.found();
        if (found.isEmpty()) {
            throw new TokenAbsentException("no token " + describe(uri) + " in PKCS#11 module " + path,
                    TokenException.NO_CODE);
        }
        if (found.size() > 1) {
            StringBuilder sb = new StringBuilder();
            for (Found f : found) {
                sb.append(sb.length() == 0 ? "" : ", ").append(f.label()).append(" (serial ")
                        .append(f.info().getSerialNumber()).append(')');
            }
            throw new TokenException(found.size() + " tokens match " + describe(uri) + ": " + sb
                    + "; add serial= to the URI");
        }
        return found.get(0);
    }

    /**
     * What a look at the slot list found: the matching tokens; whether some slot lists a token whose
     * info cannot be read ({@code stale}: SoftHSM2's state once a token's directory is deleted,
     * cleared only by {@link #reinitialize()}); and the code C_GetSlotList failed with, or -1.
     */
    record Scan(List<Found> found, boolean stale, long failed) {}

    Scan scan(Pkcs11Uri uri) {
        Slot[] slots;
        try {
            slots = module.getSlotList(true);
        } catch (PKCS11Exception e) {
            return new Scan(List.of(), true, e.getErrorCode());
        }
        List<Found> found = new ArrayList<>();
        boolean stale = false;
        for (Slot slot : slots) {
            TokenInfo info;
            try {
                info = slot.getToken().getTokenInfo();
            } catch (PKCS11Exception e) {
                stale = true; // a slot whose token went, or a SoftHSM2 token whose directory is gone
                continue;
            }
            if (matches(uri, slot.getSlotID(), info)) {
                found.add(new Found(slot, info));
            }
        }
        return new Scan(found, stale, -1);
    }

    static boolean matches(Pkcs11Uri uri, long slotId, TokenInfo info) {
        return uri.token().map(info.getLabel()::equals).orElse(true)
                && uri.serial().map(info.getSerialNumber()::equals).orElse(true)
                && uri.manufacturer().map(info.getManufacturerID()::equals).orElse(true)
                && uri.model().map(info.getModel()::equals).orElse(true)
                && uri.slotId().map(id -> id == slotId).orElse(true);
    }

    /** The token part of a URI, for messages. */
    static String describe(Pkcs11Uri uri) {
        StringBuilder sb = new StringBuilder();
        uri.token().ifPresent(t -> sb.append("labelled \"").append(t).append('"'));
        uri.serial().ifPresent(s -> sb.append(sb.length() == 0 ? "" : " ").append("with serial ").append(s));
        return sb.length() == 0 ? "(any)" : sb.toString();
    }

    /**
     * Asks for a slot event without blocking. Returns true when the module reported one, false when
     * it had none; null when the module does not do slot events (then it must be polled). SoftHSM2
     * answers CKR_NO_EVENT always: it "supports" the call and never has an event.
     */
    Boolean pollSlotEvent() {
        if (Boolean.FALSE.equals(slotEvents)) {
            return null;
        }
        try {
            module.waitForSlotEvent(true);
            slotEvents = true;
            return true;
        } catch (PKCS11Exception e) {
            if (e.getErrorCode() == CKR_NO_EVENT) {
                slotEvents = true;
                return false;
            }
            if (e.getErrorCode() == CKR_FUNCTION_NOT_SUPPORTED) {
                slotEvents = false;
            }
            return null;
        }
    }

    @Override
    public String toString() {
        return "PKCS#11 module " + path;
    }
}
