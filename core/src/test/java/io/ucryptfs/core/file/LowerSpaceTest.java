package io.ucryptfs.core.file;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import org.junit.jupiter.api.Test;

class LowerSpaceTest {
    private static final int WRITE = 128 << 10;

    private static Path disk(long bytes) throws Exception {
        return Files.createDirectories(Jimfs.newFileSystem(Configuration.unix().toBuilder().setMaxSize(bytes).build())
                .getPath("/lower"));
    }

    /** Writes granted room are made as they would be behind: each one fits, and the reserve is never touched. */
    @Test
    void writesGoBehindUntilTheReserveIsReachedAndNeverIntoIt() throws Exception {
        Path lower = disk(64L << 20);
        LowerSpace space = LowerSpace.of(lower);
        long granted = 0;
        try (FileChannel ch = FileChannel.open(lower.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            while (space.roomFor(WRITE)) {
                ch.write(ByteBuffer.allocate(WRITE), granted);
                granted += WRITE;
                assertTrue(Files.getFileStore(lower).getUsableSpace() >= LowerSpace.RESERVE, "a granted write went into the reserve");
            }
        }
        long free = Files.getFileStore(lower).getUsableSpace();
        assertTrue(free < LowerSpace.RESERVE + 2 * WRITE, "stopped with " + free + " bytes free: too early");
        assertTrue(granted > 40L << 20, "only " + granted + " bytes went behind on a 64 MiB disk");
        assertFalse(space.roomFor(WRITE), "asked again at every write near the reserve");
    }

    @Test
    void aDiskSmallerThanTheReserveTakesNoWriteBehind() throws Exception {
        assertFalse(LowerSpace.of(disk(8L << 20)).roomFor(WRITE));
    }

    @Test
    void spaceFreedAgainIsGrantedAgain() throws Exception {
        Path lower = disk(32L << 20);
        Files.write(lower.resolve("big"), new byte[20 << 20]);
        LowerSpace space = LowerSpace.of(lower);
        assertFalse(space.roomFor(WRITE));
        Files.delete(lower.resolve("big"));
        assertTrue(space.roomFor(WRITE));
    }

    @Test
    void aLowerFilesystemThatCannotSayTakesEveryWriteBehind() throws Exception {
        assertTrue(LowerSpace.UNKNOWN.roomFor(Integer.MAX_VALUE));
        assertSame(LowerSpace.UNKNOWN, LowerSpace.of(new Zeros()), "statfs all zeros is no answer");
        assertSame(LowerSpace.UNKNOWN, LowerSpace.of(Path.of("/no/such/lower/directory")));
    }

    /** What some FUSE and network filesystems answer to statfs. */
    private static final class Zeros extends FileStore {
        @Override
        public String name() {
            return "zeros";
        }

        @Override
        public String type() {
            return "fuse";
        }

        @Override
        public boolean isReadOnly() {
            return false;
        }

        @Override
        public long getTotalSpace() {
            return 0;
        }

        @Override
        public long getUsableSpace() {
            return 0;
        }

        @Override
        public long getUnallocatedSpace() {
            return 0;
        }

        @Override
        public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
            return false;
        }

        @Override
        public boolean supportsFileAttributeView(String name) {
            return false;
        }

        @Override
        public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
            return null;
        }

        @Override
        public Object getAttribute(String attribute) {
            return null; // not asked by LowerSpace
        }
    }
}
