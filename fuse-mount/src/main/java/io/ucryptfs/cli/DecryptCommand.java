package io.ucryptfs.cli;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.fs.TreeExport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ucryptfs decrypt LOWER OUTDIR}: restores the whole plaintext tree of a lower directory into a
 * plain directory, without FUSE: names, contents, symlinks, modes and times. Entries that fail are
 * listed at the end and make the exit code 1; the rest is still restored. A wrong passphrase exits 2
 * before anything is written.
 */
@Command(name = "decrypt", mixinStandardHelpOptions = true,
        description = "Decrypt the whole tree of LOWER into OUTDIR, without mounting: names, contents, symlinks, "
            + "modes and modification times. Files that fail are listed at the end (exit 1); the rest is restored.")
public final class DecryptCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "LOWER", description = "The lower (encrypted) directory.")
    Path lower;

    @Parameters(index = "1", paramLabel = "OUTDIR", description = "Where the plaintext goes: a new or empty directory (created mode 0700; it takes the mode and times of the tree's root once the copy is done).")
    Path outDir;

    @Mixin
    KeyOptions keys;

    @Option(names = "--verbose", description = "Log details (every failure as it happens, stack traces).")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        lower = lower.toAbsolutePath().normalize();
        outDir = outDir.toAbsolutePath().normalize();
        Logging.configure(null, verbose);
        if (!verbose) {
            // failures are collected and listed at the end; the engine's warnings would say them twice
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.ucryptfs.core"))
                    .setLevel(ch.qos.logback.classic.Level.ERROR);
        }
        checkPlaces();
        CryptFileSystem fs;
        io.ucryptfs.core.fs.MountOptions options = keys.resolve(lower).readOnly(true)
                .lowerHandles(io.ucryptfs.fuse.ProcFdLowerHandles.create()).build();
        try {
            fs = EcryptfsFileSystem.open(lower, options);
        } catch (FsException e) {
            options.keys().destroy();
            throw new UserError(UserError.FAILURE, e.getMessage(), e);
        }
        PrintWriter err = spec.commandLine().getErr();
        TreeExport.Result r;
        try {
            Files.createDirectories(outDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            r = System.console() != null ? withProgressBar(fs) : TreeExport.export(fs, outDir, new TreeExport.Progress() {});
        } finally {
            fs.close();
            options.keys().destroy(); // wipes the keys, and ends a token key's session (and so its login)
        }
        err.println("ucryptfs: decrypted " + r.files() + " files (" + r.bytes() + " bytes), " + r.directories()
                + " directories and " + r.symlinks() + " symlinks into " + outDir);
        if (r.failures().isEmpty()) {
            return 0;
        }
        int n = r.failures().size();
        err.println(n + (n == 1 ? " file" : " files") + " could not be decrypted:");
        for (TreeExport.Failure f : r.failures()) {
            err.println("  " + f.path() + ": " + f.reason());
        }
        return UserError.FAILURE;
    }

    private TreeExport.Result withProgressBar(CryptFileSystem fs) {
        TreeExport.Totals t = TreeExport.totals(fs);
        try (ProgressBar bar = new ProgressBarBuilder()
                .setTaskName("Decrypting")
                .setInitialMax(t.bytes())
                .setUnit(t.bytes() >= 10L << 20 ? " MiB" : " KiB", t.bytes() >= 10L << 20 ? 1L << 20 : 1L << 10)
                .setStyle(ProgressBarStyle.ASCII)
                .showSpeed()
                .build()) {
            return TreeExport.export(fs, outDir, new TreeExport.Progress() {
                @Override
                public void bytes(long n) {
                    bar.stepBy(n);
                }

                @Override
                public void entry(String path) {
                    String name = path.substring(path.lastIndexOf('/') + 1);
                    bar.setExtraMessage(" " + (name.length() > 30 ? name.substring(0, 29) + "…" : name));
                }
            });
        }
    }

    private void checkPlaces() throws UserError, IOException {
        if (!Files.isDirectory(lower)) {
            throw new UserError(lower + ": no such directory");
        }
        if (outDir.startsWith(lower)) {
            throw new UserError(outDir + " is inside the lower directory " + lower + "; choose an OUTDIR outside it");
        }
        if (Files.exists(outDir)) {
            if (!Files.isDirectory(outDir)) {
                throw new UserError(outDir + " exists and is not a directory");
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(outDir)) {
                if (ds.iterator().hasNext()) {
                    throw new UserError(outDir + " is not empty; give a new or empty directory");
                }
            }
        }
    }
}
