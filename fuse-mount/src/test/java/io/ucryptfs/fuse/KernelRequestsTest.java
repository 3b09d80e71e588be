package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.fs.FileType;
import io.ucryptfs.core.fs.FsException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The protocol as the kernel sees it: INIT's answer, reply layouts, errors, and set-id bits on writes. */
class KernelRequestsTest {
    private final FakeKernel kernel = new FakeKernel();
    private final List<String> calls = new ArrayList<>();
    private int mode = 06755;

    /** "/f" is a regular file of 3 bytes with {@link #mode}; "/missing" does not exist; writes take everything. */
    private CryptFileSystem fs() {
        return (CryptFileSystem) Proxy.newProxyInstance(CryptFileSystem.class.getClassLoader(),
                new Class<?>[] {CryptFileSystem.class}, (proxy, method, args) -> {
                    String name = method.getName();
                    switch (name) {
                        case "getattr", "fgetattr" -> {
                            if ("/missing".equals(args[0])) {
                                throw new FsException(Errno.ENOENT, "/missing");
                            }
                            Instant t = Instant.ofEpochSecond(1_700_000_000L, 123);
                            return new FileAttributes(FileType.REGULAR, 3, mode, 1000, 1000, 1, 42, t, t, t);
                        }
                        case "open" -> {
                            return 7L;
                        }
                        case "createAndGetattr" -> {
                            Instant t = Instant.ofEpochSecond(1_700_000_000L);
                            return new CryptFileSystem.NewFile(9L, new FileAttributes(FileType.REGULAR, 0, 0644, 0, 0, 1, 43, t, t, t));
                        }
                        case "readdir" -> {
                            return List.of("f", "missing");
                        }
                        case "getxattr" -> {
                            return new byte[65536]; // the largest value Linux allows
                        }
                        case "write" -> {
                            calls.add("write " + ((ByteBuffer) args[1]).remaining());
                            return ((ByteBuffer) args[1]).remaining();
                        }
                        case "access" -> {
                            if ("/missing".equals(args[0])) {
                                throw new FsException(Errno.ENOENT, "/missing");
                            }
                            if (((Integer) args[1] & 2) != 0) {
                                throw new FsException(Errno.EACCES, "read-only");
                            }
                            calls.add("access " + args[0] + " " + args[1]);
                            return null;
                        }
                        case "chmod" -> {
                            calls.add("chmod " + Integer.toOctalString((Integer) args[1]));
                            mode = (Integer) args[1];
                            return null;
                        }
                        default -> {
                            return method.getReturnType() == long.class ? 0L
                                    : method.getReturnType() == int.class ? 0 : null;
                        }
                    }
                });
    }

    private KernelRequests requests(FuseAdapter.Timeouts timeouts) {
        return new KernelRequests(new FuseAdapter(fs(), timeouts), kernel, 1024 * 1024);
    }

    @Test
    void initAsksForLargeWritesAndKillprivV2WhereTheKernelOffersThem() {
        KernelRequests r = requests(FuseAdapter.Timeouts.DEFAULT);
        int offered = FuseProtocol.ASYNC_READ | FuseProtocol.BIG_WRITES | FuseProtocol.MAX_PAGES
                | FuseProtocol.HANDLE_KILLPRIV_V2 | (1 << 16) /* writeback cache: not asked for */;
        kernel.send(r, r.scratch(), FuseProtocol.INIT, 0, 7, 40, 131072, offered);
        ByteBuffer b = kernel.last();
        assertEquals(0, kernel.lastError());
        assertEquals(16 + FuseProtocol.INIT_OUT_SIZE, b.getInt(0));
        assertEquals(7, b.getInt(16));
        assertEquals(FuseProtocol.MINOR, b.getInt(20), "our minor when the kernel's is newer");
        assertEquals(FuseProtocol.ASYNC_READ | FuseProtocol.BIG_WRITES | FuseProtocol.MAX_PAGES
                | FuseProtocol.HANDLE_KILLPRIV_V2, b.getInt(28));
        assertEquals(1024 * 1024, b.getInt(36), "max_write");
        assertEquals(256, b.getShort(44), "max_pages");

        kernel.send(r, r.scratch(), FuseProtocol.INIT, 0, 7, 19, 131072, FuseProtocol.BIG_WRITES);
        assertEquals(19, kernel.last().getInt(20), "an older kernel's minor");
        assertEquals(16 + 24, kernel.last().getInt(0), "and the short answer it knows");
    }

