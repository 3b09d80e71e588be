package io.ucryptfs.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options the mount daemon is started with ({@link MountCommand} runs it as a child process):
 * heap and collector sized for a FUSE daemon on a small machine. One concern, kept out of the command.
 */
final class DaemonJvm {
    private DaemonJvm() {}

    /**
     * A daemon's JVM sized for what it holds: the page cache plus room for open files, names and
     * the kernel's inodes,
     * the serial collector (small heap, two cores), a small code cache. Without this the JVM sizes
     * its heap from the machine's memory (a quarter of it) and the daemon's RSS grows past 300 MiB.
     * The incubating Vector API lets core derive a run of extent IVs in SIMD lanes (its one-line
     * warning goes to the daemon's log; `--fg` runs without it, on the JDK's MD5). C2 compiling that
     * SIMD code takes ~150 MiB of native memory for a moment, which glibc keeps: the daemon's RSS
     * stayed at 250 MiB after its first large write instead of 100; the JVM's periodic
     * {@code malloc_trim} (TrimNativeHeapInterval, JDK 17.0.9 and later) gives it back (measured:
     * 156 MiB at the end of a 1 GiB write, read and an untar). UCRYPTFS_DAEMON_JAVA_OPTS replaces these.
     */
    static List<String> options(long cacheBytes) {
        String custom = System.getenv("UCRYPTFS_DAEMON_JAVA_OPTS");
        if (custom != null && !custom.isBlank()) {
            return List.of(custom.trim().split("\\s+"));
        }
        // the cache, plus what the kernel's inodes cost us: a node per name it holds (NodeTable, ~200
        // bytes each; a walk of a 1,000,000-file tree keeps that many until the kernel forgets them).
        // The heap grows only as far as it is used, and gives memory back after a full collection.
        long heapMiB = (cacheBytes >> 20) + 256;
        List<String> o = new ArrayList<>(List.of("-Xms128m", "-Xmx" + heapMiB + "m", "-XX:+UseSerialGC",
                // the collector's pauses in an untar of 29,124 files (tmpfs lower, jstat; every request waits
                // for them): with 14-28 MiB of eden and an old generation grown 10% at a time, 49-67 young and
                // 2-3 full collections, 0.53-0.55 s a 9-10 s untar (0.9 s in a mount's first); with a fixed
                // 64 MiB young generation, long-lived nodes promoted after 2 collections and the old
                // generation grown 40% at a time, 22 young and 0-1 full, 0.2-0.3 s. Creates of 4 KiB files
                // on a mount holding 100,000 nodes: 158-181 us a file instead of 213-241. RSS: eden is
                // touched whole; 203 MiB, peak 215, after 1 GiB written and read, cp -a /usr/share/doc and
                // the untar, against 142 / 152 before: under the 256 MiB target (docs/performance.md)
                "-Xmn64m", "-XX:MaxTenuringThreshold=2", "-XX:MinHeapFreeRatio=40", "-XX:MaxHeapFreeRatio=70",
                "-XX:ReservedCodeCacheSize=48m", "-XX:MaxMetaspaceSize=96m", "-Xss512k", "--add-modules=jdk.incubator.vector",
                // less inlining: C2 compiled 13 s instead of 20 over an fsbench-like sequence on 2 cores,
                // and the second and third rounds of 5,000 creates of a fresh daemon took 0.7-0.95 s
                // instead of 0.9-1.2 (docs/performance.md)
                "-XX:InlineSmallCode=1000", "-XX:MaxInlineLevel=6",
                // lower stats through the JDK's own file attributes (core's UnixStat), not the string-keyed view,
                // and times set through an open file's descriptor (core's DescriptorTimes)
                "--add-opens=java.base/sun.nio.fs=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
        if (jvmHas("TrimNativeHeapInterval")) { // the daemon runs on this same JVM
            o.add("-XX:TrimNativeHeapInterval=5000");
        }
        return o;
    }

    /**
     * Whether this JVM knows the -XX option {@code name} (getVMOption throws IllegalArgumentException for
     * an unknown one; a JVM without the HotSpot bean: no). The daemon is started without options its
     * JVM would refuse.
     */
    private static boolean jvmHas(String name) {
        try {
            java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption(name);
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | NullPointerException e) {
            return false;
        }
    }
}
