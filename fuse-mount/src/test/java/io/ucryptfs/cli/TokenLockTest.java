package io.ucryptfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.keystore.pkcs11.TokenAbsentException;
import io.ucryptfs.keystore.pkcs11.TokenException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lock on token removal, wired with a fake watch: removal locks with the mount's --lock-open-files
 * flag, return never unlocks, a module that throws or hangs locks too and never stops the watch.
 */
class TokenLockTest {

    /** Records the locks asked for. */
    static final class FakeTarget implements TokenLock.Target {
        final List<String> locks = new ArrayList<>();
        boolean locked;

        @Override
        public synchronized void lock(String reason, boolean openFiles) {
            locks.add(reason + (openFiles ? " open-files" : ""));
            locked = true;
        }

        @Override
        public synchronized boolean locked() {
            return locked;
        }
    }

    /** A token that is there while {@link #there} says so. */
    static final class FakeToken implements TokenLock.Watcher {
        final AtomicBoolean there = new AtomicBoolean(true);
        final AtomicInteger watches = new AtomicInteger();

        @Override
        public TokenLock.Probe watch() throws TokenException {
            if (!there.get()) {
                throw new TokenAbsentException("no token", TokenException.NO_CODE);
            }
            watches.incrementAndGet();
            return there::get;
        }
    }

    private static TokenLock lock(FakeTarget t, TokenLock.Watcher w, boolean openFiles, Duration timeout) {
        return new TokenLock("t1", "/mnt", openFiles, t, w, timeout);
    }

    @Test
    void removalLocksOnceAndReturnDoesNotUnlock() {
        for (boolean openFiles : new boolean[] {false, true}) {
            FakeTarget target = new FakeTarget();
            FakeToken token = new FakeToken();
            try (TokenLock l = lock(target, token, openFiles, Duration.ofSeconds(5))) {
                l.check();
                l.check();
                assertEquals(List.of(), target.locks, "present: nothing locked");
                token.there.set(false);
                l.check();
                l.check();
                assertEquals(List.of("token-removal" + (openFiles ? " open-files" : "")), target.locks,
                        "one lock per removal, with the mount's --lock-open-files flag");
                token.there.set(true);
                l.check();
                assertTrue(target.locked, "its return does not unlock: that needs the PIN");
                assertEquals(1, target.locks.size());
                token.there.set(false);
                l.check();
                assertEquals(2, target.locks.size(), "a second removal locks again");
                assertEquals(1, token.watches.get(), "one watch, made once");
            }
        }
    }

    @Test
    void aTokenAbsentWhenTheWatchStartsLocksAtOnceAndIsWatchedWhenItComes() {
        FakeTarget target = new FakeTarget();
        FakeToken token = new FakeToken();
        token.there.set(false);
        try (TokenLock l = lock(target, token, false, Duration.ofSeconds(5))) {
            l.check();
            assertEquals(List.of("token-removal"), target.locks);
            token.there.set(true);
            l.check();
            assertEquals(1, token.watches.get());
            token.there.set(false);
            l.check();
            assertEquals(2, target.locks.size());
        }
    }

    @Test
    void aModuleThatThrowsCountsAsAbsent() {
        FakeTarget target = new FakeTarget();
        AtomicBoolean fail = new AtomicBoolean();
        TokenLock.Watcher w = () -> () -> {
            if (fail.get()) {
                throw new IllegalStateException("the module fell over");
            }
            return true;
        };
        try (TokenLock l = lock(target, w, false, Duration.ofSeconds(5))) {
            l.check();
            fail.set(true);
            l.check();
            assertEquals(List.of("token-removal"), target.locks);
            fail.set(false);
            l.check();
            l.check();
            assertEquals(1, target.locks.size(), "the watch goes on after the failure");
        }
    }

    @Test
    void aModuleThatHangsLocksAfterTheTimeoutAndNoCheckPilesUp() throws Exception {
        FakeTarget target = new FakeTarget();
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean hang = new AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        TokenLock.Watcher w = () -> () -> {
            calls.incrementAndGet();
            if (hang.get()) {
                release.await();
            }
            return true;
        };
        try (TokenLock l = lock(target, w, true, Duration.ofMillis(200))) {
            l.check();
            hang.set(true);
            long t0 = System.nanoTime();
            l.check();
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "the check gave up after its timeout");
            assertEquals(List.of("token-not-answering open-files"), target.locks);
            int before = calls.get();
            l.check();
            l.check();
            assertEquals(before, calls.get(), "no new check while one is stuck");
            hang.set(false);
            release.countDown();
            Thread.sleep(100);
            l.check();
            assertEquals(before + 1, calls.get(), "checks resume once the module answers");
            assertEquals(1, target.locks.size(), "and do not unlock");
        }
    }

    @Test
    void statusSaysTheMountWasLockedByTokenRemovalUntilUnlocked(@TempDir Path dir) throws Exception {
        byte[] pass = "token lock test".getBytes(StandardCharsets.UTF_8);
        KeyRing keys = KeyRing.of(List.of(PassphraseKey.derive(pass, PassphraseKey.DEFAULT_SALT)),
                PassphraseKey.derive(pass, PassphraseKey.FNEK_SALT));
        Path lower = java.nio.file.Files.createDirectory(dir.resolve("lower"));
        try (EcryptfsFileSystem fs = EcryptfsFileSystem.open(lower, MountOptions.builder(keys).build());
                ControlChannel c = ControlChannel.start(dir.resolve("c.sock"), fs, (s, v) -> KeyRing.of(
                        List.of(PassphraseKey.derive(pass, PassphraseKey.DEFAULT_SALT)),
                        PassphraseKey.derive(pass, PassphraseKey.FNEK_SALT)))) {
            FakeToken token = new FakeToken();
            try (TokenLock l = new TokenLock("t1", "/mnt", false, c, token, Duration.ofSeconds(5))) {
                l.check();
                assertEquals("OK unlocked open-files=0 cut-off=0", ask(c, "status"));
                token.there.set(false);
                l.check();
                assertTrue(c.locked());
                assertEquals("OK locked open-files=0 cut-off=0 locked-by=token-removal", ask(c, "status"));
                assertEquals("OK locked; files open now keep working until closed", ask(c, "lock"));
                assertTrue(ask(c, "status").endsWith("locked-by=token-removal"), "the first reason stays");
                assertEquals("OK unlocked", ask(c, "unlock vault-key\n00\n"));
                assertFalse(c.locked());
                assertEquals("OK unlocked open-files=0 cut-off=0", ask(c, "status"));
                ask(c, "lock");
                assertTrue(ask(c, "status").endsWith("locked-by=lock-command"));
            }
        }
    }

    private static String ask(ControlChannel c, String request) {
        byte[] b = request.getBytes(StandardCharsets.US_ASCII);
        return c.handle(b, b.length);
    }
}
