package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.EncryptedFile;
import io.ucryptfs.core.file.ExtentCache;
import io.ucryptfs.core.file.FileContent;
import io.ucryptfs.core.file.LowerSpace;
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
    private static final Logger log = LoggerFactory.getLogger(LowerFileOpener.class);

    private final ExtentCache cache;
    private final boolean passthrough;
    private final boolean readOnly;
    private final LowerSpace space;

    LowerFileOpener(ExtentCache cache, LowerSpace space, boolean passthrough, boolean readOnly) {
        this.cache = cache;
        this.space = space;
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
            return WriteBehind.over(f, space);
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
     * Writes a fresh header into an empty, just created lower file and opens it. The whole header, its
     * zero tail included, as the kernel writes it. Why not only its pages in use (one page, the second
     * left a hole under the first data; session 5): on ext4 a file with a hole is two extents, and
     * freeing them made an rm of 5,000 small files 0.48-0.58 s straight on the disk against 0.26-0.28
     * for the contiguous layout; through the mount, untar, rm and rm -rf of a tree were all slower
     * and creates no faster (docs/performance.md, session 6). A file left one page long by a build
     * that did so still opens (as an empty file).
     */
    FileContent initialise(FileFormat format, FileChannel ch, Path lower, String plainPath) throws IOException {
        UnlockedHeader header = format.create();
        try {
            byte[] bytes = header.encode(0);
            if (header.inXattr()) {
                Xattrs.set(lower, format.headerXattrName(), bytes);
            } else {
                ByteBuffer b = ByteBuffer.wrap(bytes);
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
        return WriteBehind.over(new EncryptedFile(ch, header, cache, lower, plainPath, true), space);
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
