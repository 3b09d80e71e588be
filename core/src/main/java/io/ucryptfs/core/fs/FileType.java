package io.ucryptfs.core.fs;

/** What a plaintext path is. */
public enum FileType {
    REGULAR,
    DIRECTORY,
    SYMLINK,
    /** Named pipes, sockets and device nodes: plain lower nodes (only the name is encrypted), as in eCryptfs. */
    FIFO,
    SOCKET,
    CHAR_DEVICE,
    BLOCK_DEVICE,
    /** Anything else the lower filesystem may hold. */
    OTHER
}
