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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A lower filesystem that fills up under large writes (jimfs with a size limit): the write that does
 * not fit fails, every write answered before it is on the disk (also the ones answered before they
 * were made, while the disk had room: {@code LowerSpace}), files already written keep every byte, what
 * the full file reads back is what was written and nothing else, and writes go on once space is freed.
 * Two sizes: one below the write-behind reserve (every write made at once) and one where the first
 * writes go behind.
 */
class FullLowerFilesystemTest {
    /** More than WriteBehind's smallest write: these go behind the answer, as a cp's do. */
    private static final int WRITE = 100_000;

    @ParameterizedTest
    @ValueSource(ints = {4 << 20, 48 << 20})
    void theWriteThatDoesNotFitFailsAndNoAnsweredWriteIsLost(int limit) throws Exception {
        Path lower = Files.createDirectories(Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix", "user").setMaxSize(limit).build()).getPath("/lower"));
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
                for (; at < 4L * limit; at += WRITE) {
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
            assertNotNull(failure, "four times the lower filesystem's size written without an error");
            assertTrue(at < 4L * limit);
            assertTrue(at > limit / 2, "failed at " + at + " on a lower filesystem of " + limit);

            assertArrayEquals(keep, readFile(fs, "/keep"), "a file written before the disk filled");
            // the full file: whatever it holds is what was written there, at its place
            byte[] big = readFile(fs, "/big");
            assertTrue(big.length <= at + WRITE, big.length + " bytes read back, " + (at + WRITE) + " at most written");
            assertTrue(big.length >= at, "writes answered and then lost: " + at + " bytes answered, " + big.length + " kept");
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
