package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A python3 process holding one file open read-write across a lock, doing what it is told line by
 * line ({@code write OFF TEXT}, {@code fsync}, {@code read OFF LEN}, {@code pread OFF LEN} (hex, through
 * the page cache), {@code open PATH}) and answering
 * {@code ok}, {@code data ...} or {@code err ERRNO}.
 */
final class Holder implements AutoCloseable {
    static final String SCRIPT = """
            import os, sys
            fd = os.open(sys.argv[1], os.O_RDWR)
            print('ready', flush=True)
            for line in sys.stdin:
                cmd = line.split()
                try:
                    if cmd[0] == 'write':
                        os.pwrite(fd, cmd[2].encode(), int(cmd[1])); print('ok', flush=True)
                    elif cmd[0] == 'fsync':
                        os.fsync(fd); print('ok', flush=True)
                    elif cmd[0] == 'read':
                        # drop the kernel's cached pages of this file first, so the read reaches the daemon
                        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                        print('data ' + os.pread(fd, int(cmd[2]), int(cmd[1])).decode(), flush=True)
                    elif cmd[0] == 'pread':
                        # as the kernel's page cache has it, if it has it
                        print('data ' + os.pread(fd, int(cmd[2]), int(cmd[1])).hex(), flush=True)
                    elif cmd[0] == 'open':
                        os.close(os.open(cmd[1], os.O_RDONLY)); print('ok', flush=True)
                except OSError as e:
                    print('err %d' % e.errno, flush=True)
            """;

    final Process p;
    final PrintWriter in;
    final BufferedReader out;

    Holder(Path file) throws IOException {
        p = new ProcessBuilder("python3", "-c", SCRIPT, file.toString()).redirectErrorStream(true).start();
        in = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8);
        out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
    }

    String ask(String command) throws IOException {
        in.println(command);
        String line = out.readLine();
        return line == null ? "<python exited>" : line;
    }

    /** Closes the file (ends python3 normally) and waits for it. */
    void release() throws InterruptedException {
        in.close();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** The errno python3's open(PATH, MODE) gets, or 0. */
    static int errnoOf(String mode, Path path) throws Exception {
        Cmd.Result r = Cmd.python("import sys\ntry:\n    open(sys.argv[1], sys.argv[2]).close()\n    print(0)\n"
                + "except OSError as e:\n    print(e.errno)\n", path.toString(), mode);
        return Integer.parseInt(r.out().trim());
    }
}
