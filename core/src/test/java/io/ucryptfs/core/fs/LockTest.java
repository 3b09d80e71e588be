package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.errno;
import static io.ucryptfs.core.fs.FsTestSupport.newLower;
import static io.ucryptfs.core.fs.FsTestSupport.readAll;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.WrongPassphraseException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Locking a running mount's keys ({@link EcryptfsFileSystem#lock}, {@code unlock}), on jimfs. */
class LockTest {
    private static final String PASS = "lock test passphrase";

    /** A fresh ring each time: a lock destroys the ring it holds (the shared test keys must not be). */
    private static KeyRing ring(String pass) {
        byte[] p = pass.getBytes(StandardCharsets.UTF_8);
        return KeyRing.of(List.of(PassphraseKey.derive(p, PassphraseKey.DEFAULT_SALT)),
                PassphraseKey.derive(p, PassphraseKey.FNEK_SALT));
    }

    private static EcryptfsFileSystem mount(Path lower, KeyRing keys, boolean encryptNames) throws FsException {
        return EcryptfsFileSystem.open(lower, MountOptions.builder(keys).encryptNames(encryptNames).build());
    }

    @Test
    void lockRefusesOpensLookupsAndListingsWhileOpenHandlesKeepWorking() throws Exception {
        KeyRing keys = ring(PASS);
        try (EcryptfsFileSystem fs = mount(newLower(), keys, true)) {
            fs.mkdir("/d", 0755);
            writeFile(fs, "/d/b", bytes("bee"));
            long h = fs.create("/a", 0644);
            fs.write(h, ByteBuffer.wrap(bytes("before lock ")), 0);

            assertTrue(fs.lock(false).keysWiped());
            assertTrue(keys.isDestroyed(), "the mount key is wiped, not just dropped");
            assertTrue(fs.keyStatus().locked());
            assertEquals(1, fs.keyStatus().openFiles());
            assertEquals(Errno.EACCES, errno(() -> fs.open("/d/b", OpenMode.READ)));
            assertEquals(Errno.EACCES, errno(() -> fs.open("/a", OpenMode.READ)), "a second open of an open file too");
            assertEquals(Errno.EACCES, errno(() -> fs.create("/c", 0644)));
            assertEquals(Errno.EACCES, errno(() -> fs.getattr("/d")));
            assertEquals(Errno.EACCES, errno(() -> fs.readdir("/")));
            assertEquals(Errno.EACCES, errno(() -> fs.mkdir("/e", 0755)));
            assertEquals(FileType.DIRECTORY, fs.getattr("/").type(), "the root still answers");
            fs.statfs();

            // the open file works on: eCryptfs's semantics
            fs.write(h, ByteBuffer.wrap(bytes("and after")), 12);
            fs.fsync(h, false);
            assertArrayEquals(bytes("before lock and after"), readAll(fs, h));
            assertEquals(21, fs.fgetattr(h).size());

            assertThrows(WrongPassphraseException.class, () -> fs.unlock(ring("not the passphrase")));
            assertTrue(fs.keyStatus().locked(), "a wrong passphrase leaves it locked");
            assertEquals(Errno.EACCES, errno(() -> fs.open("/d/b", OpenMode.READ)));

            assertTrue(fs.unlock(ring(PASS)));
            assertFalse(fs.keyStatus().locked());
            fs.release(h);
            assertArrayEquals(bytes("before lock and after"), readFile(fs, "/a"));
            assertArrayEquals(bytes("bee"), readFile(fs, "/d/b"));
            assertEquals(List.of("a", "d"), fs.readdir("/").stream().sorted().toList());
            writeFile(fs, "/c", bytes("new after unlock"));

            assertFalse(fs.unlock(ring(PASS)), "unlocking an unlocked mount changes nothing");
        }
    }

