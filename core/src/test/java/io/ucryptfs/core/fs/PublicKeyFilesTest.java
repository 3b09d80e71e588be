package io.ucryptfs.core.fs;

import static io.ucryptfs.core.fs.FsTestSupport.FNEK_A;
import static io.ucryptfs.core.fs.FsTestSupport.KEY_A;
import static io.ucryptfs.core.fs.FsTestSupport.bytes;
import static io.ucryptfs.core.fs.FsTestSupport.newLower;
import static io.ucryptfs.core.fs.FsTestSupport.readAll;
import static io.ucryptfs.core.fs.FsTestSupport.readFile;
import static io.ucryptfs.core.fs.FsTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.NewFileKeys;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.PrivateKeyUnwrapper;
import io.ucryptfs.core.keys.PublicKeyWrapper;
import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.core.testing.FakeTokenKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Files with per-file public-key (tag 1) packets through the filesystem, with a fake token key. */
class PublicKeyFilesTest {

    /** A fresh ring (a lock destroys its ring) over copies of the shared passphrase keys. */
    static KeyRing ring(List<PublicKeyWrapper> pub, List<PrivateKeyUnwrapper> priv) {
        return KeyRing.of(List.of(copy(KEY_A, PassphraseKey.DEFAULT_SALT)), copy(FNEK_A, PassphraseKey.FNEK_SALT), pub, priv);
    }

    private static PassphraseKey copy(PassphraseKey k, byte[] salt) {
        PassphraseKey c = PassphraseKey.derive("passphrase A".getBytes(StandardCharsets.UTF_8), salt);
        assertEquals(k.signature(), c.signature());
        return c;
    }

    static EcryptfsFileSystem mount(Path lower, KeyRing ring, NewFileKeys which) throws FsException {
        return EcryptfsFileSystem.open(lower, MountOptions.builder(ring).encryptNames(true).newFileKeys(which).build());
    }

    @Test
    void tokenOnlyFilesNeedTheTokenEvenWithThePassphraseLoaded() throws Exception {
        Path lower = newLower();
        FakeTokenKey t = FakeTokenKey.shared();
        try (EcryptfsFileSystem fs = mount(lower, ring(List.of(t.publicKey()), List.of()), NewFileKeys.PUBLIC_KEYS_ONLY)) {
            writeFile(fs, "/secret", bytes("token only")); // created with the public key alone
        }
        try (EcryptfsFileSystem fs = mount(lower, ring(List.of(t.publicKey()), List.of()), NewFileKeys.MOUNT_AND_PUBLIC_KEYS)) {
            writeFile(fs, "/both", bytes("either key"));
            assertEquals(List.of("both", "secret"), fs.readdir("/").stream().sorted().toList(), "names need only the FNEK");
            FsException e = assertThrows(FsException.class, () -> readFile(fs, "/secret"));
            assertEquals(Errno.EACCES, e.errno(), "the passphrase is loaded, the file wants the token");
            assertArrayEquals(bytes("either key"), readFile(fs, "/both"));
        }
        try (EcryptfsFileSystem fs = mount(lower, ring(List.of(), List.of(t.privateKey())), NewFileKeys.MOUNT_KEYS)) {
            assertArrayEquals(bytes("token only"), readFile(fs, "/secret"));
            assertEquals(1, t.decryptions.get());
            assertArrayEquals(bytes("either key"), readFile(fs, "/both"));
            assertEquals(1, t.decryptions.get(), "the tag 3 packet opened /both: no token operation");

            // one token operation per open inode: a second open of an open file shares its FEK
            long h1 = fs.open("/secret", OpenMode.READ);
            long h2 = fs.open("/secret", OpenMode.READ_WRITE);
            assertEquals(2, t.decryptions.get());
            t.remove(); // the token goes: the open file keeps working
            assertArrayEquals(bytes("token only"), readAll(fs, h2));
            fs.release(h1);
            fs.release(h2);
            FsException e = assertThrows(FsException.class, () -> readFile(fs, "/secret"));
            assertEquals(Errno.EACCES, e.errno());
            assertArrayEquals(bytes("either key"), readFile(fs, "/both"), "the passphrase still opens files with both");
        }
    }

    @Test
    void lockDestroysThePublicAndPrivateKeysAndUnlockChecksThePublicOnes() throws Exception {
        FakeTokenKey t = FakeTokenKey.shared();
        PublicKeyWrapper pub = t.publicKey();
        PrivateKeyUnwrapper priv = t.privateKey();
        try (EcryptfsFileSystem fs = mount(newLower(), ring(List.of(pub), List.of(priv)), NewFileKeys.PUBLIC_KEYS_ONLY)) {
            writeFile(fs, "/t", bytes("tag 1"));
            assertTrue(fs.lock(false).keysWiped());
            assertTrue(pub.isDestroyed() && priv.isDestroyed(), "the token-side keys are mount keys too");

            assertThrows(WrongPassphraseException.class, () -> fs.unlock(ring(List.of(), List.of())),
                    "new files would lose their public key");
            assertTrue(fs.keyStatus().locked());
            // the public key again (it needs no token), without the private key: the token is not there
            assertTrue(fs.unlock(ring(List.of(t.publicKey()), List.of())));
            assertEquals(Errno.EACCES, assertThrows(FsException.class, () -> readFile(fs, "/t")).errno());
            writeFile(fs, "/u", bytes("made without the token"));

            fs.lock(false);
            assertTrue(fs.unlock(ring(List.of(t.publicKey()), List.of(t.privateKey()))));
            assertArrayEquals(bytes("tag 1"), readFile(fs, "/t"));
            assertArrayEquals(bytes("made without the token"), readFile(fs, "/u"));
        }
    }

    @Test
    void aPublicKeyModeNeedsAPublicKey() {
        assertThrows(IllegalArgumentException.class,
                () -> MountOptions.builder(ring(List.of(), List.of())).newFileKeys(NewFileKeys.PUBLIC_KEYS_ONLY).build());
        assertFalse(MountOptions.builder(ring(List.of(), List.of())).build().newFileKeys().usesPublicKeys());
    }
}
