package io.ucryptfs.core.fs;

/** How a file is opened: what the handle may do. (O_TRUNC and O_APPEND are the caller's to apply.) */
public enum OpenMode {
    READ,
    WRITE,
    READ_WRITE;

    public boolean canRead() {
        return this != WRITE;
    }

    public boolean canWrite() {
        return this != READ;
    }
}
