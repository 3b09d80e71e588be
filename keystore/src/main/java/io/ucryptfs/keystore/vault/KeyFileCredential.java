package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.AtomicFiles;
import io.ucryptfs.core.keys.Secrets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * The contents of a key file: at least {@link #MIN_BYTES} bytes (a new one gets {@link #NEW_BYTES}
 * random bytes), at most {@link #MAX_BYTES}. Held in an array that {@link #destroy()} wipes.
 */
public final class KeyFileCredential extends SecretBytes implements Credential {
    /** Shorter files are refused: fewer than 256 bits could be guessed. */
    public static final int MIN_BYTES = 32;
    /** Random bytes in a key file made by {@link #createOrRead}. */
    public static final int NEW_BYTES = 64;
    /** Larger files are refused (a key file is not a disk image). */
    public static final int MAX_BYTES = 1 << 20;

    private final Path file;

    private KeyFileCredential(Path file, byte[] bytes) {
        super(bytes);
        this.file = file;
    }

    /** Reads an existing key file. */
    public static KeyFileCredential read(Path file) throws IOException {
        byte[] b;
        try (InputStream in = Files.newInputStream(file)) {
            b = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new VaultException(file + ": no such key file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new VaultException(file + ": permission denied");
        }
        if (b.length < MIN_BYTES || b.length > MAX_BYTES) {
            int n = b.length;
            Secrets.wipe(b);
            throw new VaultException(file + " cannot be a key file: it holds " + (n > MAX_BYTES ? "over " + MAX_BYTES : n)
                    + " bytes, not " + MIN_BYTES + " to " + MAX_BYTES);
        }
        return new KeyFileCredential(file, b);
    }

    /** Reads {@code file}, or when it does not exist makes it: {@link #NEW_BYTES} random bytes, mode 0600. */
    public static KeyFileCredential createOrRead(Path file, SecureRandom rng, Runnable onCreate) throws IOException {
        if (!Files.exists(file)) {
            byte[] b = new byte[NEW_BYTES];
            rng.nextBytes(b);
            try {
                AtomicFiles.create(file, b);
                onCreate.run();
                return new KeyFileCredential(file, b);
            } catch (FileAlreadyExistsException e) {
                Secrets.wipe(b); // made meanwhile by someone else: use theirs
            } catch (IOException e) {
                Secrets.wipe(b);
                throw e;
            }
        }
        return read(file);
    }

    /** The key file's bytes (not a copy): do not keep or change them. */
    byte[] bytes() {
        return secret();
    }

    public Path file() {
        return file;
    }

    @Override
    public String describe() {
        return "key file " + file;
    }

    @Override
    public String toString() {
        return "KeyFileCredential[" + file + "]";
    }
}
