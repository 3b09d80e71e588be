package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's writeback cache: asked for with {@code -o writeback_cache} only, and while it is on, a
 * write-only open is readable (the kernel fills partly written pages) and O_APPEND is the kernel's.
 */
class WritebackCacheTest {
    private static final int O_WRONLY = 01;
    private static final int O_CREAT = 0100;
    private static final int O_APPEND = 02000;
    private static final int EBADF = 9;

    @TempDir
    Path tmp;

    private final FakeKernel kernel = new FakeKernel();

    private CryptFileSystem fs() throws Exception {
        PassphraseKey key = PassphraseKey.derive("wb".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        return EcryptfsFileSystem.open(Files.createDirectory(tmp.resolve("lower")), MountOptions.builder(KeyRing.of(key)).build());
    }

    /** A session after INIT, the kernel offering the writeback cache; returns the flags granted. */
    private int init(KernelRequests r, KernelRequests.Scratch s) {
        kernel.send(r, s, FuseProtocol.INIT, 0, 7, 33, 131072, FuseProtocol.WRITEBACK_CACHE | FuseProtocol.ASYNC_READ);
        return kernel.last().getInt(FuseProtocol.OUT_HEADER + 12);
    }

    private KernelRequests requests(CryptFileSystem fs, List<String> options) {
        MountSettings settings = new MountSettings("t", false, false, false, options);
        FuseAdapter adapter = new FuseAdapter(fs, settings.timeouts());
        adapter.offerWritebackCache(settings.writebackCache());
        return new KernelRequests(adapter, kernel, settings.maxWrite());
    }

    @Test
    void withTheOptionAWriteOnlyAppendingHandleReadsAndWritesWhereTheKernelSays() throws Exception {
        try (CryptFileSystem fs = fs()) {
            KernelRequests r = requests(fs, List.of("writeback_cache"));
            KernelRequests.Scratch s = r.scratch();
            assertTrue((init(r, s) & FuseProtocol.WRITEBACK_CACHE) != 0);
            kernel.send(r, s, FuseProtocol.CREATE, NodeTable.ROOT, O_WRONLY | O_CREAT | O_APPEND, 0100644, 022, 0, "f");
            assertEquals(0, kernel.lastError());
            long node = kernel.last().getLong(FuseProtocol.OUT_HEADER);
            long fh = kernel.last().getLong(FuseProtocol.OUT_HEADER + FuseProtocol.ENTRY_OUT_SIZE);
            kernel.send(r, s, FuseProtocol.WRITE, node, fh, 0L, 3, 0, 0L, 0, 0, "abc".getBytes(StandardCharsets.US_ASCII));
            kernel.send(r, s, FuseProtocol.WRITE, node, fh, 1L, 1, 0, 0L, 0, 0, "Z".getBytes(StandardCharsets.US_ASCII));
            assertEquals(0, kernel.lastError());
            kernel.send(r, s, FuseProtocol.READ, node, fh, 0L, 4096, 0, 0L, 0, 0);
            assertEquals(0, kernel.lastError(), "the kernel reads through a write-only handle");
            byte[] got = new byte[kernel.last().limit() - FuseProtocol.OUT_HEADER];
            kernel.last().get(FuseProtocol.OUT_HEADER, got);
            assertEquals("aZc", new String(got, StandardCharsets.US_ASCII), "the kernel places appends, not us");
        }
    }

    @Test
    void offByDefaultAndThenAWriteOnlyHandleDoesNotRead() throws Exception {
        try (CryptFileSystem fs = fs()) {
            KernelRequests r = requests(fs, List.of());
            KernelRequests.Scratch s = r.scratch();
            assertFalse((init(r, s) & FuseProtocol.WRITEBACK_CACHE) != 0);
            kernel.send(r, s, FuseProtocol.CREATE, NodeTable.ROOT, O_WRONLY | O_CREAT, 0100644, 022, 0, "f");
            long node = kernel.last().getLong(FuseProtocol.OUT_HEADER);
            kernel.send(r, s, FuseProtocol.OPEN, node, O_WRONLY, 0);
            long fh = kernel.last().getLong(FuseProtocol.OUT_HEADER);
            kernel.send(r, s, FuseProtocol.READ, node, fh, 0L, 4096, 0, 0L, 0, 0);
            assertEquals(EBADF, kernel.lastError());
            assertFalse(new MountSettings("t", false, false, false, List.of("writeback_cache")).fuseOptions()
                    .contains("writeback_cache"), "ours, not passed to the kernel");
        }
    }

    @Test
    void aTruncateOfAFileUnlinkedWhileOpenSucceedsThoughTheKernelSendsItsTimesAlong() throws Exception {
        try (CryptFileSystem fs = fs()) {
            KernelRequests r = requests(fs, List.of("writeback_cache"));
            KernelRequests.Scratch s = r.scratch();
            init(r, s);
            kernel.send(r, s, FuseProtocol.CREATE, NodeTable.ROOT, O_WRONLY | O_CREAT, 0100644, 022, 0, "f");
            long node = kernel.last().getLong(FuseProtocol.OUT_HEADER);
            long fh = kernel.last().getLong(FuseProtocol.OUT_HEADER + FuseProtocol.ENTRY_OUT_SIZE);
            kernel.send(r, s, FuseProtocol.WRITE, node, fh, 0L, 3, 0, 0L, 0, 0, "abc".getBytes(StandardCharsets.US_ASCII));
            kernel.send(r, s, FuseProtocol.UNLINK, NodeTable.ROOT, "f");
            assertEquals(0, kernel.lastError());
            int ctime = 1 << 10; // FATTR_CTIME: the kernel's, with its cached times
            int valid = FuseProtocol.FATTR_SIZE | FuseProtocol.FATTR_MTIME | ctime | FuseProtocol.FATTR_FH;
            kernel.send(r, s, FuseProtocol.SETATTR, node, valid, 0, fh, 0L, 0L, 0L, 1_700_000_000L, 1_700_000_000L,
                    0, 0, 0, 0, 0, 0, 0, 0);
            assertEquals(0, kernel.lastError(), "ftruncate of an unlinked open file");
            assertEquals(0, kernel.last().getLong(FuseProtocol.OUT_HEADER + 16 + 8), "its size now");
        }
    }
}
