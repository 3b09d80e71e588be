package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.FsException;
import io.ucryptfs.core.names.NameBytes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The directories the kernel has open (OPENDIR to RELEASEDIR): each handle keeps the listing its
 * reading started with, so that the offsets the kernel passes back in later READDIRs stay valid
 * while names come and go.
 */
final class OpenDirectories {
    private static final byte[] DOT = {'.'};
    private static final byte[] DOT_DOT = {'.', '.'};

    /** Open directories: their listing, taken at the first readdir from offset 0. */
    private final Map<Long, List<byte[]>> listings = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong(1);

    /** A new handle, its listing not taken yet. */
    long open() {
        long dh = next.getAndIncrement();
        listings.put(dh, List.of());
        return dh;
    }

    /**
     * The entries of handle {@code dh} as name bytes, "." and ".." first: {@code names} (the
     * directory's plaintext names, listed only then) when read from offset 0 (opendir, rewinddir),
     * else the listing that reading started with.
     */
    List<byte[]> read(long dh, long offset, Lister names) throws FsException {
        List<byte[]> listing = listings.get(dh);
        if (offset == 0 || listing == null) {
            List<String> plain = names.list();
            List<byte[]> l = new ArrayList<>(plain.size() + 2);
            l.add(DOT);
            l.add(DOT_DOT);
            for (String n : plain) {
                l.add(NameBytes.encode(n));
            }
            listing = l;
            listings.put(dh, listing);
        }
        return listing;
    }

    void release(long dh) {
        listings.remove(dh);
    }

    /** Lists a directory's plaintext names. */
    interface Lister {
        List<String> list() throws FsException;
    }
}
