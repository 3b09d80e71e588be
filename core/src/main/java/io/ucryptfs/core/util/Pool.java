package io.ucryptfs.core.util;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A lock-free pool of reusable objects (ciphers, digests, buffers), holding at most as many as were
 * ever in use at once.
 *
 * <p>Why not a ThreadLocal: libfuse starts and ends its worker threads as load comes and goes, and each
 * new thread would pay for {@code Cipher.getInstance} and fresh buffers again (measured: a tenth of a
 * streaming read's profile), while objects of ended threads linger.
 */
public final class Pool<T> {
    private final ConcurrentLinkedQueue<T> free = new ConcurrentLinkedQueue<>();
    private final Supplier<T> factory;

    public Pool(Supplier<T> factory) {
        this.factory = factory;
    }

    public T take() {
        T t = free.poll();
        return t != null ? t : factory.get();
    }

    public void give(T t) {
        free.offer(t);
    }

    /** Applies {@code action} to every idle object (e.g. to wipe keys), and forgets them. */
    public void drain(Consumer<T> action) {
        T t;
        while ((t = free.poll()) != null) {
            action.accept(t);
        }
    }
}
