package io.ucryptfs.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where passphrases come from: a file ({@code --passfile}, its first line), the terminal without echo,
 * or standard input when it is not a terminal (its first line). Returned as char arrays the caller
 * wipes; never logged.
 */
public final class Passphrases {
    private Passphrases() {}

    /** Reads one passphrase: from {@code passfile} if given, else the terminal (prompting), else stdin. */
    public static char[] read(Path passfile, String prompt) throws IOException {
        if (passfile != null) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(passfile);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IOException(passfile + ": no such file", e);
            } catch (java.nio.file.AccessDeniedException e) {
                throw new IOException(passfile + ": permission denied", e);
            } catch (IOException e) {
                throw new IOException(passfile + ": " + e.getMessage(), e);
            }
            return firstLine(bytes, passfile.toString());
        }
        Console c = System.console();
        if (c != null) {
            char[] p = c.readPassword("%s", prompt);
            if (p == null) {
                throw new IOException("no passphrase given (end of input)");
            }
            return p;
        }
        return firstLine(readLine(System.in), "standard input");
    }

    /** A new passphrase: asked twice on a terminal; from a file or stdin once. Empty is refused. */
    public static char[] readNew(Path passfile, String prompt) throws IOException {
        char[] p = read(passfile, prompt);
        if (p.length == 0) {
            throw new IOException("an empty passphrase is not allowed");
        }
        Console c = System.console();
        if (passfile == null && c != null) {
            char[] again = c.readPassword("%s", "Repeat: ");
            boolean same = again != null && Arrays.equals(p, again);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (!same) {
                Arrays.fill(p, '\0');
                throw new IOException("the two passphrases differ");
            }
        }
        return p;
    }

    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            out.write(b);
        }
        byte[] line = out.toByteArray();
        if (line.length == 0 && b < 0) {
            throw new IOException("no passphrase on standard input");
        }
        return line;
    }

    /** The first line of {@code bytes} (without CR/LF) as chars; wipes {@code bytes}. */
    static char[] firstLine(byte[] bytes, String source) throws IOException {
        try {
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            if (end > 0 && bytes[end - 1] == '\r') {
                end--;
            }
            CharBuffer cb = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, end));
            char[] out = Arrays.copyOfRange(cb.array(), cb.position(), cb.limit());
            Arrays.fill(cb.array(), '\0');
            return out;
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
