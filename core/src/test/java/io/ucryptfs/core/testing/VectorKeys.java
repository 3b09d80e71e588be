package io.ucryptfs.core.testing;

import io.ucryptfs.core.fs.MountOptions;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.WrappedPassphrase;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The mount options each kernel vector case was written with, as core's {@link MountOptions}. */
public final class VectorKeys {
    private VectorKeys() {}

    public static final List<String> CASES = List.of("aes128", "aes128_fnek", "aes256", "wrapped_passphrase");

    /** The mount passphrase of a case (for the wrapped case: unwrapped with the login passphrase). */
    public static byte[] mountPassphrase(String caseName) throws Exception {
        return switch (caseName) {
            case "aes128" -> bytes("kernel-vector-aes128");
            case "aes128_fnek" -> bytes("kernel-vector-fnek128");
            case "aes256" -> bytes("kernel-vector-aes256");
            case "wrapped_passphrase" -> WrappedPassphrase.unwrap(
                    Vectors.caseDir(caseName).resolve("wrapped-passphrase"), "login-passphrase-123".toCharArray());
            default -> throw new IllegalArgumentException(caseName);
        };
    }

    public static int keyBytes(String caseName) {
        return caseName.equals("aes256") ? 32 : 16;
    }

    public static boolean fnek(String caseName) {
        return caseName.equals("aes128_fnek") || caseName.equals("wrapped_passphrase");
    }

    /** The case's options: file key from the default salt, name key from the "99887766" salt. */
    public static MountOptions.Builder options(String caseName) throws Exception {
        byte[] pass = mountPassphrase(caseName);
        PassphraseKey fileKey = PassphraseKey.derive(pass, PassphraseKey.DEFAULT_SALT);
        PassphraseKey nameKey = fnek(caseName) ? PassphraseKey.derive(pass, PassphraseKey.FNEK_SALT) : null;
        java.util.Arrays.fill(pass, (byte) 0);
        return MountOptions.builder(KeyRing.of(List.of(fileKey), nameKey))
                .keyBytes(keyBytes(caseName))
                .encryptNames(fnek(caseName));
    }

    /** check-lower.sh arguments for a tree written with {@link #options}. */
    public static List<String> checkArgs(String caseName) throws Exception {
        byte[] pass = mountPassphrase(caseName);
        List<String> args = new java.util.ArrayList<>(List.of("--passphrase", new String(pass, StandardCharsets.UTF_8),
                "--key-bytes", Integer.toString(keyBytes(caseName))));
        if (fnek(caseName)) {
            args.add("--fnek");
        }
        return args;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

}
