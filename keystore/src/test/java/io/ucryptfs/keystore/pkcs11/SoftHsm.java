package io.ucryptfs.keystore.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A SoftHSM2 token of a test's own, in a directory of its own. SoftHSM2 reads SOFTHSM2_CONF when
 * the module is initialised, and the environment of a running JVM is fixed, so keystore's surefire
 * run sets SOFTHSM2_CONF to one file (target/softhsm2/softhsm2.conf); each token rewrites that file
 * with its own token directory, makes the token and keys with softhsm2-util and pkcs11-tool (child
 * processes given the same variable), then re-initialises the module so it reads the new
 * configuration. Tests run one at a time in that JVM. Public, in keystore's test jar, for the
 * command-line tests of fuse-mount (whose surefire sets SOFTHSM2_CONF the same way).
 */
public final class SoftHsm {
    public static final String MODULE = "/usr/lib/softhsm/libsofthsm2.so";
    public static final String PIN = "1234";
    public static final String SO_PIN = "5678";

    public final String label;
    public final Path tokens;

    private SoftHsm(String label, Path tokens) {
        this.label = label;
        this.tokens = tokens;
    }

    public static Path conf() {
        String conf = System.getenv("SOFTHSM2_CONF");
        assertNotNull(conf, "SOFTHSM2_CONF is not set: run these tests through Maven (keystore's surefire sets it)");
        assertTrue(Files.isRegularFile(Path.of(MODULE)) && Files.isExecutable(Path.of("/usr/bin/pkcs11-tool")),
                MODULE + " or pkcs11-tool missing: run scripts/ensure-deps.sh (packages softhsm2, opensc)");
        return Path.of(conf);
    }

    /** A new initialised token {@code label} under {@code dir}, and the configuration pointing at it. */
    public static SoftHsm token(Path dir, String label) throws IOException {
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path conf = conf();
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
                + "log.level = ERROR\nslots.removable = false\n");
        run("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN);
        return new SoftHsm(label, tokens);
    }

    /** An RSA-2048 key pair labelled {@code keyLabel} with CKA_ID {@code idHex}. */
    public SoftHsm rsa(String keyLabel, String idHex) throws IOException {
        return keygen("--keypairgen", "rsa:2048", keyLabel, idHex);
    }

    /** An AES-256 secret key (CKA_WRAP and CKA_UNWRAP: SoftHSM2's default). */
    public SoftHsm aes(String keyLabel, String idHex) throws IOException {
        return keygen("--keygen", "AES:32", keyLabel, idHex);
    }

    /** An EC key pair on {@code curve} ("prime256v1", "secp384r1"); pkcs11-tool sets CKA_DERIVE on both halves. */
    public SoftHsm ec(String keyLabel, String idHex, String curve) throws IOException {
        return keygen("--keypairgen", "EC:" + curve, keyLabel, idHex);
    }

    private SoftHsm keygen(String what, String type, String keyLabel, String idHex) throws IOException {
        run("pkcs11-tool", "--module", MODULE, "--token-label", label, "--login", "--pin", PIN, what,
                "--key-type", type, "--label", keyLabel, "--id", idHex);
        return this;
    }

    /** The module, re-initialised so that it sees this token as it is on disk now. */
    public TokenModule module() throws TokenException {
        TokenModule m = TokenModule.load(MODULE);
        m.reinitialize();
        return m;
    }

    public Pkcs11Uri uri(String object) {
        return Pkcs11Uri.parse("pkcs11:token=" + label + ";object=" + object + "?module-path=" + MODULE);
    }

    /** The token's own directory (SoftHSM2 names it by a UUID). */
    public Path tokenDir() throws IOException {
        try (Stream<Path> s = Files.list(tokens)) {
            List<Path> dirs = s.filter(Files::isDirectory).toList();
            assertEquals(1, dirs.size(), "token directories in " + tokens);
            return dirs.get(0);
        }
    }

    /** Takes the token away for good, as SoftHSM2 sees a removal: its directory deleted. */
    public void remove() throws IOException {
        run("rm", "-rf", tokenDir().toString());
    }

    public static void run(String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IOException(command[0] + " exited " + rc + ": " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
