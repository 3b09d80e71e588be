package io.ucryptfs.core.fs;

/** What a plaintext path is. */
public enum FileType {
    REGULAR,
    DIRECTORY,
    SYMLINK,
    /** FIFOs, sockets and devices: passed through without encryption, as the kernel does. */
    OTHER
}
