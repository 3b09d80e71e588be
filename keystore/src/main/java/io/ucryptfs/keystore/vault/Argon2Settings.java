package io.ucryptfs.keystore.vault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Argon2id's cost: memory in KiB, passes, lanes. New protectors get {@link #forNewProtector()}:
 * {@link #calibrate()} unless the system property {@value #PROPERTY} or the environment variable
 * {@value #ENV} gives {@code m=KIB,t=N,p=N} (for tests, which want small values, and for machines
 * where the calibration's guess is wrong).
 */
record Argon2Settings(int memoryKiB, int iterations, int parallelism) {
    static final String PROPERTY = "ucryptfs.argon2";
    static final String ENV = "UCRYPTFS_ARGON2";
    /** What calibration aims for. */
    static final int TARGET_MEMORY_KIB = 256 * 1024;
    static final long TARGET_MILLIS = 1000;
    /** Limits of stored values: a damaged or hostile config must not ask for more. */
    static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;
    static final int MAX_ITERATIONS = 64;
    static final int MAX_PARALLELISM = 16;
    /** Calibration never goes below this much memory (RFC 9106's second choice is 64 MiB; OWASP's floor 19 MiB). */
    static final int MIN_MEMORY_KIB = 19 * 1024;

    private static final Pattern SPEC = Pattern.compile("m=(\\d{1,9}),t=(\\d{1,3}),p=(\\d{1,2})");

    Argon2Settings {
        if (parallelism < 1 || parallelism > MAX_PARALLELISM || iterations < 1 || iterations > MAX_ITERATIONS
                || memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("Argon2id settings out of range: " + memoryKiB + " KiB, "
                    + iterations + " passes, " + parallelism + " lanes");
        }
    }

    /** The settings for a new protector: the override when given, else {@link #calibrate()}. */
    static Argon2Settings forNewProtector() throws VaultException {
        String spec = System.getProperty(PROPERTY);
        String from = "-D" + PROPERTY;
        if (spec == null || spec.isBlank()) {
            spec = System.getenv(ENV);
            from = ENV;
        }
        if (spec == null || spec.isBlank()) {
            return calibrate();
        }
        Matcher m = SPEC.matcher(spec.strip());
        try {
            if (m.matches()) {
                return new Argon2Settings(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3)));
            }
        } catch (IllegalArgumentException e) {
            throw new VaultException(from + ": " + e.getMessage());
        }
        throw new VaultException(from + " must be m=KIB,t=PASSES,p=LANES, e.g. m=65536,t=3,p=1");
    }

    /**
     * Settings that take about {@link #TARGET_MILLIS} on this machine: memory {@link #TARGET_MEMORY_KIB}
     * or what the JVM's heap and the machine's available memory allow (halved while one pass takes
     * over twice the target), one lane (Bouncy Castle fills lanes one after another, so more lanes
     * would not be faster here), then as many passes as fit in the target, at least one.
     */
    static Argon2Settings calibrate() throws VaultException {
        int memory = (int) Math.max(MIN_MEMORY_KIB, Math.min(TARGET_MEMORY_KIB, memoryBudgetKiB()));
        memory -= memory % 1024;
        for (int i = 0; i < 3; i++) {
            time(new Argon2Settings(8192, 1, 1)); // warm the JIT so the timing below is not of the interpreter
        }
        long ms = time(new Argon2Settings(memory, 1, 1));
        while (ms > 2 * TARGET_MILLIS && memory / 2 >= 64 * 1024) {
            memory /= 2;
            ms = time(new Argon2Settings(memory, 1, 1));
        }
        int passes = (int) Math.max(1, Math.min(MAX_ITERATIONS, TARGET_MILLIS / Math.max(1, ms)));
        return new Argon2Settings(memory, passes, 1);
    }

    /** Memory Argon2 may take: 3/4 of the heap not in use, at most half of MemAvailable. */
    static long memoryBudgetKiB() {
        Runtime r = Runtime.getRuntime();
        long heapFree = r.maxMemory() - (r.totalMemory() - r.freeMemory());
        long budget = heapFree / 4 * 3 / 1024;
        long available = memAvailableKiB();
        if (available > 0) {
            budget = Math.min(budget, available / 2);
        }
        return budget;
    }

    private static long memAvailableKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or unreadable: the heap alone decides
        }
        return -1;
    }

    private static long time(Argon2Settings s) throws VaultException {
        byte[] salt = new byte[Argon2Protector.SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        long t0 = System.nanoTime();
        io.ucryptfs.core.keys.Secrets.wipe(Argon2Protector.derive(new char[] {'x'}, salt, s, "calibrating Argon2id"));
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Override
    public String toString() {
        return "argon2id " + (memoryKiB % 1024 == 0 ? memoryKiB / 1024 + " MiB" : memoryKiB + " KiB") + ", "
                + iterations + (iterations == 1 ? " pass, " : " passes, ") + parallelism + (parallelism == 1 ? " lane" : " lanes");
    }
}
