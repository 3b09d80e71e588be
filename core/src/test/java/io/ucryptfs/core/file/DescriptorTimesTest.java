package io.ucryptfs.core.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DescriptorTimesTest {
    @TempDir
    Path dir;

    /** The tests run with the same --add-opens as the daemon: the descriptor route must be the one taken. */
    @Test
    void setsBothTimesToTheNanosecondThroughTheDescriptor() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            assertTrue(DescriptorTimes.available(ch), "JDK internals open to us (surefire argLine)");
            FileTime a = FileTime.from(Instant.ofEpochSecond(1_600_000_000L, 123_456_789));
            FileTime m = FileTime.from(Instant.ofEpochSecond(1_700_000_000L, 987_654_321));
            assertTrue(DescriptorTimes.set(ch, a, m, "f"));
            Files.move(f, dir.resolve("g")); // the descriptor still reaches it
            assertTrue(DescriptorTimes.set(ch, a, m, "f"));
        }
        BasicFileAttributes attrs = Files.readAttributes(dir.resolve("g"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals(Instant.ofEpochSecond(1_700_000_000L, 987_654_321), attrs.lastModifiedTime().toInstant());
        assertEquals(Instant.ofEpochSecond(1_600_000_000L, 123_456_789), attrs.lastAccessTime().toInstant());
    }

    @Test
    void aTimeBefore1970IsLeftToThePathRoute() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        FileTime before = Files.getLastModifiedTime(f);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            assertFalse(DescriptorTimes.set(ch, FileTime.fromMillis(-1500), FileTime.fromMillis(5), "f"));
        }
        assertEquals(before, Files.getLastModifiedTime(f), "nothing set");
    }

    @Test
    void anErrorIsTheJdksOwnException() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE);
        ch.close();
        // a closed channel's descriptor is -1: EBADF, as an IOException naming the file
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> DescriptorTimes.set(ch, FileTime.fromMillis(5), FileTime.fromMillis(5), "f"));
        assertTrue(String.valueOf(e.getMessage()).startsWith("f"), e.toString());
    }
}
