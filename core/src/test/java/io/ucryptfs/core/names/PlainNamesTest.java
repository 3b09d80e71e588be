package io.ucryptfs.core.names;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PlainNamesTest {

    private final PlainNames names = new PlainNames();

    @Test
    void namesUpTo255BytesPassUnchanged() throws Exception {
        String n255 = "n".repeat(255);
        assertEquals(n255, names.encrypt(n255));
        assertEquals(n255, names.decrypt(n255));
        assertEquals(255, names.maxPlainNameLength());
        assertFalse(names.encryptsNames());
        assertEquals(".", names.encrypt("."));
        assertEquals("..", names.decrypt(".."));
    }

    @Test
    void longerNamesAreTooLongCountingUtf8Bytes() {
        assertThrows(NameTooLongException.class, () -> names.encrypt("n".repeat(256)));
        assertThrows(NameTooLongException.class, () -> names.encrypt("é".repeat(128))); // 256 bytes
    }

    @Test
    void slashNulAndEmptyAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> names.encrypt("a/b"));
        assertThrows(IllegalArgumentException.class, () -> names.encrypt("a\0b"));
        assertThrows(IllegalArgumentException.class, () -> names.encrypt(""));
        assertThrows(IllegalArgumentException.class, () -> names.encrypt("a\uD800b"));
        assertThrows(InvalidNameException.class, () -> names.decrypt("a/b"));
        assertThrows(InvalidNameException.class, () -> names.decrypt("a\0b"));
    }

    @Test
    void symlinkTargetsKeepSlashesUpTo4095Bytes() throws Exception {
        String t = "/a/b/../c";
        assertEquals(t, names.encryptSymlinkTarget(t));
        assertEquals(t, names.decryptSymlinkTarget(t));
        String t4095 = "x/".repeat(2047) + "y";
        assertEquals(4095, t4095.length());
        assertEquals(t4095, names.encryptSymlinkTarget(t4095));
        assertThrows(NameTooLongException.class, () -> names.encryptSymlinkTarget(t4095 + "z"));
        assertThrows(IllegalArgumentException.class, () -> names.encryptSymlinkTarget("a\0"));
    }
}
