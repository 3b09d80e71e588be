package io.ucryptfs.it;

import io.ucryptfs.core.testing.Vectors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ../shared/ecryptfs-kernel/check-lower.sh}: the real Linux eCryptfs, in qemu, decrypts a
 * lower directory and compares it with a plain tree. Exit 0 means identical.
 */
final class KernelCheck {
    private KernelCheck() {}

    record Result(int exitCode, String output) {}

    static Path script() {
        Path s = Vectors.root().getParent().resolve("ecryptfs-kernel/check-lower.sh");
        if (!Files.isExecutable(s)) {
            throw new AssertionError("kernel check script missing: " + s);
        }
        return s;
    }

    static Result run(List<String> keyArgs, Path lower, Path plain) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(script().toString());
        cmd.addAll(keyArgs);
        cmd.add(lower.toString());
        cmd.add(plain.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("kernel check timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        System.out.println("[kernel check " + lower.getFileName() + "] exit " + p.exitValue() + "\n" + text);
        return new Result(p.exitValue(), text);
    }
}
