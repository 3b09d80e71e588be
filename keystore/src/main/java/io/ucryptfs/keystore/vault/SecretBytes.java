package io.ucryptfs.keystore.vault;

import io.ucryptfs.core.keys.Secrets;
import javax.security.auth.Destroyable;

/** A secret held in a byte array that {@link #destroy()} zero-fills; used after that, it throws. */
abstract class SecretBytes implements Destroyable {
    private final byte[] bytes;
    private volatile boolean destroyed;

    /** Takes {@code bytes} over (no copy). */
    SecretBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The array itself, not a copy: do not keep or change it. */
    final byte[] secret() {
        if (destroyed) {
            throw new IllegalStateException(getClass().getSimpleName() + " already wiped");
        }
        return bytes;
    }

    @Override
    public void destroy() {
        Secrets.wipe(bytes);
        destroyed = true;
    }

    @Override
    public final boolean isDestroyed() {
        return destroyed;
    }
}
