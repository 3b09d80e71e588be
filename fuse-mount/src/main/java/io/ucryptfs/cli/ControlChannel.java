package io.ucryptfs.cli;

import io.ucryptfs.core.fs.EcryptfsFileSystem;
import io.ucryptfs.core.fs.MountLock;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.WrongPassphraseException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Arrays;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mount daemon's control socket: a Unix domain socket in the state directory (0700), mode 0600,
 * made at mount and removed at unmount. Only the daemon's own user and root may use it (the peer's uid
 * from SO_PEERCRED). One request per connection: the client writes it and shuts its side down; the
 * daemon answers one line and closes.
 *
 * <pre>
 * status                                  → OK unlocked|locked open-files=N cut-off=M [locked-by=REASON]
 * lock                                    → OK locked ...
 * lock-open-files                         → OK locked ... | ERR 1 ... (files that could not be written back)
 * unlock vault-key\nHEX\n                 → OK unlocked | ERR 2 wrong passphrase
 * unlock passphrase\nPASSPHRASE\n         → (for bare eCryptfs directories and wrapped passphrases)
 * </pre>
 *
 * The secret of an unlock is what a mount's front process gives its daemon ({@link KeyOptions#daemonSecret});
 * it is read as bytes into one buffer and wiped once the keys are derived. Nothing is ever prompted for.
 */
final class ControlChannel implements AutoCloseable, TokenLock.Target {
    private static final Logger log = LoggerFactory.getLogger(ControlChannel.class);
    /** The largest request: a command line and a passphrase line. */
    static final int MAX_REQUEST = 8192;

    /** Turns an unlock secret into the keys, as the daemon opened them at mount. */
    interface Unlocker {
        KeyRing keys(char[] secret, boolean vaultKey) throws UserError, IOException;
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final EcryptfsFileSystem fs;
    private final Unlocker unlocker;
    private final UserPrincipal owner;
    private final UserPrincipal root;
    private final Thread acceptor;
    private final Runnable afterLock;
    /** Why the mount is locked ({@link #BY_COMMAND}, or the token watch's reason); null when unlocked. */
    private String lockedBy;

    static final String BY_COMMAND = "lock-command";

    private ControlChannel(Path socket, ServerSocketChannel server, EcryptfsFileSystem fs, Unlocker unlocker,
            UserPrincipal owner, UserPrincipal root, Runnable afterLock) {
        this.afterLock = afterLock;
        this.socket = socket;
        this.server = server;
        this.fs = fs;
        this.unlocker = unlocker;
        this.owner = owner;
        this.root = root;
        this.acceptor = new Thread(this::acceptLoop, "ucryptfs-control");
        this.acceptor.setDaemon(true);
    }

    /** Binds the socket at {@code socket} (a stale one from a killed daemon is replaced) and serves it. */
    static ControlChannel start(Path socket, EcryptfsFileSystem fs, Unlocker unlocker) throws IOException {
        return start(socket, fs, unlocker, () -> { });
    }

