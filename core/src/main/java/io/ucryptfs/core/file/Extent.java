package io.ucryptfs.core.file;

/**
 * One decrypted 4 KiB extent of an open file, as the page cache holds it. Bytes past the end of the
 * file are kept zero, so a whole extent can be encrypted as it is.
 *
 * <p>{@code pins} counts the readers and writers using it: a pinned extent sits in its file's active map
 * and is never evicted. Guarded by the owning file's locks; {@code dirty} and the write-back are also
 * synchronized on the extent so an eviction and a flush never write it twice at once.
 */
final class Extent {
    final long index;
    final byte[] data;
    int pins;
    private boolean dirty;

    Extent(long index, byte[] data) {
        this.index = index;
        this.data = data;
    }

    synchronized boolean isDirty() {
        return dirty;
    }

    synchronized void markDirty() {
        dirty = true;
    }

    synchronized void markClean() {
        dirty = false;
    }
}
