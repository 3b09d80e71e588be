package io.ucryptfs.keystore.pkcs11;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xipki.pkcs11.wrapper.StaticLogger;

/**
 * Where the wrapper's own log lines go. Without a logger it prints to stdout; its debug lines show
 * object templates, and a template may hold CKA_VALUE (the secret being wrapped), so they are never
 * passed on. Its info, warn and error lines go to our SLF4J logger at DEBUG (it warns on every
 * C_GetTokenInfo of a SoftHSM2 token, which has no clock).
 */
final class WrapperLog implements org.xipki.pkcs11.wrapper.Logger {
    private static final Logger LOG = LoggerFactory.getLogger("io.ucryptfs.keystore.pkcs11.wrapper");
    private static volatile boolean installed;

    private WrapperLog() {}

    /** Installs the logger once, before the wrapper's classes first log. */
    static void install() {
        if (!installed) {
            synchronized (WrapperLog.class) {
                if (!installed) {
                    StaticLogger.setLogger(new WrapperLog());
                    installed = true;
                }
            }
        }
    }

    @Override
    public void info(String format, Object... arguments) {
        LOG.debug(format, arguments);
    }

    @Override
    public void warn(String format, Object... arguments) {
        LOG.debug(format, arguments);
    }

    @Override
    public void error(String format, Object... arguments) {
        LOG.debug(format, arguments);
    }

    @Override
    public void debug(String format, Object... arguments) {}

    @Override
    public void trace(String format, Object... arguments) {}

    @Override
    public boolean isDebugEnabled() {
        return false;
    }

    @Override
    public boolean isInfoEnabled() {
        return LOG.isDebugEnabled();
    }

    @Override
    public boolean isWarnEnabled() {
        return LOG.isDebugEnabled();
    }

    @Override
    public boolean isTraceEnabled() {
        return false;
    }
}
