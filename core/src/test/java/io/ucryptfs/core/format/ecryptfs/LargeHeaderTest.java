package io.ucryptfs.core.format.ecryptfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.format.UnlockedHeader;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Kernels on 64 KiB-page machines write 64 KiB headers (16 header extents of 4 KiB): the header size
 * must come from the file, never be assumed.
 */
class LargeHeaderTest {

    @Test
    void headerSizeIsReadFromTheFile() throws Exception {
        PassphraseKey key = PassphraseKey.derive("k".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        EcryptfsFormat format = new EcryptfsFormat(KeyRing.of(key), 16, false, false, new SecureRandom());
        UnlockedHeader ours = format.create();
        byte[] header = ours.encode(4096);
        // what a 64 KiB-page kernel writes: the same fields with 16 header extents
        ByteBuffer.wrap(header).putShort(EcryptfsHeader.METADATA_OFFSET + 4, (short) 16);
        UnlockedHeader h = format.open(header, 4096, false);
        assertEquals(65536, h.dataOffset());
        assertEquals(4096, h.plaintextSize());

        byte[] plain = new byte[4096];
        new SecureRandom().nextBytes(plain);
        ByteBuffer enc = ByteBuffer.allocate(4096);
        ours.content().encryptExtent(0, ByteBuffer.wrap(plain), enc);
        ByteBuffer dec = ByteBuffer.allocate(4096);
        h.content().decryptExtent(0, enc.flip(), dec);
        assertArrayEquals(plain, dec.array());
    }

    @Test
    void versionZeroHeadersHaveNoSizeFieldsAndEightKiB() throws Exception {
        PassphraseKey key = PassphraseKey.derive("k".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        EcryptfsFormat format = new EcryptfsFormat(KeyRing.of(key), 16, false, false, new SecureRandom());
        byte[] v3 = format.create().encode(10);
        // version 0: flags word with version 0, packets right after it (offset 20)
        byte[] v0 = new byte[8192];
        System.arraycopy(v3, 0, v0, 0, 16);
        ByteBuffer.wrap(v0).putInt(16, 0x00000002);
        System.arraycopy(v3, EcryptfsHeader.PACKETS_OFFSET, v0, EcryptfsHeader.METADATA_OFFSET, 200);
        EcryptfsHeader parsed = EcryptfsHeader.parse(v0, 4096, false);
        assertEquals(0, parsed.version());
        assertEquals(8192, parsed.headerSize());
        assertEquals(List.of(key.signature()), parsed.packets().stream().map(KeyPacket::signature).toList());
    }
}
