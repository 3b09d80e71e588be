package io.ucryptfs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The command line mount(8) gives a FUSE helper for {@code mount -t fuse.ucryptfs LOWER MOUNTPOINT -o
 * OPTS} (and fstab lines): {@code ucryptfs LOWER MOUNTPOINT -o OPTS}. Turned into our own
 * {@code mount} command: our options by name ({@code passfile=F}, {@code keyfile=F}, {@code token=URI}, {@code pinfile=F}, {@code ecryptfs}, {@code fnek},
 * {@code key_bytes=N}, {@code wrapped_passphrase=F}, {@code cache_size=S}, {@code lock_open_files},
 * {@code token_poll=MS}, {@code ro},
 * {@code allow_other}, {@code nonempty}), mount(8)'s own words dropped, anything else passed to FUSE.
 */
final class MountHelperArgs {
    private MountHelperArgs() {}

    /** Options mount(8) and fstab use that are not for the filesystem. */
    private static final Set<String> MOUNT_WORDS = Set.of("rw", "defaults", "auto", "noauto", "user", "users",
            "nouser", "owner", "group", "_netdev", "nofail", "dev", "nodev", "suid", "nosuid", "exec", "noexec");

    /** Options that need "=value". */
    private static final Set<String> VALUED = Set.of("passfile", "keyfile", "token", "pinfile", "wrapped_passphrase", "key_bytes", "salt",
            "cache_size", "config", "token_poll");

    /** Whether {@code args} look like mount(8)'s helper call rather than a subcommand. */
    static boolean applies(String[] args, Set<String> subcommands) {
        return args.length >= 2 && !args[0].startsWith("-") && !subcommands.contains(args[0])
                && !args[1].startsWith("-");
    }

    static String[] translate(String[] args) {
        List<String> out = new ArrayList<>(List.of("mount", args[0], args[1]));
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("-o") && i + 1 < args.length) {
                for (String opt : args[++i].split(",")) {
                    option(opt.trim(), out);
                }
            } else if (args[i].startsWith("-o") && args[i].length() > 2) {
                for (String opt : args[i].substring(2).split(",")) {
                    option(opt.trim(), out);
                }
            } else {
                out.add(args[i]); // e.g. -f, -v from mount(8): passed on; picocli will say if unknown
            }
        }
        return out.toArray(new String[0]);
    }

    private static void option(String opt, List<String> out) {
        if (opt.isEmpty() || MOUNT_WORDS.contains(opt) || opt.startsWith("x-")) {
            return;
        }
        int eq = opt.indexOf('=');
        String name = eq < 0 ? opt : opt.substring(0, eq);
        String value = eq < 0 ? null : opt.substring(eq + 1);
        if (value == null && VALUED.contains(name)) {
            out.add("--" + name.replace('_', '-')); // without its value: the parser says so
            return;
        }
        switch (name) {
            case "passfile" -> out.addAll(List.of("--passfile", value));
            case "keyfile" -> out.addAll(List.of("--keyfile", value));
            case "token" -> out.addAll(List.of("--token", value));
            case "pinfile" -> out.addAll(List.of("--pin-file", value));
            case "wrapped_passphrase" -> out.addAll(List.of("--wrapped-passphrase", value));
            case "key_bytes" -> out.addAll(List.of("--key-bytes", value));
            case "salt" -> out.addAll(List.of("--salt", value));
            case "cache_size" -> out.addAll(List.of("--cache-size", value));
            case "config" -> out.addAll(List.of("--config", value));
            case "token_poll" -> out.addAll(List.of("--token-poll", value));
            case "lock_open_files" -> out.add("--lock-open-files");
            case "ecryptfs" -> out.add("--ecryptfs");
            case "fnek" -> out.add("--fnek");
            case "no_fnek" -> out.add("--no-fnek");
            case "passthrough" -> out.add("--passthrough");
            case "ro" -> out.add("--ro");
            case "allow_other" -> out.add("--allow-other");
            case "nonempty" -> out.add("--nonempty");
            default -> out.addAll(List.of("-o", opt));
        }
    }
}
