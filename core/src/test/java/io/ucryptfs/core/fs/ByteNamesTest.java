package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.KEY_A;
import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.encryptedNames;
import static io.ucryptfs.core.fs.FsTestSupport.newLower;
import static io.ucryptfs.core.fs.FsTestSupport.plainNames;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ucryptfs.core.names.NameBytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File names that are not UTF-8 through the whole file system: they are bytes, as in the kernel
 * ({@link NameBytes}), so they round-trip, and names that differ only in such bytes are distinct files.
 */
class ByteNamesTest {
    private static final String FF_X = NameBytes.decode(new byte[] {(byte) 0xFF, 'X'});
    private static final String FE_X = NameBytes.decode(new byte[] {(byte) 0xFE, 'X'});
    private static final String LATIN1_DIR = NameBytes.decode(new byte[] {'d', (byte) 0xE9}); // "dé" in ISO-8859-1

    /** Every byte that may appear in a name, 0x01..0xFF without '/', as a name of that one byte. */
    private static List<String> everyByte() {
        return java.util.stream.IntStream.rangeClosed(1, 255).filter(b -> b != '/' && b != '.')
                .mapToObj(b -> NameBytes.decode(new byte[] {(byte) b})).toList();
    }

    private static void exercise(CryptFileSystem fs) throws Exception {
        writeFile(fs, "/" + FF_X, bytes("ff"));
        writeFile(fs, "/" + FE_X, bytes("fe"));
        fs.mkdir("/" + LATIN1_DIR, 0755);
        writeFile(fs, "/" + LATIN1_DIR + "/été", bytes("text"));
        fs.symlink("../" + FF_X, "/" + LATIN1_DIR + "/" + FE_X);
        assertEquals(Set.of(FF_X, FE_X, LATIN1_DIR), Set.copyOf(fs.readdir("/")));
        assertArrayEquals(bytes("ff"), readFile(fs, "/" + FF_X));
        assertArrayEquals(bytes("fe"), readFile(fs, "/" + FE_X));
        assertEquals(Set.of("été", FE_X), Set.copyOf(fs.readdir("/" + LATIN1_DIR)));
        assertEquals("../" + FF_X, fs.readlink("/" + LATIN1_DIR + "/" + FE_X));
        assertEquals(5, fs.getattr("/" + LATIN1_DIR + "/" + FE_X).size(), "a symlink's size counts bytes: ../ 0xFF X");
        fs.rename("/" + FE_X, "/" + LATIN1_DIR + "/" + FF_X);
        assertArrayEquals(bytes("fe"), readFile(fs, "/" + LATIN1_DIR + "/" + FF_X));
        fs.unlink("/" + FF_X);
        assertEquals(List.of(LATIN1_DIR), fs.readdir("/"));
        for (String b : everyByte()) {
            fs.mkdir("/" + b, 0700);
        }
        Set<String> expected = new TreeSet<>(everyByte());
        expected.add(LATIN1_DIR);
        assertEquals(expected, new TreeSet<>(fs.readdir("/")), "255 one-byte names, 253 of them distinct files");
    }

    @Test
    void withEncryptedNames() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            exercise(fs);
            // the limit counts bytes: 143 bytes above 0x7F fit, 144 do not
            String max = NameBytes.decode(new byte[143]).replace('\0', '\uDCFF');
            writeFile(fs, "/" + max, bytes("max"));
            assertArrayEquals(bytes("max"), readFile(fs, "/" + max));
            String tooLong = max + "\uDCFF";
            assertEquals(Errno.ENAMETOOLONG, assertThrows(FsException.class, () -> fs.create("/" + tooLong, 0644)).errno());
        }
    }

    @Test
    void plainNamesOnJimfs() throws Exception {
        try (CryptFileSystem fs = EcryptfsFileSystem.open(newLower(), plainNames(KEY_A).build())) {
            exercise(fs);
        }
    }

    /** The raw bytes of the names in a directory of the default file system, from their file: URIs. */
    private static Set<String> rawNames(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> {
                String raw = p.toUri().getRawPath();
                if (raw.endsWith("/")) {
                    raw = raw.substring(0, raw.length() - 1);
                }
                return raw.substring(raw.lastIndexOf('/') + 1);
            }).collect(Collectors.toSet());
        }
    }

    @Test
    void plainNamesOnDiskAreTheExactBytes(@TempDir Path tmp) throws Exception {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).build())) {
            exercise(fs);
        }
        assertEquals(true, rawNames(lower).contains("d%E9"), rawNames(lower).toString());
        assertEquals(Set.of("%C3%A9t%C3%A9", "%FFX", "%FEX"), rawNames(lower.resolve(Path.of(java.net.URI.create("file:///d%E9")).getFileName())));
        // a second mount sees the same names
        try (CryptFileSystem fs = EcryptfsFileSystem.open(lower, plainNames(KEY_A).build())) {
            assertEquals(Set.of("été", FF_X, FE_X), Set.copyOf(fs.readdir("/" + LATIN1_DIR)));
            assertEquals("../" + FF_X, fs.readlink("/" + LATIN1_DIR + "/" + FE_X));
            assertArrayEquals(bytes("fe"), readFile(fs, "/" + LATIN1_DIR + "/" + FF_X));
        }
    }

    @Test
    void decryptWritesTheExactBytes(@TempDir Path tmp) throws Exception {
        Path out = Files.createDirectory(tmp.resolve("out"));
        try (EcryptfsFileSystem fs = EcryptfsFileSystem.open(newLower(), encryptedNames().build())) {
            writeFile(fs, "/" + FF_X, bytes("ff"));
            writeFile(fs, "/" + FE_X, bytes("fe"));
            fs.symlink(FF_X, "/link");
            TreeExport.Result r = TreeExport.export(fs, out, new TreeExport.Progress() {});
            assertEquals(List.of(), r.failures());
        }
        assertEquals(Set.of("%FFX", "%FEX", "link"), rawNames(out));
        Path ff = out.resolve(Path.of(java.net.URI.create("file:///%FFX")).getFileName());
        assertEquals("ff", Files.readString(ff));
        assertEquals(ff.getFileName(), Files.readSymbolicLink(out.resolve("link")));
    }
}