    @Test
    void lookupAnswersAnEntryAndAMissingNameAnErrnoOrACacheableNegative() {
        KernelRequests r = requests(FuseAdapter.Timeouts.DEFAULT);
        KernelRequests.Scratch s = r.scratch();
        kernel.send(r, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "f");
        ByteBuffer e = kernel.last();
        assertEquals(0, kernel.lastError());
        assertEquals(16 + FuseProtocol.ENTRY_OUT_SIZE, e.getInt(0));
        long node = e.getLong(16);
        assertTrue(node > NodeTable.ROOT);
        assertEquals(1, e.getLong(16 + 16), "entry timeout 1 s");
        assertEquals(42, e.getLong(16 + 40), "inode");
        assertEquals(3, e.getLong(16 + 48), "size");
        assertEquals(1_700_000_000L, e.getLong(16 + 40 + 32), "mtime");
        assertEquals(123, e.getInt(16 + 40 + 52), "mtime nanoseconds");
        assertEquals(FuseAdapter.S_IFREG | 06755, e.getInt(16 + 40 + 60), "mode");

        kernel.send(r, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "missing");
        assertEquals(Errno.ENOENT, kernel.lastError());

        KernelRequests negative = requests(new FuseAdapter.Timeouts(1, 1, 2.5));
        kernel.send(negative, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "missing");
        assertEquals(0, kernel.lastError());
        assertEquals(0, kernel.last().getLong(16), "node 0");
        assertEquals(2, kernel.last().getLong(32));
        assertEquals(500_000_000, kernel.last().getInt(48), "2.5 s");
    }

    /** Without default_permissions the kernel asks us for access(2): the answer is the file system's. */
    @Test
    void accessAnswersWhatTheFileSystemSays() {
        KernelRequests r = requests(FuseAdapter.Timeouts.DEFAULT);
        KernelRequests.Scratch s = r.scratch();
        kernel.send(r, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "f");
        long node = kernel.last().getLong(16);
        // fuse_access_in: mask, padding
        kernel.send(r, s, FuseProtocol.ACCESS, node, 4 | 1, 0);
        assertEquals(0, kernel.lastError());
        assertEquals(List.of("access /f 5"), calls);
        kernel.send(r, s, FuseProtocol.ACCESS, node, 2, 0);
        assertEquals(Errno.EACCES, kernel.lastError(), "not ENOSYS: that would make every later access(2) succeed");
    }

    @Test
    void aWriteByAProcessWithoutCapFsetidClearsSetIdsFirst() {
        KernelRequests r = requests(FuseAdapter.Timeouts.DEFAULT);
        KernelRequests.Scratch s = r.scratch();
        kernel.send(r, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "f");
        long node = kernel.last().getLong(16);
        // fuse_write_in: fh, offset, size, write_flags, lock_owner, flags, padding; then the data
        kernel.send(r, s, FuseProtocol.WRITE, node, 7L, 0L, 5, 0, 0L, 0, 0, new byte[5]);
        assertEquals(List.of("write 5"), calls, "a privileged writer keeps the bits");
        assertEquals(5, kernel.last().getInt(16));

        calls.clear();
        kernel.send(r, s, FuseProtocol.WRITE, node, 7L, 0L, 5, FuseProtocol.WRITE_KILL_SUIDGID, 0L, 0, 0, new byte[5]);
        assertEquals(List.of("chmod 755", "write 5"), calls);
        ByteBuffer inval = kernel.written.get(kernel.written.size() - 2);
        assertEquals(FuseProtocol.NOTIFY_INVAL_INODE, inval.getInt(4), "the kernel's cached mode dropped");
        assertEquals(List.of(node, -1L), List.of(inval.getLong(16), inval.getLong(24)));

        calls.clear();
        mode = 02745; // set-group-ID without group execute is mandatory locking, not privilege: kept
        kernel.send(r, s, FuseProtocol.WRITE, node, 7L, 0L, 5, FuseProtocol.WRITE_KILL_SUIDGID, 0L, 0, 0, new byte[5]);
        assertEquals(List.of("write 5"), calls);
    }

