package io.ucryptfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Logback set up in code: quiet on the terminal (warnings, to stderr), everything from INFO into the
 * daemon's log file. Nothing logs keys, passphrases or PINs; file names and key signatures only.
 */
public final class Logging {
    private Logging() {}

    /** @param logFile where the daemon logs, or null for the terminal */
    public static void configure(Path logFile, boolean verbose) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        OutputStreamAppender<ch.qos.logback.classic.spi.ILoggingEvent> out;
        if (logFile != null) {
            enc.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n");
            FileAppender<ch.qos.logback.classic.spi.ILoggingEvent> f = new FileAppender<>();
            f.setFile(logFile.toString());
            f.setAppend(true);
            out = f;
        } else {
            enc.setPattern("ucryptfs: %msg%n");
            ConsoleAppender<ch.qos.logback.classic.spi.ILoggingEvent> c = new ConsoleAppender<>();
            c.setTarget("System.err");
            out = c;
        }
        enc.start();
        out.setContext(ctx);
        out.setEncoder(enc);
        out.start();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(out);
        root.setLevel(verbose ? Level.DEBUG : logFile != null ? Level.INFO : Level.WARN);
    }
}
