package io.ucryptfs.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ucryptfs} command: one subcommand a class. */
@Command(name = "ucryptfs", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "An encrypting filesystem in user space that reads and writes the eCryptfs format.",
        subcommands = {InitCommand.class, MountCommand.class, UmountCommand.class, InfoCommand.class,
            DecryptCommand.class, ProtectorCommand.class, FileKeysCommand.class, PasswdCommand.class, RecoverCommand.class, LockCommands.Lock.class,
            LockCommands.Unlock.class, LockCommands.Status.class, CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line; returns the exit code (for tests). */
    public static int run(String... args) {
        // quiet on the terminal before any command runs: without this, commands that do not set up
        // logging themselves (protector, passwd, recover, file-keys) got Logback's default, DEBUG on
        // stdout (the PKCS#11 wrapper's lines among them). mount, info, decrypt set it up again.
        Logging.configure(null, false);
        CommandLine cl = new CommandLine(new Main());
        if (MountHelperArgs.applies(args, cl.getSubcommands().keySet())) {
            args = MountHelperArgs.translate(args);
        }
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = parsed.hasMatchedOption("--verbose") || parsed.subcommands().stream()
                    .anyMatch(p -> p.hasMatchedOption("--verbose"));
            if (ex instanceof UserError u) {
                cmd.getErr().println("ucryptfs: " + u.getMessage());
                if (verbose && u.getCause() != null) {
                    u.getCause().printStackTrace(cmd.getErr());
                }
                return u.exitCode();
            }
            cmd.getErr().println("ucryptfs: " + (ex.getMessage() != null ? ex.getMessage() : ex.toString()));
            if (verbose) {
                ex.printStackTrace(cmd.getErr());
            }
            return UserError.FAILURE;
        });
        return cl.execute(args);
    }
}
