package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.TruncatedFileException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.Locale;

/** Maps NIO's exceptions on lower files to the errno the plaintext view returns. */
final class IoErrors {
    private IoErrors() {}

    static FsException toFs(IOException e, String plainPath) {
        if (e instanceof FsException fe) {
            return fe;
        }
        return new FsException(errnoOf(e), plainPath + ": " + reason(e), e);
    }

    static int errnoOf(IOException e) {
        if (e instanceof UnixStat.Missing m) {
            return m.errno;
        }
        if (e instanceof NoSuchFileException) {
            return Errno.ENOENT;
        }
        if (e instanceof FileAlreadyExistsException) {
            return Errno.EEXIST;
        }
        if (e instanceof DirectoryNotEmptyException) {
            return Errno.ENOTEMPTY;
        }
        if (e instanceof AccessDeniedException) {
            return Errno.EACCES;
        }
        if (e instanceof NotDirectoryException) {
            return Errno.ENOTDIR;
        }
        if (e instanceof NotLinkException) {
            return Errno.EINVAL;
        }
        if (e instanceof FileSystemLoopException) {
            return Errno.ELOOP;
        }
        if (e instanceof ClosedChannelException) {
            return Errno.EBADF;
        }
        if (e instanceof TruncatedFileException) {
            return Errno.EIO;
        }
        String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            m = fse.getReason().toLowerCase(Locale.ROOT);
        }
        if (m.contains("no space left")) {
            return Errno.ENOSPC;
        }
        if (m.contains("file too large")) {
            return Errno.EFBIG;
        }
        if (m.contains("disk quota")) {
            return Errno.EDQUOT;
        }
        if (m.contains("is a directory")) {
            return Errno.EISDIR;
        }
        if (m.contains("not a directory")) {
            return Errno.ENOTDIR;
        }
        if (m.contains("file name too long")) {
            return Errno.ENAMETOOLONG;
        }
        if (m.contains("read-only file system")) {
            return Errno.EROFS;
        }
        if (m.contains("operation not permitted")) {
            return Errno.EPERM;
        }
        if (m.contains("too many links")) {
            return Errno.EMLINK;
        }
        if (m.contains("invalid cross-device link")) {
            return Errno.EXDEV;
        }
        if (m.contains("no data available") || m.contains("no such attribute")) {
            return Errno.ENODATA;
        }
        if (m.contains("operation not supported")) {
            return Errno.EOPNOTSUPP;
        }
        if (m.contains("directory not empty")) {
            return Errno.ENOTEMPTY;
        }
        if (m.contains("file exists")) {
            return Errno.EEXIST;
        }
        return Errno.EIO;
    }

    private static String reason(IOException e) {
        if (e instanceof FileSystemException fse) {
            return fse.getReason() != null ? fse.getReason() : e.getClass().getSimpleName();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