    @Test
    void readdirplusGivesEachNameItsEntryAndCountsOnlyThose() {
        FuseAdapter adapter = new FuseAdapter(fs(), FuseAdapter.Timeouts.DEFAULT);
        KernelRequests r = new KernelRequests(adapter, kernel, 1024 * 1024);
        KernelRequests.Scratch s = r.scratch();
        kernel.send(r, s, FuseProtocol.OPENDIR, NodeTable.ROOT, 0, 0);
        long dh = kernel.last().getLong(16);
        int before = adapter.nodeCount();
        // fuse_read_in: fh, offset, size, read_flags, lock_owner, flags, padding
        kernel.send(r, s, FuseProtocol.READDIRPLUS, NodeTable.ROOT, dh, 0L, 4096, 0, 0L, 0, 0);
        ByteBuffer b = kernel.last();
        assertEquals(0, kernel.lastError());
        List<String> names = new ArrayList<>();
        List<Long> nodes = new ArrayList<>();
        int at = 16;
        while (at < b.getInt(0)) {
            nodes.add(b.getLong(at));
            int d = at + FuseProtocol.ENTRY_OUT_SIZE;
            int len = b.getInt(d + 16);
            byte[] name = new byte[len];
            b.get(d + FuseProtocol.DIRENT_NAME, name);
            names.add(new String(name));
            assertEquals(names.size(), b.getLong(d + 8), "the offset of the next entry");
            at = d + FuseProtocol.direntSize(name);
        }
        assertEquals(List.of(".", "..", "f", "missing"), names);
        assertEquals(0L, nodes.get(0), "dots are not linked");
        assertEquals(0L, nodes.get(1));
        assertTrue(nodes.get(2) > NodeTable.ROOT, "f has its node");
        assertEquals(0L, nodes.get(3), "a name gone meanwhile goes alone");
        assertEquals(before + 1, adapter.nodeCount(), "one lookup counted: f's");

        kernel.nextWriteResult = -FuseDevice.ENOENT; // interrupted: the kernel linked nothing
        kernel.send(r, s, FuseProtocol.READDIRPLUS, NodeTable.ROOT, dh, 0L, 4096, 0, 0L, 0, 0);
        assertEquals(before + 1, adapter.nodeCount(), "the lookup of the refused reply taken back");
    }

    @Test
    void theLargestXattrValueFitsEvenWithSmallWrites() {
        KernelRequests r = new KernelRequests(new FuseAdapter(fs(), FuseAdapter.Timeouts.DEFAULT), kernel, 4096);
        KernelRequests.Scratch s = r.scratch();
        kernel.send(r, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "f");
        long node = kernel.last().getLong(16);
        // fuse_getxattr_in: size, padding; then the name
        kernel.send(r, s, FuseProtocol.GETXATTR, node, 65536, 0, "user.big");
        assertEquals(0, kernel.lastError());
        assertEquals(16 + 65536, kernel.last().getInt(0));
    }

    /** A read-only handle's close needs no FLUSH round trip (FOPEN_NOFLUSH); a writer's does, for close(2) to report write-back errors. */
    @Test
    void onlyHandlesThatCanWriteAreFlushedAtTheirClose() {
        KernelRequests r = requests(FuseAdapter.Timeouts.DEFAULT);
        KernelRequests.Scratch s = r.scratch();
        kernel.send(r, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "f");
        long node = kernel.last().getLong(16);
        int[] accessModes = {0 /* O_RDONLY */, 1 /* O_WRONLY */, 2 /* O_RDWR */};
        int[] expected = {FuseProtocol.FOPEN_NOFLUSH, 0, 0};
        for (int i = 0; i < accessModes.length; i++) {
            // fuse_open_in: flags, open_flags; fuse_open_out: fh, open_flags, padding
            kernel.send(r, s, FuseProtocol.OPEN, node, accessModes[i] | 0100000 /* O_LARGEFILE */, 0);
            assertEquals(0, kernel.lastError());
            assertEquals(7L, kernel.last().getLong(16));
            assertEquals(expected[i], kernel.last().getInt(24), "open with access mode " + accessModes[i]);
        }
        // fuse_create_in: flags, mode, umask, open_flags; then the name. fuse_entry_out, then fuse_open_out
        int openOut = 16 + FuseProtocol.ENTRY_OUT_SIZE;
        kernel.send(r, s, FuseProtocol.CREATE, NodeTable.ROOT, 0100 | 1 /* O_CREAT|O_WRONLY */, 0100644, 022, 0, "new");
        assertEquals(0, kernel.lastError());
        assertEquals(9L, kernel.last().getLong(openOut));
        assertEquals(0, kernel.last().getInt(openOut + 8), "a new file written through this handle");
        kernel.send(r, s, FuseProtocol.CREATE, NodeTable.ROOT, 0100 /* O_CREAT|O_RDONLY */, 0100644, 022, 0, "new2");
        assertEquals(FuseProtocol.FOPEN_NOFLUSH, kernel.last().getInt(openOut + 8), "created empty and read-only");
    }
}
