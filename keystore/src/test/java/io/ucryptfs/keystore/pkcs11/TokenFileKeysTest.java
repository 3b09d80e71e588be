package io.ucryptfs.keystore.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.fs.OpenMode;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.NewFileKeys;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.PrivateKeyUnwrapper;
import io.ucryptfs.core.keys.PublicKeyWrapper;
import io.ucryptfs.core.keys.RsaKeySig;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-file token packets (eCryptfs tag 1) with a SoftHSM2 token's RSA key, through the filesystem. */
class TokenFileKeysTest {
    private static final byte[] ONLY = "needs the token".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BOTH = "token or passphrase".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    static KeyRing ring(String passphrase, List<PublicKeyWrapper> pub, List<PrivateKeyUnwrapper> priv) {
        return KeyRing.of(List.of(PassphraseKey.derive(passphrase.getBytes(StandardCharsets.UTF_8), PassphraseKey.DEFAULT_SALT)),
                null, pub, priv);
    }

    static EcryptfsFileSystem mount(Path lower, KeyRing ring, NewFileKeys which) throws FsException {
        return EcryptfsFileSystem.open(lower, MountOptions.builder(ring).newFileKeys(which).build());
    }

    static void write(EcryptfsFileSystem fs, String path, byte[] data) throws Exception {
        long h = fs.create(path, 0600);
        try {
            fs.write(h, ByteBuffer.wrap(data), 0);
        } finally {
            fs.release(h);
        }
    }

    static byte[] read(EcryptfsFileSystem fs, String path) throws Exception {
        long h = fs.open(path, OpenMode.READ);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(4096);
            long off = 0;
            int n;
            while ((n = fs.read(h, b.clear(), off)) > 0) {
                out.write(b.array(), 0, n);
                off += n;
            }
            return out.toByteArray();
        } finally {
            fs.release(h);
        }
    }

    static int errno(Path lower, KeyRing ring, String path) throws Exception {
        try (EcryptfsFileSystem fs = mount(lower, ring, NewFileKeys.MOUNT_KEYS)) {
            return assertThrows(FsException.class, () -> read(fs, path)).errno();
        }
    }

    @Test
    void filesMadeWithTheTokensPublicKeyOpenWithTheToken() throws Exception {
        SoftHsm hsm = SoftHsm.token(dir, "files").rsa("k", "01");
        TokenModule module = hsm.module();
        Pkcs11Uri uri = hsm.uri("k");
        Path lower = Files.createDirectories(dir.resolve("lower"));

        String sig;
        try (TokenSession s = TokenSession.open(module, uri)) {
            // creating needs only the public key: no login
            PublicKeyWrapper pub = TokenFileKeys.publicKey(s, uri);
            sig = pub.signature();
            assertEquals(RsaKeySig.of(RsaWrap.publicKey(s, uri)), sig);
            try (EcryptfsFileSystem fs = mount(lower, ring("vault", List.of(pub), List.of()), NewFileKeys.PUBLIC_KEYS_ONLY)) {
                write(fs, "/only", ONLY);
            }
            try (EcryptfsFileSystem fs = mount(lower, ring("vault", List.of(TokenFileKeys.publicKey(s, uri)), List.of()),
                    NewFileKeys.MOUNT_AND_PUBLIC_KEYS)) {
                write(fs, "/both", BOTH);
            }
        }
        // the passphrase alone: the token-only file stays shut
        assertEquals(Errno.EACCES, errno(lower, ring("vault", List.of(), List.of()), "/only"));

        TokenSession s = TokenSession.open(module, uri);
        s.login(SoftHsm.PIN.toCharArray());
        TokenFileKeys.Unwrapper priv = TokenFileKeys.privateKey(s, uri);
        assertEquals(sig, priv.signature());
        // the token alone (another passphrase, as if the vault's were lost): both files open
        try (EcryptfsFileSystem fs = mount(lower, ring("not the vault's", List.of(), List.of(priv)), NewFileKeys.MOUNT_KEYS)) {
            assertArrayEquals(ONLY, read(fs, "/only"));
            assertArrayEquals(BOTH, read(fs, "/both"));

            // the token is taken away (SoftHSM2: its directory deleted)
            try (Stream<Path> walk = Files.walk(hsm.tokenDir())) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            FsException e = assertThrows(FsException.class, () -> read(fs, "/only"));
            assertEquals(Errno.EACCES, e.errno(), "the no-key error, not an I/O error: " + e.getMessage());
            assertTrue(e.getMessage().contains("no key for this file"), e.getMessage());
        }
        // the tag 3 + tag 1 file still opens with the passphrase; the token-only one does not
        KeyRing withPassphrase = ring("vault", List.of(), List.of());
        try (EcryptfsFileSystem fs = mount(lower, withPassphrase, NewFileKeys.MOUNT_KEYS)) {
            assertArrayEquals(BOTH, read(fs, "/both"));
            assertEquals(Errno.EACCES, assertThrows(FsException.class, () -> read(fs, "/only")).errno());
        }
        priv.destroy();
        assertTrue(priv.isDestroyed());
        assertThrows(io.ucryptfs.core.keys.KeyUnavailableException.class, () -> priv.decrypt(new byte[256]));
    }
}
