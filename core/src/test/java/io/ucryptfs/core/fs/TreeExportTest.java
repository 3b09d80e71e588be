package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.KEY_A;
import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeExportTest {

    @TempDir
    Path out;

    @Test
    void copiesContentsLinksModesAndTimes() throws Exception {
        byte[] big = new byte[3 * TreeExport.CHUNK + 123];
        new Random(1).nextBytes(big);
        Instant t = Instant.parse("2010-01-02T03:04:05Z");
        Instant rootTime = Instant.parse("2012-03-04T05:06:07Z");
        try (EcryptfsFileSystem fs = EcryptfsFileSystem.open(FsTestSupport.newLower(), FsTestSupport.plainNames(KEY_A).build())) {
            writeFile(fs, "/big", big);
            fs.link("/big", "/big2");
            fs.mkdir("/ro", 0755);
            writeFile(fs, "/ro/f", bytes("inside"));
            fs.chmod("/ro/f", 0640); // (jimfs keeps no set-id bits)
            fs.utimens("/ro/f", t, t);
            fs.chmod("/ro", 0500);
            fs.utimens("/ro", t, t);
            fs.symlink("big", "/ln");
            fs.chmod("/", 0750);
            fs.utimens("/", rootTime, rootTime);
            assertEquals(new TreeExport.Totals(3, 2L * big.length + 6), TreeExport.totals(fs));

            AtomicLong progress = new AtomicLong();
            TreeExport.Result r = TreeExport.export(fs, out, new TreeExport.Progress() {
                @Override
                public void bytes(long n) {
                    progress.addAndGet(n);
                }
            });

            assertEquals(List.of(), r.failures());
            assertEquals(new TreeExport.Result(3, 1, 1, big.length + 6, List.of()), r);
            assertEquals(big.length + 6, progress.get());
        }
        try {
            assertArrayEquals(big, Files.readAllBytes(out.resolve("big")));
            assertTrue(Files.isSameFile(out.resolve("big"), out.resolve("big2")), "a hard link stays one");
            assertEquals("inside", Files.readString(out.resolve("ro/f")));
            assertEquals(0640, (int) Files.getAttribute(out.resolve("ro/f"), "unix:mode") & 07777);
            assertEquals(0500, (int) Files.getAttribute(out.resolve("ro"), "unix:mode") & 07777);
            assertEquals(t, Files.getLastModifiedTime(out.resolve("ro/f")).toInstant());
            assertEquals(t, Files.getLastModifiedTime(out.resolve("ro")).toInstant(), "set after its contents");
            assertEquals(Path.of("big"), Files.readSymbolicLink(out.resolve("ln")));
            assertTrue(Files.isSymbolicLink(out.resolve("ln")));
            assertTrue(Files.exists(out.resolve("ln"), LinkOption.NOFOLLOW_LINKS));
            assertEquals(0750, (int) Files.getAttribute(out, "unix:mode") & 07777, "the root's mode, set last");
            assertEquals(rootTime, Files.getLastModifiedTime(out).toInstant(), "the root's mtime, set last");
        } finally {
            Files.setAttribute(out.resolve("ro"), "unix:mode", 0700);
        }
    }
}
