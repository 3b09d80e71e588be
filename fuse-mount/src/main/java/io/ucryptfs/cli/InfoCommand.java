package io.ucryptfs.cli;

import io.ucryptfs.core.format.FormatException;
import io.ucryptfs.core.format.ecryptfs.EcryptfsHeader;
import io.ucryptfs.core.format.ecryptfs.KeyPacket;
import io.ucryptfs.core.fs.LowerProbe;
import io.ucryptfs.core.keys.KeyRing;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ucryptfs info LOWERFILE...}: what the eCryptfs header of each lower file says, one block a
 * file, without any key; with key options, also whether a key we hold opens it. A file that is not an
 * eCryptfs file, or whose header is damaged, gets one line with the reason and makes the exit code 1.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Describe eCryptfs lower files: header, sizes, cipher and key packets. Needs no key; "
            + "with key options, also says whether a key held opens each file.")
public final class InfoCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "LOWERFILE", description = "Lower (encrypted) files.")
    List<Path> files = new ArrayList<>();

    @Mixin
    KeyOptions keys;

    @Option(names = "--verbose", description = "Show detail on errors.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Logging.configure(null, verbose);
        KeyRing ring = null;
        if (keys.anyKeySource()) {
            Path dir = files.get(0).toAbsolutePath().normalize().getParent();
            ring = keys.resolve(dir).build().keys();
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int bad = 0;
        try {
            for (Path f : files) {
                if (!describe(f, ring, out, err)) {
                    bad++;
                }
            }
        } finally {
            if (ring != null) {
                ring.destroy();
            }
        }
        out.flush();
        return bad == 0 ? 0 : UserError.FAILURE;
    }

    /** Prints one file's block; false (and one line on stderr) when it is not a readable eCryptfs file. */
    private boolean describe(Path f, KeyRing ring, PrintWriter out, PrintWriter err) {
        LowerProbe.Inspection in;
        try {
            if (Files.isDirectory(f)) {
                throw new FormatException("a directory, not a lower file");
            }
            in = LowerProbe.inspect(f);
        } catch (NoSuchFileException e) {
            return failed(err, f, "no such file", e);
        } catch (AccessDeniedException e) {
            return failed(err, f, "permission denied", e);
        } catch (FileSystemException e) {
            return failed(err, f, e.getReason() != null ? e.getReason() : e.toString(), e);
        } catch (IOException e) {
            return failed(err, f, e.getMessage() != null ? e.getMessage() : e.toString(), e);
        } catch (FormatException e) {
            return failed(err, f, e.getMessage(), e);
        }
        EcryptfsHeader h = in.header();
        out.println(f + ":");
        out.println("  format:         eCryptfs version " + h.version() + ", header "
                + (in.inXattr() ? "in the user.ecryptfs xattr" : "at the front of the file"));
        out.println("  flags:          0x" + String.format("%06x", h.flags()) + " (" + flagNames(h) + ")");
        out.println("  plaintext size: " + in.plaintextSize() + " bytes");
        out.println("  lower size:     " + in.lowerSize() + " bytes, " + (in.complete()
                ? "complete"
                : "INCOMPLETE (" + in.expectedLowerSize() + " bytes needed)"));
        out.println("  header size:    " + h.headerSize() + " bytes" + (in.inXattr() ? " (not in the file: data starts at 0)" : ""));
        int i = 0;
        boolean opens = false;
        for (KeyPacket p : h.packets()) {
            i++;
            String held = "";
            if (ring != null) {
                boolean mine = p instanceof KeyPacket.PassphraseWrapped
                        ? ring.fileKey(p.signature()).isPresent() : ring.privateKey(p.signature()).isPresent();
                opens |= mine;
                held = mine ? (p instanceof KeyPacket.PassphraseWrapped ? ", opens with key " : ", opens with token key ")
                        + p.signature()
                        : ring.publicKeySignatures().contains(p.signature())
                        ? ", the vault's token key: not held (give its PIN: --pin-file FILE, or --token URI)"
                        : ", no key held";
            }
            out.println("  key packet " + i + ":   " + describe(p) + held);
        }
        if (h.packets().isEmpty()) {
            out.println("  key packets:    none");
        }
        if (ring != null) {
            out.println("  opens:          " + (opens ? "yes" : "no (no key held for it)"));
        }
        return true;
    }

    private static String describe(KeyPacket p) {
        if (p instanceof KeyPacket.PassphraseWrapped pw) {
            return "tag 3 (passphrase), AES-" + pw.fekBytes() * 8 + ", signature " + pw.signature();
        }
        KeyPacket.PublicKeyWrapped pk = (KeyPacket.PublicKeyWrapped) p;
        return "tag 1 (public key, algorithm " + pk.algorithm() + (pk.algorithm() == 1 ? " RSA" : "")
                + "; cipher inside the wrapped key), signature " + pk.signature();
    }

    private static String flagNames(EcryptfsHeader h) {
        List<String> names = new ArrayList<>();
        if ((h.flags() & EcryptfsHeader.FLAG_ENCRYPTED) != 0) {
            names.add("encrypted");
        }
        if (h.encryptedNames()) {
            names.add("names encrypted");
        }
        if (h.metadataInXattr()) {
            names.add("header in xattr");
        }
        if ((h.flags() & EcryptfsHeader.FLAG_ENABLE_HMAC) != 0) {
            names.add("hmac");
        }
        return String.join(", ", names);
    }

    private boolean failed(PrintWriter err, Path f, String reason, Exception e) {
        spec.commandLine().getOut().flush();
        err.println("ucryptfs: " + f + ": " + reason);
        if (verbose) {
            e.printStackTrace(err);
        }
        return false;
    }
}
