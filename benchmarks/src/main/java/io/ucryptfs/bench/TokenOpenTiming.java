package io.ucryptfs.bench;

import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.fs.OpenMode;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.NewFileKeys;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.PrivateKeyUnwrapper;
import io.ucryptfs.core.keys.PublicKeyWrapper;
import io.ucryptfs.keystore.pkcs11.Pkcs11Uri;
import io.ucryptfs.keystore.pkcs11.TokenFileKeys;
import io.ucryptfs.keystore.pkcs11.TokenModule;
import io.ucryptfs.keystore.pkcs11.TokenSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Time to open N files (open + release through {@link EcryptfsFileSystem}, one thread) whose FEK comes
 * from the mount key (tag 3) or from a token (tag 1 only: one RSA decryption on the token per open),
 * and with both packets (the tag 3 one is used). Not a JMH benchmark: a token operation is
 * milliseconds, so plain wall-clock over thousands of opens is what the user sees. Run by
 * {@code scripts/bench-token-open.sh}, which makes a SoftHSM2 token and sets SOFTHSM2_CONF.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.ucryptfs.bench.TokenOpenTiming URI PIN DIR [FILES] [ROUNDS]
 * </pre>
 */
public final class TokenOpenTiming {
    private TokenOpenTiming() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: TokenOpenTiming PKCS11-URI PIN DIR [FILES=10000] [ROUNDS=3]");
            System.exit(2);
        }
        Pkcs11Uri uri = Pkcs11Uri.parse(args[0]);
        char[] pin = args[1].toCharArray();
        Path dir = Path.of(args[2]);
        int files = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;

        TokenModule module = TokenModule.load(uri);
        Path lower = Files.createDirectories(dir.resolve("lower"));
        PublicKeyWrapper pub;
        try (TokenSession s = TokenSession.open(module, uri)) {
            pub = TokenFileKeys.publicKey(s, uri);
        }
        TokenSession session = TokenSession.open(module, uri);
        session.login(pin);
        Counting priv = new Counting(TokenFileKeys.privateKey(session, uri));

        System.out.printf("token %s, key %s, %d files per kind, %d rounds%n", session.tokenLabel(), pub.signature(), files, rounds);
        for (NewFileKeys kind : NewFileKeys.values()) {
            long t0 = System.nanoTime();
            try (EcryptfsFileSystem fs = mount(lower, List.of(pub), List.of(), kind)) {
                fs.mkdir("/" + kind, 0700);
                byte[] data = ("file of kind " + kind).getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < files; i++) {
                    long h = fs.create("/" + kind + "/f" + i, 0600);
                    fs.write(h, ByteBuffer.wrap(data), 0);
                    fs.release(h);
                }
            }
            report("create", kind, files, System.nanoTime() - t0, -1);
        }
        try (EcryptfsFileSystem fs = mount(lower, List.of(), List.of(priv), NewFileKeys.MOUNT_KEYS)) {
            for (int r = 0; r < rounds; r++) {
                for (NewFileKeys kind : NewFileKeys.values()) {
                    int before = priv.count.get();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < files; i++) {
                        fs.release(fs.open("/" + kind + "/f" + i, OpenMode.READ));
                    }
                    report("open round " + (r + 1), kind, files, System.nanoTime() - t0, priv.count.get() - before);
                }
            }
        }
        priv.destroy();
    }

    private static EcryptfsFileSystem mount(Path lower, List<PublicKeyWrapper> pub, List<PrivateKeyUnwrapper> priv,
            NewFileKeys kind) throws IOException {
        // a fresh ring per mount: closing a mount leaves the ring to its owner, and it is small
        KeyRing ring = KeyRing.of(List.of(PassphraseKey.derive("bench passphrase".getBytes(StandardCharsets.UTF_8),
                PassphraseKey.DEFAULT_SALT)), null, pub, priv);
        return EcryptfsFileSystem.open(lower, MountOptions.builder(ring).newFileKeys(kind).build());
    }

    private static void report(String what, NewFileKeys kind, int n, long nanos, int tokenOps) {
        System.out.printf("%-14s %-22s %8.0f ms  %8.1f us/file  %8.0f files/s%s%n", what, kind, nanos / 1e6,
                nanos / 1e3 / n, n / (nanos / 1e9), tokenOps < 0 ? "" : "  token ops " + tokenOps);
    }

    /** Counts token operations. */
    private static final class Counting implements PrivateKeyUnwrapper {
        final PrivateKeyUnwrapper inner;
        final AtomicInteger count = new AtomicInteger();

        Counting(PrivateKeyUnwrapper inner) {
            this.inner = inner;
        }

        @Override
        public String signature() {
            return inner.signature();
        }

        @Override
        public byte[] decrypt(byte[] encrypted) throws IOException {
            count.incrementAndGet();
            return inner.decrypt(encrypted);
        }

        @Override
        public void destroy() {
            try {
                inner.destroy();
            } catch (javax.security.auth.DestroyFailedException e) {
                // nothing to wipe
            }
        }

        @Override
        public boolean isDestroyed() {
            return inner.isDestroyed();
        }
    }
}
