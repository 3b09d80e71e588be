package io.ucryptfs.core.fs;

/**
 * statfs of the plaintext view: the lower filesystem's figures with the plaintext name limit.
 *
 * @param maxNameLength longest plaintext name in bytes (143 with encrypted names, 255 without)
 */
public record FsStats(
        long blockSize,
        long totalBlocks,
        long freeBlocks,
        long availableBlocks,
        long totalInodes,
        long freeInodes,
        int maxNameLength) {}
