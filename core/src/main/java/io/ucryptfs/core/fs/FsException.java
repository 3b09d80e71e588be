package io.ucryptfs.core.fs;

import java.io.IOException;

/**
 * An operation failed with a POSIX errno. The message is for logs and people: it names the path and
 * the reason, never key material.
 */
public class FsException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public FsException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /**
     * No stack trace: an errno is an answer, often an expected one (ENOENT for every lookup of a name
     * about to be created), and filling a stack trace costs more than the lookup. The cause, if any,
     * keeps its own.
     */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    public FsException(int errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The positive errno value, e.g. {@link Errno#ENOENT}. */
    public int errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        return Errno.name(errno) + ": " + super.getMessage();
    }
}
