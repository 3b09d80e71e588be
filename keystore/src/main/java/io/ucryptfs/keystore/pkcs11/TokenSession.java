package io.ucryptfs.keystore.pkcs11;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKA_KEY_TYPE;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKF_PROTECTED_AUTHENTICATION_PATH;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKF_USER_PIN_LOCKED;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_PRIVATE_KEY;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKO_PUBLIC_KEY;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKR_USER_ALREADY_LOGGED_IN;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.CKU_USER;

import java.util.Arrays;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.MechanismInfo;
import org.xipki.pkcs11.wrapper.PKCS11Constants;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;

/**
 * One session (read-only, or read-write for {@link TokenShares}) on the token a URI names: login, finding key objects, and the calls of the
 * operations ({@link RsaWrap}, {@link AesWrap}) with every module error mapped by {@link TokenErrors}.
 * Not thread-safe: one user at a time (a PKCS#11 session is single-threaded too).
 *
 * <p>A session belongs to one life of its module: after {@link TokenModule#reinitialize()} its
 * handles mean nothing (or another session's objects), so every call then fails with {@link
 * TokenAbsentException} without reaching the module.
 */
public final class TokenSession implements AutoCloseable {
    private final TokenModule module;
    private final TokenModule.Found token;
    private final Session session;
    private final int generation;
    private boolean loggedIn;
    private boolean closed;

    private TokenSession(TokenModule module, TokenModule.Found token, Session session, int generation) {
        this.module = module;
        this.token = token;
        this.session = session;
        this.generation = generation;
    }

    /** Opens a read-only session on the one token of {@code module} that matches {@code uri}. */
    public static TokenSession open(TokenModule module, Pkcs11Uri uri) throws TokenException {
        return open(module, uri, false);
    }

    /**
     * Opens a read-write session on the one token of {@code module} that matches {@code uri}: what
     * creating or destroying token objects needs ({@link TokenShares}).
     */
    public static TokenSession openReadWrite(TokenModule module, Pkcs11Uri uri) throws TokenException {
        return open(module, uri, true);
    }

    private static TokenSession open(TokenModule module, Pkcs11Uri uri, boolean rw) throws TokenException {
        int generation = module.generation();
        TokenModule.Found token = module.find(uri);
        try {
            return new TokenSession(module, token, token.slot().getToken().openSession(rw), generation);
        } catch (PKCS11Exception e) {
            throw TokenErrors.map(e.getErrorCode(), "opening a session", token.label(), () -> -1);
        }
    }

    public String tokenLabel() {
        return token.label();
    }

    public String tokenSerial() {
        return token.info().getSerialNumber();
    }

    /** The token's CK_TOKEN_INFO flags now, or -1 when they cannot be read (the token is gone). */
    long tokenFlags() {
        try {
            return token.slot().getToken().getTokenInfo().getFlags();
        } catch (PKCS11Exception | RuntimeException e) {
            return -1;
        }
    }