    @Test
    void lockWithOpenFilesCutsHandlesOffAndLosesNothing() throws Exception {
        Path lower = newLower();
        try (EcryptfsFileSystem fs = mount(lower, ring(PASS), true)) {
            byte[] data = new byte[3 * 4096 + 100];
            new Random(7).nextBytes(data);
            long h = fs.create("/f", 0600);
            fs.write(h, ByteBuffer.wrap(data), 0); // dirty in the page cache, not flushed
            long r = fs.open("/f", OpenMode.READ);

            MountLock.Result res = fs.lock(true);
            assertEquals(1, res.cutOff());
            assertEquals(List.of(), res.notCutOff());
            assertEquals(new MountLock.Status(true, 0, 1), fs.keyStatus());
            assertEquals(Errno.EACCES, errno(() -> fs.read(r, ByteBuffer.allocate(10), 0)));
            assertEquals(Errno.EACCES, errno(() -> fs.write(h, ByteBuffer.wrap(bytes("x")), 0)));
            assertEquals(Errno.EACCES, errno(() -> fs.fsync(h, false)));
            assertEquals(Errno.EACCES, errno(() -> fs.flush(h)));
            assertEquals(Errno.EACCES, errno(() -> fs.ftruncate(h, 0)));

            fs.unlock(ring(PASS));
            // a new open after the unlock gets the file afresh, while the old handles still fail
            assertArrayEquals(data, readFile(fs, "/f"), "what was written before the lock is all there");
            assertEquals(Errno.EACCES, errno(() -> fs.read(r, ByteBuffer.allocate(10), 0)));
            fs.release(h);
            fs.release(r);
            assertEquals(0, fs.keyStatus().cutOff());
            assertEquals(data.length, fs.getattr("/f").size());
        }
        try (EcryptfsFileSystem fs = mount(lower, ring(PASS), true)) {
            assertEquals(3 * 4096 + 100, readFile(fs, "/f").length, "and after a remount");
        }
    }

    @Test
    void withoutNameEncryptionNamesStayVisibleButContentLocks() throws Exception {
        try (EcryptfsFileSystem fs = mount(newLower(), ring(PASS), false)) {
            writeFile(fs, "/plain", bytes("text"));
            fs.lock(false);
            assertEquals(List.of("plain"), fs.readdir("/"));
            assertEquals(4, fs.getattr("/plain").size());
            assertEquals(Errno.EACCES, errno(() -> fs.open("/plain", OpenMode.READ)));
            assertEquals(Errno.EACCES, errno(() -> fs.create("/new", 0644)));
            fs.unlock(ring(PASS));
            assertArrayEquals(bytes("text"), readFile(fs, "/plain"));
        }
    }

    /** Threads doing I/O on their open files, opening and listing, while another locks and unlocks. */
    @Test
    void ioRunsOnWhileLockingAndUnlocking() throws Exception {
        try (EcryptfsFileSystem fs = mount(newLower(), ring(PASS), true)) {
            int n = 4;
            long[] handles = new long[n];
            byte[][] model = new byte[n][64 * 1024];
            for (int i = 0; i < n; i++) {
                handles[i] = fs.create("/f" + i, 0644);
                fs.write(handles[i], ByteBuffer.wrap(model[i]), 0);
            }
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int t = i;
                threads.add(new Thread(() -> {
                    Random rnd = new Random(t);
                    try {
                        while (!stop.get()) {
                            int off = rnd.nextInt(model[t].length - 5000);
                            byte[] b = new byte[1 + rnd.nextInt(5000)];
                            rnd.nextBytes(b);
                            fs.write(handles[t], ByteBuffer.wrap(b), off);
                            System.arraycopy(b, 0, model[t], off, b.length);
                            ByteBuffer got = ByteBuffer.allocate(b.length);
                            fs.read(handles[t], got, off);
                            if (!Arrays.equals(b, got.array())) {
                                throw new AssertionError("file " + t + " read back other bytes at " + off);
                            }
                            if (rnd.nextInt(20) == 0) {
                                fs.fsync(handles[t], false);
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            threads.add(new Thread(() -> { // opens and listings: EACCES while locked, nothing else
                try {
                    while (!stop.get()) {
                        try {
                            long h = fs.open("/f0", OpenMode.READ);
                            fs.read(h, ByteBuffer.allocate(100), 0);
                            fs.release(h);
                            fs.readdir("/");
                        } catch (FsException e) {
                            if (e.errno() != Errno.EACCES) {
                                throw e;
                            }
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
            threads.forEach(Thread::start);
            for (int round = 0; round < 12 && errors.isEmpty(); round++) {
                fs.lock(false);
                Thread.sleep(2);
                assertTrue(fs.unlock(ring(PASS)));
                Thread.sleep(2);
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(errors.isEmpty(), () -> "errors: " + errors);
            for (int i = 0; i < n; i++) {
                fs.release(handles[i]);
                assertArrayEquals(model[i], readFile(fs, "/f" + i), "file " + i);
            }
        }
    }
}
