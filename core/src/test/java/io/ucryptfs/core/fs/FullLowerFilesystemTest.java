package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.encryptedNames;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A lower filesystem that fills up under a large write (jimfs with a size limit): the writer is told
 * (by a write, or by the flush or close that follows writes answered before they were made), files
 * already written keep every byte, what the full file reads back is what was written and nothing
 * else, and writes go on once space is freed.
 */
class FullLowerFilesystemTest {
    private static final int LIMIT = 4 << 20;
    /** More than WriteBehind's smallest write: these go behind the answer, as a cp's do. */
    private static final int WRITE = 100_000;

    @Test
    void aWriteThatDoesNotFitFailsWhereTheWriterSeesItAndLosesNothingElse() throws Exception {
        Path lower = Files.createDirectories(Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix", "user").setMaxSize(LIMIT).build()).getPath("/lower"));
        byte[] keep = new byte[300_000];
        new Random(1).nextBytes(keep);
        byte[] chunk = new byte[WRITE];
        new Random(2).nextBytes(chunk);
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, encryptedNames().build())) {
            writeFile(fs, "/keep", keep);

            long h = fs.create("/big", 0644);
            FsException failure = null;
            long at = 0;
            try {
                for (; at < 4L * LIMIT; at += WRITE) {
                    fs.write(h, ByteBuffer.wrap(chunk), at);
                }
                fs.flush(h);
            } catch (FsException e) {
                failure = e;
            } finally {
                try {
                    fs.release(h);
                } catch (FsException e) {
                    failure = failure != null ? failure : e;
                }
            }
            assertNotNull(failure, "16 MiB written onto a 4 MiB lower filesystem without an error");
            assertTrue(at < 4L * LIMIT);

            assertArrayEquals(keep, readFile(fs, "/keep"), "a file written before the disk filled");
            // the full file: whatever it holds is what was written there, at its place
            byte[] big = readFile(fs, "/big");
            assertTrue(big.length <= at + WRITE, big.length + " bytes read back, " + (at + WRITE) + " at most written");
            for (int off = 0; off < big.length; off += WRITE) {
                int n = Math.min(WRITE, big.length - off);
                assertArrayEquals(Arrays.copyOf(chunk, n), Arrays.copyOfRange(big, off, off + n), "bytes at " + off);
            }

            fs.unlink("/big");
            byte[] after = Arrays.copyOf(chunk, 1 << 20);
            writeFile(fs, "/after", after);
            assertArrayEquals(after, readFile(fs, "/after"), "written once space was freed");
            assertArrayEquals(keep, readFile(fs, "/keep"));
        }
    }
}