    /** Whether the token reads the PIN on its own PIN pad ({@link #loginOnPinPad()}). */
    public boolean hasPinPad() {
        return (token.info().getFlags() & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
    }

    /**
     * Logs the user in with {@code pin}, once: a wrong PIN throws {@link WrongPinException} and is
     * not tried again. {@code pin} is wiped before this returns, whatever happens. A token whose PIN
     * is already locked is not asked (that would spend nothing, but says less).
     */
    public void login(char[] pin) throws TokenException {
        try {
            login0(pin);
        } finally {
            if (pin != null) {
                Arrays.fill(pin, '\0');
            }
        }
    }

    /** Logs in through the token's PIN pad: the reader asks the user. */
    public void loginOnPinPad() throws TokenException {
        login0(null);
    }

    private void login0(char[] pin) throws TokenException {
        long flags = tokenFlags();
        if (flags >= 0 && (flags & CKF_USER_PIN_LOCKED) != 0) {
            throw new PinLockedException(token.label(), TokenException.NO_CODE);
        }
        try {
            call("login", s -> {
                s.login(CKU_USER, pin);
                return null;
            });
        } catch (TokenException e) {
            if (e.ckr() != CKR_USER_ALREADY_LOGGED_IN) {
                throw e;
            }
        }
        loggedIn = true;
    }

    /**
     * C_Logout, when logged in: ends the login of this process on the token (every session of it).
     * Errors (a token already gone) are ignored.
     */
    public void logout() {
        if (!loggedIn) {
            return;
        }
        loggedIn = false;
        try {
            call("logout", s -> {
                s.logout();
                return null;
            });
        } catch (TokenException | IllegalStateException e) {
            // gone already, or the session was closed: the login ended with it
        }
    }

    /**
     * The one key of class {@code keyClass} whose label and id are the URI's {@code object} and
     * {@code id} (those given; the URI's {@code type} is left to the caller, which asks for the
     * public and the private half of one pair).
     */
    public TokenKey findKey(Pkcs11Uri uri, long keyClass) throws TokenException {
        if (uri.object().isEmpty() && uri.id().isEmpty()) {
            throw new KeyNotFoundException("the PKCS#11 URI names no key: give object= or id=");
        }
        AttributeVector template = new AttributeVector().class_(keyClass);
        uri.object().ifPresent(template::label);
        uri.id().ifPresent(template::id);
        String name = keyName(uri);
        String kind = PKCS11Constants.ckoCodeToName(keyClass).replace("CKO_", "").replace('_', ' ').toLowerCase();
        long[] handles = call("finding " + kind + " " + name, s -> s.findObjectsSingle(template, 2));
        if (handles.length == 0) {
            String hint = keyClass != CKO_PUBLIC_KEY && !loggedIn ? " (private objects show only after login)" : "";
            throw new KeyNotFoundException("no " + kind + " " + name + " on token " + token.label() + hint);
        }
        if (handles.length > 1) {
            throw new KeyNotFoundException("more than one " + kind + " " + name + " on token " + token.label()
                    + ": give both object= and id=");
        }
        return new TokenKey(handles[0], keyClass, uri.object().orElse(null));
    }

    /** The private key the URI names; needs {@link #login}. */
    public TokenKey findPrivateKey(Pkcs11Uri uri) throws TokenException {
        return findKey(uri, CKO_PRIVATE_KEY);
    }

    /** Whether {@link #login} succeeded on this session. */
    public boolean loggedIn() {
        return loggedIn;
    }

    /** The CKA_KEY_TYPE (CKK_RSA, CKK_EC, CKK_AES, ...) of {@code key}. */
    public long keyType(TokenKey key) throws TokenException {
        Long type = call("reading the type of key " + key.label(), s -> s.getAttrValues(key.handle(), CKA_KEY_TYPE).keyType());
        if (type == null) {
            throw new TokenException("token " + token.label() + " gave no type for key " + key.label());
        }
        return type;
    }

    static String keyName(Pkcs11Uri uri) {
        StringBuilder sb = new StringBuilder();
        uri.object().ifPresent(o -> sb.append('"').append(o).append('"'));
        uri.id().ifPresent(id -> {
            sb.append(sb.length() == 0 ? "" : " ").append("id ");
            for (byte b : id) {
                sb.append(String.format("%02x", b));
            }
        });
        return sb.toString();
    }

    /** Whether the token offers {@code mechanism} (CKM_) for {@code flag} (CKF_DECRYPT, CKF_WRAP, ...). */
    public boolean supports(long mechanism, long flag) {
        MechanismInfo info = token.slot().getToken().getMechanismInfo(mechanism);
        return info != null && info.hasFlagBit(flag);
    }

    /** A call on the session, its module error mapped to our exceptions. */
    @FunctionalInterface
    interface Call<T> {
        T run(Session session) throws PKCS11Exception;
    }

    <T> T call(String what, Call<T> call) throws TokenException {
        if (closed) {
            throw new IllegalStateException("session closed");
        }
        if (module.generation() != generation) {
            throw new TokenAbsentException("token " + token.label() + " was removed: its module was re-initialised"
                    + " since this session was opened (" + what + ")", TokenException.NO_CODE);
        }
        try {
            return call.run(session);
        } catch (PKCS11Exception e) {
            throw TokenErrors.map(e.getErrorCode(), what, token.label(), this::tokenFlags);
        }
    }

    /**
     * Closes the session; errors (a token already gone) are ignored. No C_Logout: the login is the
     * token's, shared by every session of this process, and ends with the last one closed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (module.generation() != generation) {
            return; // the session ended with the module's old life
        }
        try {
            session.closeSession();
        } catch (PKCS11Exception e) {
            // gone already
        }
    }
}
