package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to its end (output and errors together, through a file: no pipe to drain) with a timeout. */
final class Cmd {
    private Cmd() {}

    record Result(List<String> command, int exit, String out) {
        /** For assertion messages. */
        String describe() {
            return String.join(" ", command) + " -> exit " + exit + "\n" + out;
        }

        Result assertOk() {
            assertEquals(0, exit, describe());
            return this;
        }
    }

    static Result run(Path cwd, long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("it-cmd", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            if (cwd != null) {
                pb.directory(cwd.toFile());
            }
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " timed out after " + timeoutSeconds + " s:\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Result run(String... command) throws IOException, InterruptedException {
        return run(null, 300, List.of(command));
    }

    /** {@code sh -c SCRIPT sh ARGS...}: the arguments are $1, $2, ... in the script. */
    static Result sh(String script, String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        c.addAll(List.of(args));
        return run(null, 300, c);
    }

    /** {@code python3 -c CODE ARGS...}: the arguments are sys.argv[1:]. */
    static Result python(String code, String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("python3", "-c", code));
        c.addAll(List.of(args));
        return run(null, 300, c);
    }
}
