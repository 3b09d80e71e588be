package io.ucryptfs.core.format.ecryptfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.format.FormatException;
import io.ucryptfs.core.format.NoKeyException;
import io.ucryptfs.core.format.UnlockedHeader;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.NewFileKeys;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.PrivateKeyUnwrapper;
import io.ucryptfs.core.keys.PublicKeyWrapper;
import io.ucryptfs.core.keys.RsaKeySig;
import io.ucryptfs.core.keys.RsaPublicKeyWrapper;
import io.ucryptfs.core.testing.FakeTokenKey;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import javax.crypto.Cipher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tag 1 packets: files created with a public key (beside the tag 3 packets or instead of them), opened
 * with the private key, the byte layout of {@code write_tag_1_packet} and the tag 66/65 message inside.
 */
class PublicKeyPacketsTest {
    static PassphraseKey mountKey;
    static PassphraseKey otherKey;
    static FakeTokenKey token;

    @BeforeAll
    static void keys() {
        mountKey = PassphraseKey.derive("mount passphrase".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        otherKey = PassphraseKey.derive("another passphrase".getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT);
        token = FakeTokenKey.shared();
    }

    @AfterAll
    static void wipe() {
        mountKey.destroy();
        otherKey.destroy();
    }

    /** A ring over the shared passphrase key (never destroyed by a test), with the given public-key sides. */
    static KeyRing ring(PassphraseKey fileKey, List<PublicKeyWrapper> pub, List<PrivateKeyUnwrapper> priv) {
        return KeyRing.of(List.of(fileKey), null, pub, priv);
    }

    static EcryptfsFormat format(KeyRing ring, int keyBytes, NewFileKeys which) {
        return new EcryptfsFormat(ring, keyBytes, false, false, new SecureRandom(), which);
    }

    /** A new file's header bytes and one extent of ciphertext made with its FEK. */
    record Created(byte[] header, byte[] extent, byte[] plain) {}

    static Created create(EcryptfsFormat f) {
        UnlockedHeader h = f.create();
        byte[] plain = new byte[4096];
        new Random(7).nextBytes(plain);
        ByteBuffer out = ByteBuffer.allocate(4096);
        h.content().encryptExtent(3, ByteBuffer.wrap(plain), out);
        return new Created(h.encode(4096), out.array(), plain);
    }

    /** Opens the header with {@code f} and checks the FEK is the creator's (the extent decrypts). */
    static void opensRight(EcryptfsFormat f, Created c) throws Exception {
        UnlockedHeader h = f.open(c.header(), 4096, false);
        ByteBuffer plain = ByteBuffer.allocate(4096);
        h.content().decryptExtent(3, ByteBuffer.wrap(c.extent()), plain);
        assertArrayEquals(c.plain(), plain.array());
        assertEquals(4096, h.plaintextSize());
    }

    @Test
    void bothPacketsOpenWithEitherKey() throws Exception {
        Created c = create(format(ring(mountKey, List.of(token.publicKey()), List.of()), 16, NewFileKeys.MOUNT_AND_PUBLIC_KEYS));
        List<KeyPacket> packets = EcryptfsFormat.inspect(c.header(), 4096, false).packets();
        assertEquals(2, packets.size());
        assertInstanceOf(KeyPacket.PassphraseWrapped.class, packets.get(0));
        assertEquals(mountKey.signature(), packets.get(0).signature());
        assertInstanceOf(KeyPacket.PublicKeyWrapped.class, packets.get(1));
        assertEquals(token.signature(), packets.get(1).signature());

        FakeTokenKey t = FakeTokenKey.shared();
        // the passphrase key alone
        opensRight(format(KeyRing.of(mountKey), 16, NewFileKeys.MOUNT_KEYS), c);
        // the RSA key alone (with an unrelated passphrase key, as a mount of another vault would have)
        opensRight(format(ring(otherKey, List.of(), List.of(t.privateKey())), 16, NewFileKeys.MOUNT_KEYS), c);
        assertEquals(1, t.decryptions.get(), "one private-key operation per open");
        // both: the tag 3 packet wins, no token operation
        opensRight(format(ring(mountKey, List.of(), List.of(t.privateKey())), 16, NewFileKeys.MOUNT_KEYS), c);
        assertEquals(1, t.decryptions.get(), "a tag 3 packet that opens the file spares the token");
    }

    @Test
    void tokenOnlyFileNeverOpensWithThePassphraseKey() throws Exception {
        Created c = create(format(ring(mountKey, List.of(token.publicKey()), List.of()), 32, NewFileKeys.PUBLIC_KEYS_ONLY));
        List<KeyPacket> packets = EcryptfsFormat.inspect(c.header(), 4096, false).packets();
        assertEquals(1, packets.size());
        assertInstanceOf(KeyPacket.PublicKeyWrapped.class, packets.get(0));

        // the passphrase key loaded (and the public key too): no key for this file
        EcryptfsFormat passphraseOnly = format(ring(mountKey, List.of(token.publicKey()), List.of()), 32, NewFileKeys.MOUNT_KEYS);
        NoKeyException e = assertThrows(NoKeyException.class, () -> passphraseOnly.open(c.header(), 4096, false));
        assertEquals(List.of(token.signature()), e.wantedSignatures());
        assertTrue(e.getMessage().contains(token.signature()), e.getMessage());
        assertFalse(passphraseOnly.canOpen(EcryptfsFormat.inspect(c.header(), 4096, false)));

        FakeTokenKey t = FakeTokenKey.shared();
        EcryptfsFormat withToken = format(ring(mountKey, List.of(), List.of(t.privateKey())), 16, NewFileKeys.MOUNT_KEYS);
        assertTrue(withToken.canOpen(EcryptfsFormat.inspect(c.header(), 4096, false)));
        opensRight(withToken, c); // an AES-256 file on an AES-128 mount: the cipher comes from the packet
        assertEquals(1, t.decryptions.get());

        // the token taken away: the same no-key error (EACCES), saying why
        t.remove();
        e = assertThrows(NoKeyException.class, () -> withToken.open(c.header(), 4096, false));
        assertTrue(e.getMessage().contains("unavailable"), e.getMessage());
    }

    @Test
    void tag1PacketLayoutIsWriteTag1Packets() throws Exception {
        for (int keyBytes : new int[] {16, 24, 32}) {
            Created c = create(format(ring(mountKey, List.of(token.publicKey()), List.of()), keyBytes,
                    NewFileKeys.PUBLIC_KEYS_ONLY));
            byte[] h = c.header();
            int p = EcryptfsHeader.PACKETS_OFFSET;
            assertEquals(26, p);
            // write_tag_1_packet: tag, length (max_packet_size - 4 = 1 + 8 + 1 + 256 = 266), version 3
            assertEquals(0x01, h[p] & 0xff, "ECRYPTFS_TAG_1_PACKET_TYPE");
            assertEquals(0xc0, h[p + 1] & 0xff, "two-byte length: (266 - 192) / 256 + 192");
            assertEquals(0x4a, h[p + 2] & 0xff, "(266 - 192) % 256");
            assertEquals(0x03, h[p + 3], "version 3");
            assertEquals(token.signature(), HexFormat.of().formatHex(h, p + 4, p + 12), "key identifier, 8 raw bytes");
            assertEquals(0x01, h[p + 12], "RFC2440_CIPHER_RSA");
            byte[] encrypted = Arrays.copyOfRange(h, p + 13, p + 13 + 256);
            assertEquals(0x00, h[p + 13 + 256], "the packet set's terminator");

            // inside: RSA PKCS#1 v1.5 (RSA_PKCS1_PADDING) of write_tag_66_packet's key field
            Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            rsa.init(Cipher.DECRYPT_MODE, token.pair().getPrivate());
            byte[] m = rsa.doFinal(encrypted);
            assertEquals(1 + keyBytes + 2, m.length);
            assertEquals(CipherCode.forKeyBytes(keyBytes).code, m[0] & 0xff, "cipher code");
            int sum = 0;
            for (int i = 1; i <= keyBytes; i++) {
                sum += m[i] & 0xff;
            }
            assertEquals((sum >> 8) & 0xff, m[keyBytes + 1] & 0xff, "checksum, high byte");
            assertEquals(sum & 0xff, m[keyBytes + 2] & 0xff, "checksum, low byte");

            // and our parser reads it back
            KeyPacket.PublicKeyWrapped pk = (KeyPacket.PublicKeyWrapped) EcryptfsFormat.inspect(h, 4096, false).packets().get(0);
            assertEquals(token.signature(), pk.signature());
            assertEquals(KeyPacket.PublicKeyWrapped.RSA, pk.algorithm());
            assertArrayEquals(encrypted, pk.encryptedKey());
        }
    }

    @Test
    void bothPacketsLayoutTag3ThenTag1() throws Exception {
        Created c = create(format(ring(mountKey, List.of(token.publicKey()), List.of()), 16, NewFileKeys.MOUNT_AND_PUBLIC_KEYS));
        byte[] h = c.header();
        int tag3 = 26;
        int tag11 = tag3 + 2 + 29;
        int tag1 = tag11 + 24;
        assertEquals(0x8c, h[tag3] & 0xff);
        assertEquals(0xed, h[tag11] & 0xff);
        assertEquals(mountKey.signature(), HexFormat.of().formatHex(h, tag11 + 16, tag11 + 24));
        assertEquals(0x01, h[tag1] & 0xff);
        assertEquals(0x00, h[tag1 + 3 + 266], "terminator after the tag 1 packet");
    }

    @Test
    void damagedTag1PacketIsDamageNotNoKey() throws Exception {
        Created c = create(format(ring(mountKey, List.of(token.publicKey()), List.of()), 16, NewFileKeys.PUBLIC_KEYS_ONLY));
        byte[] bad = c.header().clone();
        bad[26 + 13 + 100] ^= 0x40;
        EcryptfsFormat withToken = format(ring(mountKey, List.of(), List.of(FakeTokenKey.shared().privateKey())), 16,
                NewFileKeys.MOUNT_KEYS);
        FormatException e = assertThrows(FormatException.class, () -> withToken.open(bad, 4096, false));
        assertFalse(e instanceof NoKeyException, e.getMessage());
        assertTrue(e.getMessage().contains("tag 1"), e.getMessage());
    }

    @Test
    void sessionKeyMessageChecks() throws Exception {
        byte[] fek = new byte[24];
        Arrays.fill(fek, (byte) 0xff);
        byte[] m = SessionKeyMessage.encode(CipherCode.AES_192, fek);
        assertEquals("08" + "ff".repeat(24) + "17e8", HexFormat.of().formatHex(m), "24 x 0xff = 6120 = 0x17e8");
        SessionKeyMessage.Decoded d = SessionKeyMessage.decode(m);
        assertEquals(CipherCode.AES_192, d.cipher());
        assertArrayEquals(fek, d.fek());
        m[25] ^= 1;
        assertThrows(FormatException.class, () -> SessionKeyMessage.decode(m));
        assertThrows(FormatException.class, () -> SessionKeyMessage.decode(new byte[] {0x07, 0, 0}));
        assertThrows(FormatException.class, () -> SessionKeyMessage.decode(new byte[] {0x04, 1, 0, 1}));
    }

    @Test
    void keySignatureIsTheKeyModules() throws Exception {
        // computed by an independent implementation of ecryptfs_pkcs11h_get_key_sig (Python, hashlib)
        assertEquals("84163029ccfbe1b7", RsaKeySig.of(BigInteger.TWO.pow(2047).add(BigInteger.valueOf(12345)),
                BigInteger.valueOf(65537)));
        assertEquals("8f88cba8a03fccef", RsaKeySig.of(BigInteger.TWO.pow(2046).add(BigInteger.ONE), BigInteger.valueOf(3)));
        assertEquals(token.signature(), new RsaPublicKeyWrapper((RSAPublicKey) token.pair().getPublic()).signature());
    }

    @Test
    void keySizesAndMissingPublicKey() {
        assertThrows(IllegalArgumentException.class,
                () -> new RsaPublicKeyWrapper((RSAPublicKey) FakeTokenKey.fresh(1024).pair().getPublic()));
        assertThrows(IllegalArgumentException.class, () -> format(KeyRing.of(mountKey), 16, NewFileKeys.PUBLIC_KEYS_ONLY));
        assertThrows(IllegalArgumentException.class, () -> format(KeyRing.of(mountKey), 16, NewFileKeys.MOUNT_AND_PUBLIC_KEYS));
    }
}
