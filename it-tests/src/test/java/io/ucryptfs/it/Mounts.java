package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ucryptfs.fuse.MountTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Mounts as a user makes them: {@code java -cp <this JVM's class path> io.ucryptfs.cli.Main mount ...}
 * (the daemon mode, which returns once the mount answers) and {@code ... Main umount}. Register with
 * {@code @RegisterExtension}: after each test every mount point it used is unmounted, whatever happened,
 * with {@code fusermount3 -u -z} as the last resort. FUSE missing fails the test; nothing is skipped.
 */
final class Mounts implements AfterEachCallback {
    static final String MAIN = "io.ucryptfs.cli.Main";

    private final Set<Path> used = new LinkedHashSet<>();
    private final List<Process> foreground = new ArrayList<>();

    /** Fails (never skips) when this machine cannot make FUSE mounts. */
    static void requireFuse() {
        if (!Files.exists(Path.of("/dev/fuse"))) {
            fail("/dev/fuse is missing: FUSE integration tests need it (they fail, not skip, without it)");
        }
        if (!Files.isExecutable(Path.of("/usr/bin/fusermount3")) && !Files.isExecutable(Path.of("/usr/bin/fusermount"))) {
            fail("fusermount3 is missing: install fuse3");
        }
    }

    /** The java command that runs the CLI with this JVM's class path (surefire sets it to the test class path). */
    static List<String> java(String... args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), MAIN));
        c.addAll(List.of(args));
        return c;
    }

    /** {@code ucryptfs ARGS...} to its end. */
    static Cmd.Result cli(List<String> args) throws IOException, InterruptedException {
        return Cmd.run(null, 120, java(args.toArray(new String[0])));
    }

    /** Key options for a bare eCryptfs directory with the passphrase written to {@code dir/name.pass}. */
    static List<String> bare(Path dir, String passphrase, boolean fnek) throws IOException {
        Path pf = dir.resolve("pass-" + Integer.toHexString(passphrase.hashCode()));
        Files.writeString(pf, passphrase + "\n", StandardCharsets.UTF_8);
        List<String> a = new ArrayList<>(List.of("--ecryptfs", "--passfile", pf.toString()));
        if (fnek) {
            a.add("--fnek");
        }
        return a;
    }

    /** Runs {@code mount OPTIONS LOWER MNT} (daemon mode) and returns its result, whatever it is. */
    Cmd.Result tryMount(Path lower, Path mnt, List<String> options) throws IOException, InterruptedException {
        requireFuse();
        used.add(mnt.toAbsolutePath().normalize());
        List<String> a = new ArrayList<>(List.of("mount"));
        a.addAll(options);
        a.add(lower.toString());
        a.add(mnt.toString());
        return cli(a);
    }

    /** Mounts and asserts it worked: exit 0 and a FUSE mount at {@code mnt}. */
    Path mount(Path lower, Path mnt, List<String> options) throws IOException, InterruptedException {
        Cmd.Result r = tryMount(lower, mnt, options);
        assertEquals(0, r.exit(), "mount failed: " + r.describe() + log(mnt));
        assertTrue(MountTable.isFuseMount(mnt), "mount said 0 but nothing is mounted at " + mnt);
        return mnt;
    }

    /** {@code ucryptfs mount --fg ...}, left running; stopped (SIGKILL) after the test if still alive. */
    Process startForeground(Path lower, Path mnt, List<String> options) throws IOException, InterruptedException {
        requireFuse();
        used.add(mnt.toAbsolutePath().normalize());
        List<String> a = new ArrayList<>(List.of("mount", "--fg"));
        a.addAll(options);
        a.add(lower.toString());
        a.add(mnt.toString());
        Path out = Files.createTempFile("it-fg", ".out");
        Process p = new ProcessBuilder(java(a.toArray(new String[0]))).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        foreground.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!MountTable.isFuseMount(mnt)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                fail("mount --fg did not mount (alive " + p.isAlive() + "):\n" + Files.readString(out));
            }
            Thread.sleep(50);
        }
        return p;
    }

    /** {@code ucryptfs umount MNT}, asserting exit 0 and that the mount is gone. */
    Cmd.Result umount(Path mnt) throws IOException, InterruptedException {
        Cmd.Result r = cli(List.of("umount", mnt.toString()));
        assertEquals(0, r.exit(), "umount failed: " + r.describe() + log(mnt));
        assertTrue(MountTable.typeAt(mnt).isEmpty(), "umount said 0 but " + mnt + " is still mounted");
        return r;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        boolean failed = context.getExecutionException().isPresent();
        for (Process p : foreground) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        List<String> problems = new ArrayList<>();
        for (Path mnt : used) {
            if (MountTable.typeAt(mnt).isPresent()) {
                Cmd.Result r = cli(List.of("umount", mnt.toString()));
                if (MountTable.typeAt(mnt).isPresent()) {
                    Cmd.run("fusermount3", "-u", "-z", mnt.toString());
                    problems.add("had to lazily unmount " + mnt + " (ucryptfs umount: " + r.describe() + ")");
                }
            }
            if (failed) {
                System.out.println("[daemon log for " + mnt + "]" + log(mnt));
            }
            Files.deleteIfExists(stateFile(mnt, ".log"));
        }
        used.clear();
        foreground.clear();
        if (!problems.isEmpty() && !failed) {
            fail(String.join("\n", problems));
        }
    }

    // ---- the daemon's state files (as io.ucryptfs.cli.StateFiles names them) ----

    static Path stateFile(Path mnt, String suffix) {
        String xdg = System.getenv("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state");
        String s = mnt.toAbsolutePath().normalize().toString();
        String key = s.equals("/") ? "root" : s.substring(1).replaceAll("[^A-Za-z0-9._-]", "_");
        return base.resolve("ucryptfs").resolve(key + suffix);
    }

    static long daemonPid(Path mnt) throws IOException {
        Path pid = stateFile(mnt, ".pid");
        assertTrue(Files.isRegularFile(pid), "no pid file " + pid);
        return Long.parseLong(Files.readString(pid).trim());
    }

    /** The tail of the daemon's log, for failure messages. */
    static String log(Path mnt) {
        try {
            List<String> lines = Files.readAllLines(stateFile(mnt, ".log"));
            return "\n--- daemon log (last 40 lines) ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
