package io.ucryptfs.core.fs;

import io.ucryptfs.core.format.FileFormat;
import io.ucryptfs.core.format.ecryptfs.EcryptfsFormat;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.NewFileKeys;
import io.ucryptfs.core.keys.WrongPassphraseException;
import io.ucryptfs.core.names.EcryptfsNameCipher;
import io.ucryptfs.core.names.NameCipher;
import io.ucryptfs.core.names.PlainNames;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of one mount, which can be locked (wiped) and unlocked (given again) while it runs: the
 * mount key(s) in a {@link KeyRing}, the name cipher over the FNEK, and the {@link FileFormat} that
 * wraps and unwraps FEKs with them. Every use of them goes through {@link #use}, under a read lock;
 * {@link #lock} takes the write lock, so it waits for uses in flight and no use ever sees a key that
 * is being wiped. While locked, {@link #use} fails with EACCES (logged once per lock period).
 *
 * <p>Without name encryption ({@link PlainNames}) names need no key: {@link #names} then works while
 * locked, and only what needs the mount key (opening and creating files) is refused.
 *
 * <p>Ownership: the ring given at mount stays the caller's (it may open another mount with it after
 * this one closes), except that {@link #lock} destroys it: locking wipes every copy of the keys this
 * process holds for the mount. A ring given to {@link #unlock} belongs to this object, and
 * {@link #lock} or {@link #close} destroys it. (Destroying a {@link KeyRing} twice is harmless.)
 */
final class MountKeys {
    private static final Logger log = LoggerFactory.getLogger(MountKeys.class);

    /** The unlocked keys: valid only inside {@link #use}. */
    record Keys(KeyRing ring, NameCipher names, FileFormat format) {}

    /** What runs with the keys. */
    interface Use<T> {
        T apply(Keys keys) throws IOException;
    }

    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    /** Null while locked. Written under the write lock, read under the read lock. */
    private Keys keys;
    /** Whether {@code keys.ring()} came from {@link #unlock} (ours to destroy on close). */
    private boolean ownsRing;
    private final List<String> fileKeySigs;
    private final List<String> publicKeySigs;
    private final NewFileKeys newFileKeys;
    private final String nameKeySig;
    private final int keyBytes;
    private final boolean encryptNames;
    private final boolean headerInXattr;
    private final SecureRandom rng;
    private final PlainNames plainNames;
    /** Key-free layout calls only ({@link FileFormat#recognizes}, header sizes and xattr name). */
    private final FileFormat layout;
    private final int maxNameLength;
    private final AtomicBoolean warned = new AtomicBoolean();
    private final List<Runnable> onLock = new CopyOnWriteArrayList<>();

    MountKeys(KeyRing ring, int keyBytes, boolean encryptNames, boolean headerInXattr, SecureRandom rng,
            NewFileKeys newFileKeys) {
        this.fileKeySigs = ring.signatures();
        this.publicKeySigs = ring.publicKeySignatures();
        this.newFileKeys = newFileKeys;
        this.nameKeySig = ring.nameKey().signature();
        this.keyBytes = keyBytes;
        this.encryptNames = encryptNames;
        this.headerInXattr = headerInXattr;
        this.rng = rng;
        this.plainNames = encryptNames ? null : new PlainNames();
        this.keys = keysOf(ring);
        this.layout = keys.format();
        this.maxNameLength = keys.names().maxPlainNameLength();
    }

    private Keys keysOf(KeyRing ring) {
        NameCipher names = encryptNames ? new EcryptfsNameCipher(ring.nameKey(), keyBytes) : plainNames;
        return new Keys(ring, names, new EcryptfsFormat(ring, keyBytes, encryptNames, headerInXattr, rng, newFileKeys));
    }

    /** Runs {@code body} with the keys, which stay valid until it returns; EACCES while locked. */
    <T> T use(String path, Use<T> body) throws IOException {
        rw.readLock().lock();
        try {
            Keys k = keys;
            if (k == null) {
                throw locked(path);
            }
            return body.apply(k);
        } finally {
            rw.readLock().unlock();
        }
    }

    /** Runs {@code body} with the name cipher: needs no key (and never fails as locked) without name encryption. */
    <T> T names(String path, Use<T> body) throws IOException {
        if (!encryptNames) {
            return body.apply(new Keys(null, plainNames, null));
        }
        return use(path, body);
    }

    private FsException locked(String path) {
        if (warned.compareAndSet(false, true)) {
            log.warn("the mount is locked: refused {} with EACCES, as every open, create and lookup until "
                    + "ucryptfs unlock (logged once per lock)", path);
        }
        return new FsException(Errno.EACCES, path + ": the mount is locked (ucryptfs unlock)");
    }

    boolean encryptsNames() {
        return encryptNames;
    }

    /** The layout, for calls that need no key: recognizing a header, its read size, its xattr name. */
    FileFormat layout() {
        return layout;
    }

    int maxNameLength() {
        return maxNameLength;
    }

    /** Runs on every lock, after the keys are wiped and before new uses are let in (drop caches of names). */
    void onLock(Runnable r) {
        onLock.add(r);
    }

    boolean isLocked() {
        rw.readLock().lock();
        try {
            return keys == null;
        } finally {
            rw.readLock().unlock();
        }
    }

    /**
     * Wipes the keys once no use is in flight; later uses fail with EACCES. Returns false if the keys
     * were already locked.
     */
    boolean lock() {
        rw.writeLock().lock();
        try {
            Keys k = keys;
            if (k == null) {
                return false;
            }
            keys = null;
            wipe(k);
            onLock.forEach(Runnable::run);
            warned.set(false);
            log.info("keys locked: mount key(s) {}, the name key and per-file public/private keys wiped", fileKeySigs);
            return true;
        } finally {
            rw.writeLock().unlock();
        }
    }

    /**
     * Takes {@code ring} as the mount's keys again if it holds the same keys the mount was made with
     * (same file key signatures in the same order, same name key, same public keys: they decide what new
     * files are wrapped to); else destroys it and throws, and the mount stays locked. Private keys may
     * differ (a token left out at unlock: its tag-1-only files stay closed). Returns false (and destroys
     * {@code ring}) when the keys were not locked.
     */
    boolean unlock(KeyRing ring) throws WrongPassphraseException {
        boolean same = ring.signatures().equals(fileKeySigs) && ring.nameKey().signature().equals(nameKeySig);
        if (!same) {
            ring.destroy();
            throw new WrongPassphraseException("its keys " + ring.signatures() + " are not this mount's " + fileKeySigs);
        }
        if (!ring.publicKeySignatures().equals(publicKeySigs)) {
            List<String> given = ring.publicKeySignatures();
            ring.destroy();
            throw new WrongPassphraseException("its public keys " + given + " are not this mount's " + publicKeySigs);
        }
        rw.writeLock().lock();
        try {
            if (keys != null) {
                ring.destroy();
                return false;
            }
            keys = keysOf(ring);
            ownsRing = true;
            log.info("keys unlocked: mount key(s) {}", fileKeySigs);
            return true;
        } finally {
            rw.writeLock().unlock();
        }
    }

    /** Unmount: wipes the keys held, if any. */
    void close() {
        rw.writeLock().lock();
        try {
            if (keys != null) {
                if (keys.names() instanceof EcryptfsNameCipher c) {
                    c.destroy();
                }
                if (ownsRing) {
                    keys.ring().destroy();
                }
                keys = null;
            }
        } finally {
            rw.writeLock().unlock();
        }
    }

    private void wipe(Keys k) {
        if (k.names() instanceof EcryptfsNameCipher c) {
            c.destroy();
        }
        k.ring().destroy();
        ownsRing = false;
    }
}
