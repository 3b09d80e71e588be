package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.testing.FsManifest;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Files through a real FUSE mount of a fresh bare eCryptfs directory: content, open handles, links, metadata. */
class FuseFileIoTest extends FuseTestBase {
    static final String PASS = "fuse-it file io";

    @Test
    void sizesReadBackBySha256ThroughTheMountAfterRemountAndOffline() throws Exception {
        List<String> keys = Mounts.bare(tmp, PASS, true);
        mounts.mount(lower, mnt, keys);
        long[] sizes = {0, 1, 4095, 4096, 4097, (1 << 20) + 7, 100L << 20};
        Map<String, String> expected = new LinkedHashMap<>();
        for (long size : sizes) {
            String name = "size_" + size;
            expected.put(name, Data.writeRandom(mnt.resolve(name), size, size));
        }
        for (long size : sizes) {
            String name = "size_" + size;
            assertEquals(size, Files.size(mnt.resolve(name)), name + " size through the mount");
            assertEquals(expected.get(name), Data.sha256(mnt.resolve(name)), name + " read back through the mount");
        }
        mounts.umount(mnt);

        // lower: one encrypted file each, names encrypted, sizes as the kernel lays them out
        try (var s = Files.list(lower)) {
            List<Path> files = s.toList();
            assertEquals(sizes.length, files.size(), "lower files: " + files);
            for (Path f : files) {
                assertTrue(f.getFileName().toString().startsWith("ECRYPTFS_FNEK_ENCRYPTED."), f.toString());
            }
        }

        mounts.mount(lower, mnt, keys);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), Data.sha256(mnt.resolve(e.getKey())), e.getKey() + " after remount");
        }
        mounts.umount(mnt);

        // the lower directory decrypted offline (core in this JVM) to the same bytes
        try (CryptFileSystem fs = Data.openLower(lower, PASS, true, true)) {
            for (long size : sizes) {
                String name = "size_" + size;
                assertEquals(expected.get(name), FsManifest.sha256(fs, "/" + name, size), name + " decrypted offline");
            }
        }
    }

    /**
     * Rename and overwrite of open files; an unlinked file's handle keeps working (read, write, ftruncate,
     * fsync, fstat), and its directory can be removed meanwhile.
     */
    @Test
    void openFilesSurviveRenameOverwriteAndUnlink() throws Exception {
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, false));
        Cmd.Result r = Cmd.python("""
                import os, sys
                d = sys.argv[1]
                def p(n): return os.path.join(d, n)
                def check(what, got, want):
                    if got != want: sys.exit('%s: got %r, want %r' % (what, got, want))

                # rename of an open file: the handle follows it
                fd = os.open(p('a'), os.O_CREAT | os.O_RDWR, 0o644)
                os.write(fd, b'A' * 5000)
                os.rename(p('a'), p('b'))
                os.pwrite(fd, b'xyz', 4998)
                check('pread after rename', os.pread(fd, 10, 4995), b'AAAxyz')
                check('a gone', os.path.exists(p('a')), False)
                check('b content', open(p('b'), 'rb').read(), b'A' * 4998 + b'xyz')
                os.close(fd)

                # rename over an open file: its handle still reads the replaced content
                with open(p('new'), 'wb') as f: f.write(b'new content')
                fd = os.open(p('b'), os.O_RDWR)
                os.rename(p('new'), p('b'))
                check('old handle after overwrite', os.pread(fd, 6000, 0), b'A' * 4998 + b'xyz')
                os.pwrite(fd, b'!', 0)
                check('b is the new file', open(p('b'), 'rb').read(), b'new content')
                os.close(fd)

                # truncating rewrite of a file open elsewhere: the other handle sees it
                fd = os.open(p('b'), os.O_RDONLY)
                with open(p('b'), 'wb') as f: f.write(b'second')
                check('reader after O_TRUNC rewrite', os.pread(fd, 100, 0), b'second')
                os.close(fd)

                # unlink of an open file in a subdirectory: read, write, ftruncate, fsync through the handle
                os.mkdir(p('sub'))
                fd = os.open(p('sub/u'), os.O_CREAT | os.O_RDWR, 0o600)
                os.write(fd, b'0123456789' * 1000)
                os.unlink(p('sub/u'))
                check('unlinked name gone', os.path.exists(p('sub/u')), False)
                os.pwrite(fd, b'tail', 10000)
                os.fsync(fd)
                check('read after unlink', os.pread(fd, 20, 9996), b'6789tail')
                check('fstat size after unlink', os.fstat(fd).st_size, 10004)
                os.ftruncate(fd, 5)
                os.fsync(fd)
                os.fdatasync(fd)
                check('size after ftruncate', os.fstat(fd).st_size, 5)
                check('read after ftruncate', os.pread(fd, 100, 0), b'01234')
                os.ftruncate(fd, 9000)
                check('grown by ftruncate', os.pread(fd, 9000, 0), b'01234' + bytes(8995))
                st = os.fstat(fd)
                check('fstat mode and links after unlink', (oct(st.st_mode), st.st_nlink), (oct(0o100600), 0))
                # a write far past the end (every extent up to it is written) and a directory that can
                # be removed while the file is open (no hidden file left in it)
                os.pwrite(fd, b'far', 16 << 20)
                check('read far', os.pread(fd, 3, 16 << 20), b'far')
                os.rmdir(p('sub'))
                os.close(fd)
                os.mkdir(p('sub'))
                check('top listing', sorted(os.listdir(d)), ['b', 'sub'])
                check('sub listing after close', os.listdir(p('sub')), [])
                print('ok')
                """, mnt.toString());
        r.assertOk();
        mounts.umount(mnt);
        try (var s = Files.list(lower)) {
            assertEquals(List.of("b", "sub"), s.map(x -> x.getFileName().toString()).sorted().toList(), "lower after closing everything");
        }
    }

    @Test
    void hardLinksAndSymlinks() throws Exception {
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        Path a = mnt.resolve("a");
        Files.writeString(a, "linked content");
        Files.createDirectories(mnt.resolve("d"));
        Path b = mnt.resolve("d/b");
        Files.createLink(b, a);
        assertEquals(2, Files.getAttribute(a, "unix:nlink"));
        assertEquals(Files.getAttribute(a, "unix:ino"), Files.getAttribute(b, "unix:ino"), "one inode");
        Files.writeString(b, "changed via b");
        assertEquals("changed via b", Files.readString(a));
        Files.delete(a);
        assertEquals(1, Files.getAttribute(b, "unix:nlink"));
        assertEquals("changed via b", Files.readString(b));

        Files.createSymbolicLink(mnt.resolve("rel"), Path.of("d/b"));
        Files.createSymbolicLink(mnt.resolve("d/up"), Path.of("../rel"));
        Files.createSymbolicLink(mnt.resolve("dangling"), Path.of("/nonexistent/target/x"));
        Files.createSymbolicLink(mnt.resolve("dirlink"), Path.of("d"));
        assertEquals(Path.of("d/b"), Files.readSymbolicLink(mnt.resolve("rel")));
        assertEquals("changed via b", Files.readString(mnt.resolve("d/up")), "through two links");
        assertEquals(Path.of("/nonexistent/target/x"), Files.readSymbolicLink(mnt.resolve("dangling")));
        assertFalse(Files.exists(mnt.resolve("dangling")));
        assertTrue(Files.isSymbolicLink(mnt.resolve("dirlink")));
        assertTrue(Files.isRegularFile(mnt.resolve("dirlink/b")));
        // a long (2003-byte) target
        String longTarget = "x/".repeat(1000) + "end";
        Files.createSymbolicLink(mnt.resolve("longlink"), Path.of(longTarget));
        assertEquals(longTarget, Files.readSymbolicLink(mnt.resolve("longlink")).toString());
        Files.move(mnt.resolve("rel"), mnt.resolve("d/rel2"));
        assertEquals(Path.of("d/b"), Files.readSymbolicLink(mnt.resolve("d/rel2")), "renamed link keeps its target");
        List<String> before = FsManifest.ofPlainDir(mnt);
        mounts.umount(mnt);
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        assertEquals(before, FsManifest.ofPlainDir(mnt), "after remount");
    }

    @Test
    void chmodAndUtimensPersistAcrossRemount() throws Exception {
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, false));
        Path f = mnt.resolve("f");
        Files.writeString(f, "data");
        Path d = Files.createDirectories(mnt.resolve("dir"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
        Instant m = Instant.parse("2001-02-03T04:05:06.123456789Z");
        Instant at = Instant.parse("1999-12-31T23:59:59.5Z");
        Files.getFileAttributeView(f, java.nio.file.attribute.BasicFileAttributeView.class)
                .setTimes(FileTime.from(m), FileTime.from(at), null);
        // utimensat with UTIME_OMIT for atime and an explicit mtime, through touch
        Cmd.run("touch", "-m", "-h", "-d", "2010-06-07 08:09:10.5 UTC", d.toString()).assertOk();
        // UTIME_NOW
        Path g = mnt.resolve("g");
        Files.writeString(g, "x");
        Files.setLastModifiedTime(g, FileTime.from(Instant.parse("2000-01-01T00:00:00Z")));
        Instant before = Instant.now().minusSeconds(2);
        Cmd.run("touch", g.toString()).assertOk();
        for (int round = 0; round < 2; round++) {
            String when = round == 0 ? "mounted" : "after remount";
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), when);
            assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)), when);
            assertEquals(m, Files.getLastModifiedTime(f).toInstant(), "mtime " + when);
            if (round == 0) {
                // only right after utimens: with a relatime lower, the first read of the lower header after a
                // remount updates the lower atime (the kernel's eCryptfs reads it at lookup the same way)
                assertEquals(at, ((FileTime) Files.getAttribute(f, "lastAccessTime")).toInstant(), "atime " + when);
            }
            assertEquals(Instant.parse("2010-06-07T08:09:10.5Z"), Files.getLastModifiedTime(d, LinkOption.NOFOLLOW_LINKS).toInstant(), when);
            assertTrue(Files.getLastModifiedTime(g).toInstant().isAfter(before), "UTIME_NOW " + when + ": " + Files.getLastModifiedTime(g));
            if (round == 0) {
                mounts.umount(mnt);
                mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, false));
            }
        }
        Cmd.Result stat = Cmd.run("stat", "-c", "%A %s", f.toString()).assertOk();
        assertEquals("-rwxr-x--- 4", stat.out().trim());
    }

    @Test
    void mmapWritesAndReads() throws Exception {
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        Cmd.python("""
                import mmap, os, sys
                d = sys.argv[1]
                size = 3 * 4096 + 100
                # write through a shared mapping of a file sized by ftruncate
                fd = os.open(os.path.join(d, 'm'), os.O_CREAT | os.O_RDWR, 0o644)
                os.ftruncate(fd, size)
                mm = mmap.mmap(fd, size)
                mm[:] = bytes((i * 7 + i // 4096) % 256 for i in range(size))
                mm.flush()
                mm[4090:4110] = b'#' * 20
                mm.close()
                os.close(fd)
                # map a file written with write() and read it through the mapping
                data = bytes((i * 13) % 251 for i in range(10000))
                with open(os.path.join(d, 'w'), 'wb') as f: f.write(data)
                with open(os.path.join(d, 'w'), 'rb') as f:
                    mm = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
                    if mm[:] != data: sys.exit('mmap read differs from what write() wrote')
                    mm.close()
                print('ok')
                """, mnt.toString()).assertOk();
        byte[] want = new byte[3 * 4096 + 100];
        for (int i = 0; i < want.length; i++) {
            want[i] = (byte) ((i * 7 + i / 4096) % 256);
        }
        java.util.Arrays.fill(want, 4090, 4110, (byte) '#');
        assertEquals(Data.sha256(want), Data.sha256(mnt.resolve("m")), "mapped writes read with read()");
        mounts.umount(mnt);
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        assertEquals(Data.sha256(want), Data.sha256(mnt.resolve("m")), "mapped writes after remount");
        assertEquals(10000, Files.size(mnt.resolve("w")));
    }

    /**
     * A plaintext path of about 4,000 bytes (39 directories of 100-byte names, as pjdfstest's PATH_MAX
     * tests make): its lower path, FNEK names, is over 5,000 bytes, past the kernel's PATH_MAX, and is
     * reached through directory handles. Python works relative to the mount point, as those tests do.
     */
    @Test
    void aFileAtAPathOf4000BytesIsMadeWrittenRenamedReadAndRemoved() throws Exception {
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        try {
            Cmd.Result r = Cmd.python("""
                    import hashlib, os, sys
                    os.chdir(sys.argv[1])
                    def check(what, got, want):
                        if got != want: sys.exit('%s: got %r, want %r' % (what, got, want))
                    names = [chr(ord('a') + i % 26) + '123456789' * 11 for i in range(39)]
                    d = '/'.join(names)
                    for i in range(1, len(names) + 1):
                        os.mkdir('/'.join(names[:i]))
                    f, g = d + '/f' + 'x' * 50, d + '/g' + 'y' * 50
                    check('path length', 3980 < len(g.encode()) < 4095, True)
                    data = os.urandom(1 << 20) + b'end'
                    fd = os.open(f, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o640)
                    os.write(fd, data)
                    os.fsync(fd)
                    os.close(fd)
                    st = os.stat(f)
                    check('size', st.st_size, len(data))
                    check('mode', st.st_mode & 0o7777, 0o640)
                    os.rename(f, g)
                    check('old name gone', os.path.exists(f), False)
                    with open(g, 'rb') as h: back = h.read()
                    check('content', hashlib.sha256(back).hexdigest(), hashlib.sha256(data).hexdigest())
                    os.chmod(g, 0o600)
                    check('chmod', os.stat(g).st_mode & 0o7777, 0o600)
                    os.truncate(g, 10)
                    check('truncate', os.stat(g).st_size, 10)
                    check('listing', os.listdir(d), ['g' + 'y' * 50])
                    os.unlink(g)
                    for i in range(len(names), 0, -1):
                        os.rmdir('/'.join(names[:i]))
                    check('empty', os.listdir('.'), [])
                    print('ok')
                    """, mnt.toString());
            r.assertOk();
            mounts.umount(mnt);
            try (var s = Files.list(lower)) {
                assertEquals(List.of(), s.toList(), "lower after removing everything");
            }
        } finally {
            Cmd.sh("rm -rf -- \"$1\"/*", lower.toString()); // a deep tree left by a failure: JUnit's cleanup could not remove it
        }
    }
}
