package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.EncryptedFile;
import io.ucryptfs.core.file.ExtentCache;
import io.ucryptfs.core.file.FileContent;
import io.ucryptfs.core.file.PassthroughFile;
import io.ucryptfs.core.file.TruncatedFileException;
import io.ucryptfs.core.file.WriteBehind;
import io.ucryptfs.core.file.Xattrs;
import io.ucryptfs.core.format.FileFormat;
import io.ucryptfs.core.format.FormatException;
import io.ucryptfs.core.format.NoKeyException;
import io.ucryptfs.core.format.UnlockedHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import javax.security.auth.DestroyFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a lower file as plaintext content: finds its header (front of the file, else the header
 * xattr), unlocks it, and checks the file is complete; or writes a header into a new file.
 * Mirrors the kernel's {@code ecryptfs_read_metadata} and {@code ecryptfs_new_file_context}.
 */
final class LowerFileOpener {
    private static final int PAGE = 4096;
    private static final Logger log = LoggerFactory.getLogger(LowerFileOpener.class);

    private final ExtentCache cache;
    private final boolean passthrough;
    private final boolean readOnly;

    LowerFileOpener(ExtentCache cache, boolean passthrough, boolean readOnly) {
        this.cache = cache;
        this.passthrough = passthrough;
        this.readOnly = readOnly;
    }

    /** Opens with the mount's keys in {@code format} (valid for the duration of the call: see {@link MountKeys#use}). */
    FileContent open(FileFormat format, Path lower, String plainPath) throws FsException {
        boolean[] rw = new boolean[1];
        FileChannel ch = channel(lower, plainPath, rw);
        boolean writable = rw[0];
        try {
            byte[] front = new byte[format.headerReadSize()];
            int n = readFront(ch, front);
            UnlockedHeader header;
            if (format.recognizes(front, n)) {
                header = format.open(front, n, false);
            } else {
                Optional<byte[]> x = Xattrs.get(lower, format.headerXattrName());
                if (x.isPresent() && format.recognizes(x.get(), x.get().length)) {
                    header = format.open(x.get(), x.get().length, true);
                } else if (passthrough) {
                    return new PassthroughFile(ch, writable);
                } else if (n == 0 && ch.size() == 0) {
                    // left by a crash between create and header write: as the kernel
                    // (read_or_initialize_metadata), give it a fresh header
                    if (readOnly || !writable) {
                        throw new FormatException("empty lower file without a header (the mount or the file is read-only)");
                    }
                    return initialise(format, ch, lower, plainPath);
                } else {
                    throw new FormatException("bad marker: not an eCryptfs file (mount with passthrough to read such files as they are)");
                }
            }
            EncryptedFile f = new EncryptedFile(ch, header, cache, lower, plainPath, writable);
            f.checkComplete();
            return WriteBehind.over(f);
        } catch (NoKeyException e) {
            close(ch);
            log.warn("{}", e.inFile(plainPath).getMessage());
            throw new FsException(Errno.EACCES, plainPath + ": " + e.getMessage(), e);
        } catch (FormatException e) {
            close(ch);
            log.warn("{}", e.inFile(plainPath).getMessage());
            throw new FsException(Errno.EIO, plainPath + ": " + e.getMessage(), e);
        } catch (TruncatedFileException e) {
            close(ch);
            log.warn("{}", e.getMessage());
            throw new FsException(Errno.EIO, e.getMessage(), e);
        } catch (FsException e) {
            close(ch);
            throw e;
        } catch (IOException e) {
            close(ch);
            throw IoErrors.toFs(e, plainPath);
        }
    }

    /**
     * Writes a fresh header into an empty, just created lower file and opens it. Of a header at the front
     * of the file only the pages that hold its fields and key packets are written (one page for the
     * usual few packets): the rest of its 8 KiB is zeros, which the file's first data, written after
     * it, leaves as a hole that reads as zeros, and which a file still empty at its close gets then
     * ({@link EncryptedFile#created}). Why: writing the second page took 10-20 us of the ~150 a 4 KiB file
     * costs (create, write, close; tmpfs lower) and a third of a small file's lower bytes.
     */
    FileContent initialise(FileFormat format, FileChannel ch, Path lower, String plainPath) throws IOException {
        UnlockedHeader header = format.create();
        int written;
        try {
            byte[] bytes = header.encode(0);
            written = bytes.length;
            if (header.inXattr()) {
                Xattrs.set(lower, format.headerXattrName(), bytes);
            } else {
                written = pagesInUse(bytes);
                ByteBuffer b = ByteBuffer.wrap(bytes, 0, written);
                long pos = 0;
                while (b.hasRemaining()) {
                    pos += ch.write(b, pos);
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                header.destroy();
            } catch (DestroyFailedException ignored) {
                // the key is dropped with the object
            }
            throw e;
        }
        return WriteBehind.over(EncryptedFile.created(ch, header, written, cache, lower, plainPath));
    }

    /** The length of {@code header} up to the end of the last 4 KiB page with a byte that is not zero. */
    static int pagesInUse(byte[] header) {
        int last = header.length - 1;
        while (last > 0 && header[last] == 0) {
            last--;
        }
        int pages = last / PAGE + 1;
        return Math.min(header.length, pages * PAGE);
    }

    /** Opens the lower file read-write where it can, else read-only; {@code writable[0]} says which. */
    private FileChannel channel(Path lower, String plainPath, boolean[] writable) throws FsException {
        try {
            if (readOnly) {
                return FileChannel.open(lower, StandardOpenOption.READ);
            }
            try {
                FileChannel ch = FileChannel.open(lower, StandardOpenOption.READ, StandardOpenOption.WRITE);
                writable[0] = true;
                return ch;
            } catch (AccessDeniedException e) {
                // a read-only lower file still reads (as the kernel's ecryptfs_privileged_open falls back);
                // opening it for writing fails with EACCES in EcryptfsFileSystem.open
                return FileChannel.open(lower, StandardOpenOption.READ);
            }
        } catch (IOException e) {
            throw IoErrors.toFs(e, plainPath);
        }
    }

    private static int readFront(FileChannel ch, byte[] front) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(front);
        long pos = 0;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                break;
            }
            pos += r;
        }
        return b.position();
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing
        }
    }
}
