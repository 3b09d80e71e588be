package io.ucryptfs.core.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateSigTest {

    private static PrivateSig parse(String s) throws KeyFileException {
        return PrivateSig.parse(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void readsTheVector() throws Exception {
        Path f = Vectors.caseDir("wrapped_passphrase").resolve("Private.sig");
        PrivateSig sig = PrivateSig.read(f);
        assertEquals(new PrivateSig("23520ec2c28cc7b2", Optional.of("caac4e9859b5d59d")), sig);
        assertArrayEquals(Files.readAllBytes(f), sig.toBytes());
    }

    @Test
    void oneLineMeansNoNameKey() throws Exception {
        assertEquals(Optional.empty(), parse("23520ec2c28cc7b2\n").fnekSig());
        assertEquals(Optional.empty(), parse("23520ec2c28cc7b2").fnekSig());
        assertEquals("23520ec2c28cc7b2", parse("23520EC2C28CC7B2\r\n").fileKeySig());
        assertEquals("caac4e9859b5d59d", parse("23520ec2c28cc7b2\r\ncaac4e9859b5d59d\r\n\n").fnekSig().orElseThrow());
    }

    @Test
    void garbledFilesAreRejectedClearly() {
        KeyFileException e = assertThrows(KeyFileException.class, () -> parse(""));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        e = assertThrows(KeyFileException.class, () -> parse("23520ec2c28cc7b\n"));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
        e = assertThrows(KeyFileException.class, () -> parse("23520ec2c28cc7b2\nzzac4e9859b5d59d\n"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        e = assertThrows(KeyFileException.class,
                () -> parse("23520ec2c28cc7b2\ncaac4e9859b5d59d\n0011223344556677\n"));
        assertTrue(e.getMessage().contains("3 signatures"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PrivateSig("xyz", Optional.empty()));
    }

    @Test
    void writesMode0600(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("Private.sig");
        PrivateSig sig = new PrivateSig("23520ec2c28cc7b2", Optional.of("caac4e9859b5d59d"));
        sig.write(f);
        assertEquals("23520ec2c28cc7b2\ncaac4e9859b5d59d\n", Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(sig, PrivateSig.read(f));
    }
}