    /**
     * @param afterLock run after each lock, outside every lock of ours (the mount drops the kernel's
     *     cached plaintext pages there)
     */
    static ControlChannel start(Path socket, EcryptfsFileSystem fs, Unlocker unlocker, Runnable afterLock) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            // the directory is 0700 already, so nobody else could reach it before this
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            UserPrincipal owner = Files.getOwner(socket);
            UserPrincipal root = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root");
            ControlChannel c = new ControlChannel(socket, server, fs, unlocker, owner, root, afterLock);
            c.acceptor.start();
            return c;
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(socket);
            throw e;
        }
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.warn("control socket: {}", e.getMessage());
                }
                return;
            }
            // one thread per connection: a client that never finishes its request holds up only itself
            Thread t = new Thread(() -> serve(ch), "ucryptfs-control-request");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(SocketChannel ch) {
        ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST);
        try (ch) {
            UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (!peer.user().equals(owner) && !peer.user().equals(root)) {
                log.warn("control socket: refused a request from user {}", peer.user().getName());
                reply(ch, "ERR 1 not allowed: only the user who mounted (or root) may control this mount");
                return;
            }
            while (in.hasRemaining() && ch.read(in) >= 0) {
                // until the client shuts down its side
            }
            reply(ch, handle(in.array(), in.position()));
        } catch (IOException e) {
            log.warn("control socket: {}", e.getMessage());
        } finally {
            Arrays.fill(in.array(), (byte) 0);
        }
    }

    /** One request, to its one-line answer. Synchronized: lock and unlock run one at a time. */
    synchronized String handle(byte[] req, int len) {
        int nl = indexOf(req, len, 0);
        String command = new String(req, 0, nl < 0 ? len : nl, StandardCharsets.US_ASCII).trim();
        switch (command) {
            case "status":
                return status();
            case "lock":
            case "lock-open-files": {
                MountLock.Result r = lockNoting(BY_COMMAND, command.equals("lock-open-files"));
                if (!r.notCutOff().isEmpty()) {
                    return "ERR 1 locked, but " + r.notCutOff().size() + " open file(s) could not be written back and "
                            + "were left open with their keys (see the daemon's log)";
                }
                return "OK locked" + (command.equals("lock") ? "; files open now keep working until closed"
                        : "; " + r.cutOff() + " open file(s) cut off");
            }
            case "unlock vault-key":
            case "unlock passphrase":
                return unlock(req, nl + 1, len, command.endsWith("vault-key"));
            default:
                return "ERR 1 unknown request: " + (command.length() > 40 ? command.substring(0, 40) + "..." : command);
        }
    }

    private String status() {
        MountLock.Status s = fs.keyStatus();
        return "OK " + (s.locked() ? "locked" : "unlocked") + " open-files=" + s.openFiles() + " cut-off=" + s.cutOff()
                + (s.locked() && lockedBy != null ? " locked-by=" + lockedBy : "");
    }

    /** Locks, noting why unless the mount was locked already (the first reason stays until unlock). */
    private MountLock.Result lockNoting(String reason, boolean openFiles) {
        boolean was = fs.keyStatus().locked();
        MountLock.Result r = fs.lock(openFiles);
        if (!was || lockedBy == null) {
            lockedBy = reason;
        }
        try {
            afterLock.run();
        } catch (RuntimeException e) {
            log.warn("after the lock: {}", e.toString());
        }
        return r;
    }

    /** A lock from inside the daemon (the token watch), one at a time with the socket's requests. */
    @Override
    public synchronized void lock(String reason, boolean openFiles) {
        lockNoting(reason, openFiles);
    }

    @Override
    public boolean locked() {
        return fs.keyStatus().locked();
    }

    private String unlock(byte[] req, int from, int len, boolean vaultKey) {
        if (from <= 0) {
            return "ERR 1 unlock: no passphrase sent";
        }
        int end = indexOf(req, len, from);
        end = end < 0 ? len : end;
        // bytes to chars without a String (which could not be wiped)
        CharBuffer decoded = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(req, from, end - from));
        char[] secret = new char[decoded.remaining()];
        decoded.get(secret);
        Arrays.fill(decoded.array(), '\0');
        try {
            KeyRing keys = unlocker.keys(secret, vaultKey);
            try {
                boolean done = fs.unlock(keys);
                lockedBy = null;
                return done ? "OK unlocked" : "OK already unlocked";
            } catch (WrongPassphraseException e) {
                log.warn("control socket: unlock refused: the keys given are not this mount's");
                return "ERR 2 wrong passphrase";
            }
        } catch (UserError e) {
            log.warn("control socket: unlock refused: {}", e.getMessage());
            return "ERR " + e.exitCode() + " " + (e.exitCode() == UserError.WRONG_KEY ? "wrong passphrase" : e.getMessage());
        } catch (IOException | RuntimeException e) {
            log.warn("control socket: unlock failed: {}", e.toString());
            return "ERR 1 unlock failed: " + e.getMessage();
        } finally {
            Arrays.fill(secret, '\0');
        }
    }

    private static int indexOf(byte[] b, int len, int from) {
        for (int i = from; i < len; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void reply(SocketChannel ch, String line) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            ch.write(out);
        }
    }

    /** Stops serving and removes the socket (unmount). */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("control socket close: {}", e.getMessage());
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.warn("could not remove the control socket {}: {}", socket, e.getMessage());
        }
    }

    // ---- the client side ----

    /**
     * Sends one request to the daemon of the mount whose socket is {@code socket} and returns its answer
     * line. {@code secret} (may be null) follows the command on its own line; the caller wipes it.
     */
    static String request(Path socket, String command, char[] secret) throws UserError, IOException {
        if (!Files.exists(socket)) {
            throw new UserError("no control socket " + socket + " (is the mount's daemon running? a mount made by an "
                    + "older version has none)");
        }
        byte[] out = null;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            byte[] cmd = (command + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] sec = secret == null ? new byte[0] : io.ucryptfs.core.keys.Secrets.utf8(secret);
            out = new byte[cmd.length + sec.length + (secret == null ? 0 : 1)];
            System.arraycopy(cmd, 0, out, 0, cmd.length);
            System.arraycopy(sec, 0, out, cmd.length, sec.length);
            if (secret != null) {
                out[out.length - 1] = '\n';
            }
            Arrays.fill(sec, (byte) 0);
            if (out.length > MAX_REQUEST) {
                throw new UserError("the passphrase is too long");
            }
            ByteBuffer b = ByteBuffer.wrap(out);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.shutdownOutput();
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (in.hasRemaining() && ch.read(in) >= 0) {
                // to the end of the answer
            }
            String answer = new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).trim();
            if (answer.isEmpty()) {
                throw new UserError("the mount's daemon gave no answer");
            }
            return answer;
        } catch (java.net.SocketException e) {
            throw new UserError("cannot reach the mount's daemon at " + socket + ": " + e.getMessage());
        } finally {
            if (out != null) {
                Arrays.fill(out, (byte) 0);
            }
        }
    }
}
