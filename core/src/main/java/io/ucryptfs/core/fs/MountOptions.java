package io.ucryptfs.core.fs;

import io.ucryptfs.core.file.ExtentCache;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.NewFileKeys;
import java.util.Objects;

/**
 * How a lower directory is mounted: the keys, and the eCryptfs mount options that matter to the
 * format ({@code ecryptfs_key_bytes}, name encryption, {@code ecryptfs_xattr_metadata},
 * {@code ecryptfs_passthrough}), plus ours (cache size, read-only).
 */
public final class MountOptions {
    private final KeyRing keys;
    private final int keyBytes;
    private final boolean encryptNames;
    private final boolean headerInXattr;
    private final boolean passthrough;
    private final long cacheBytes;
    private final boolean readOnly;
    private final SpecialNodes specialNodes;
    private final LowerHandles lowerHandles;
    private final PageCacheAdvice pageCacheAdvice;
    private final NewFileKeys newFileKeys;
    private final java.nio.file.Path savedSizes;

    private MountOptions(Builder b) {
        this.keys = Objects.requireNonNull(b.keys, "keys");
        this.keyBytes = b.keyBytes;
        this.encryptNames = b.encryptNames;
        this.headerInXattr = b.headerInXattr;
        this.passthrough = b.passthrough;
        this.cacheBytes = b.cacheBytes;
        this.readOnly = b.readOnly;
        this.specialNodes = b.specialNodes;
        this.lowerHandles = b.lowerHandles;
        this.pageCacheAdvice = b.pageCacheAdvice;
        this.newFileKeys = b.newFileKeys;
        this.savedSizes = b.savedSizes;
        if (newFileKeys.usesPublicKeys() && keys.publicKeys().isEmpty()) {
            throw new IllegalArgumentException("new files are to be wrapped by a public key (" + newFileKeys
                    + "), but the key ring holds none");
        }
        if (keyBytes != 16 && keyBytes != 24 && keyBytes != 32) {
            throw new IllegalArgumentException("key bytes must be 16, 24 or 32, got " + keyBytes);
        }
    }

    public static Builder builder(KeyRing keys) {
        return new Builder(keys);
    }

    /**
     * The same options over other keys, new files wrapped by its mount keys: for a throwaway
     * filesystem that should take the code paths this one takes (the mount's JIT warm-up).
     */
    public Builder withKeys(KeyRing other) {
        return builder(other).keyBytes(keyBytes).encryptNames(encryptNames).headerInXattr(headerInXattr)
                .passthrough(passthrough).cacheBytes(cacheBytes).readOnly(readOnly).specialNodes(specialNodes)
                .lowerHandles(lowerHandles).pageCacheAdvice(pageCacheAdvice);
    }

    public KeyRing keys() {
        return keys;
    }

    /** AES key size of new files (existing files keep theirs). */
    public int keyBytes() {
        return keyBytes;
    }

    public boolean encryptNames() {
        return encryptNames;
    }

    /** New files keep their header in the {@code user.ecryptfs} xattr. Reading finds either kind. */
    public boolean headerInXattr() {
        return headerInXattr;
    }

    /** Lower files without an eCryptfs header are shown and read as they are. */
    public boolean passthrough() {
        return passthrough;
    }

    public long cacheBytes() {
        return cacheBytes;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** How to make FIFOs, sockets and device nodes; null: mknod fails with EPERM. */
    public SpecialNodes specialNodes() {
        return specialNodes;
    }

    /** How to reach lower paths longer than PATH_MAX; null: they fail with ENAMETOOLONG. */
    public LowerHandles lowerHandles() {
        return lowerHandles;
    }

    /** How to have lower files read ahead ({@link CryptFileSystem#prefetch}); never null. */
    public PageCacheAdvice pageCacheAdvice() {
        return pageCacheAdvice;
    }

    /**
     * Where plaintext sizes are kept from one mount to the next ({@link SavedSizes}): read at mount,
     * written at unmount; null: not kept. Not carried by {@link #withKeys} (a throwaway filesystem has
     * its own files).
     */
    public java.nio.file.Path savedSizes() {
        return savedSizes;
    }

    /** Which keys wrap new files' FEKs: tag 3 (mount keys), tag 1 (public keys) or both. */
    public NewFileKeys newFileKeys() {
        return newFileKeys;
    }

    public static final class Builder {
        private SpecialNodes specialNodes;
        private LowerHandles lowerHandles;
        private PageCacheAdvice pageCacheAdvice = PageCacheAdvice.NONE;
        private java.nio.file.Path savedSizes;

        private final KeyRing keys;
        private int keyBytes = 16;
        private boolean encryptNames;
        private boolean headerInXattr;
        private boolean passthrough;
        private long cacheBytes = ExtentCache.DEFAULT_BYTES;
        private boolean readOnly;
        private NewFileKeys newFileKeys = NewFileKeys.MOUNT_KEYS;

        private Builder(KeyRing keys) {
            this.keys = keys;
        }

        public Builder keyBytes(int n) {
            this.keyBytes = n;
            return this;
        }

        /** Default {@link NewFileKeys#MOUNT_KEYS}; the others need a public key in the ring. */
        public Builder newFileKeys(NewFileKeys which) {
            this.newFileKeys = Objects.requireNonNull(which);
            return this;
        }

        public Builder encryptNames(boolean on) {
            this.encryptNames = on;
            return this;
        }

        public Builder headerInXattr(boolean on) {
            this.headerInXattr = on;
            return this;
        }

        public Builder passthrough(boolean on) {
            this.passthrough = on;
            return this;
        }

        public Builder cacheBytes(long bytes) {
            this.cacheBytes = bytes;
            return this;
        }

        public Builder readOnly(boolean on) {
            this.readOnly = on;
            return this;
        }

        public Builder specialNodes(SpecialNodes s) {
            this.specialNodes = s;
            return this;
        }

        public Builder lowerHandles(LowerHandles h) {
            this.lowerHandles = h;
            return this;
        }

        /** Default {@link PageCacheAdvice#NONE}: {@link CryptFileSystem#prefetch} does nothing. */
        public Builder pageCacheAdvice(PageCacheAdvice a) {
            this.pageCacheAdvice = Objects.requireNonNull(a);
            return this;
        }

        /** Default null: sizes are not kept between mounts ({@link MountOptions#savedSizes}). */
        public Builder savedSizes(java.nio.file.Path file) {
            this.savedSizes = file;
            return this;
        }

        public MountOptions build() {
            return new MountOptions(this);
        }
    }
}
