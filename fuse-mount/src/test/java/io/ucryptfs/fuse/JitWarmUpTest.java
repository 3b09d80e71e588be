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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up's scripted requests all succeed on a real filesystem (a failed one would stop it early,
 * and its path would go uncompiled), and it leaves nothing behind.
 */
class JitWarmUpTest {
    @TempDir
    Path tmp;

    @Test
    void everyRoundRunsToItsEndOnAnEncryptedLowerDirectoryAndTheScratchDirectoryIsRemoved() throws Exception {
        Path scratchLower = Files.createDirectory(tmp.resolve("scratch"));
        PassphraseKey key = PassphraseKey.derive("warm".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        CryptFileSystem fs = EcryptfsFileSystem.open(scratchLower,
                MountOptions.builder(KeyRing.of(List.of(key), key)).encryptNames(true).cacheBytes(4 << 20).build());
        AtomicBoolean done = new AtomicBoolean();
        JitWarmUp w = JitWarmUp.of(fs, scratchLower,
                new MountSettings("t", false, false, false, List.of("max_write=262144")), () -> done.set(true), 2);
        w.run();
        assertEquals(2, w.roundsDone());
        assertFalse(Files.exists(scratchLower));
        assertTrue(done.get());
    }

    @Test
    void aScratchDirectoryLeftByAProcessThatIsGoneIsRemovedAndOneOfALiveProcessKept() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long self = ProcessHandle.current().pid();
        Path gone = Files.createTempDirectory(tmp, "ucryptfs-warm-up-" + Integer.MAX_VALUE + "-");
        Files.writeString(gone.resolve("left"), "x");
        Path live = Files.createTempDirectory(tmp, "ucryptfs-warm-up-" + self + "-");
        Path made = JitWarmUp.scratchDirectory(true);
        try {
            assertFalse(Files.exists(gone));
            assertTrue(Files.isDirectory(live));
            assertTrue(Files.isDirectory(made));
            assertTrue(made.getFileName().toString().startsWith("ucryptfs-warm-up-" + self + "-"));
        } finally {
            JitWarmUp.deleteTree(live);
            JitWarmUp.deleteTree(made);
            JitWarmUp.deleteTree(gone);
        }
    }

    @Test
    void theSocketPairServesThroughTheDeviceClassOfAMountAndReturnsEachReply() throws Exception {
        PassphraseKey key = PassphraseKey.derive("pair".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        try (CryptFileSystem fs = EcryptfsFileSystem.open(Files.createDirectory(tmp.resolve("lower")),
                MountOptions.builder(KeyRing.of(key)).build());
                SocketPairKernel kernel = SocketPairKernel.open()) {
            assertEquals(FuseDevice.of(-1).getClass(), kernel.device().getClass());
            KernelRequests r = new KernelRequests(new FuseAdapter(fs, new FuseAdapter.Timeouts(1, 1, 0)), kernel.device(), 1 << 20);
            KernelRequests.Scratch s = r.scratch();
            kernel.send(r, s, FuseProtocol.MKDIR, NodeTable.ROOT, 0755, 022, "d");
            assertEquals(0, kernel.lastError());
            long node = kernel.last().getLong(FuseProtocol.OUT_HEADER);
            kernel.send(r, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "missing");
            assertEquals(2, kernel.lastError()); // ENOENT
            kernel.send(r, s, FuseProtocol.GETATTR, node, 0, 0, 0L);
            assertEquals(0, kernel.lastError());
            assertEquals(040000, kernel.last().getInt(FuseProtocol.OUT_HEADER + 16 + 60) & 0170000); // a directory
        }
    }
}
