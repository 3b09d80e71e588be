package io.ucryptfs.core.file;

import java.io.IOException;

/** A lower file is shorter than its header says: data is missing; never filled with garbage. */
public class TruncatedFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public TruncatedFileException(String message) {
        super(message);
    }
}
