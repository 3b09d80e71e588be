package io.ucryptfs.core.format;

import java.util.List;

/**
 * The file is well formed but none of its key packets names a key we hold. Lists the signatures the
 * file wants so the user knows which passphrase or token to bring.
 */
public class NoKeyException extends FormatException {
    private static final long serialVersionUID = 1L;

    private final List<String> wantedSignatures;

    public NoKeyException(String message, List<String> wantedSignatures) {
        super(message);
        this.wantedSignatures = List.copyOf(wantedSignatures);
    }

    public List<String> wantedSignatures() {
        return wantedSignatures;
    }

    @Override
    public NoKeyException inFile(String file) {
        NoKeyException e = new NoKeyException(file + ": " + getMessage(), wantedSignatures);
        e.setStackTrace(getStackTrace());
        return e;
    }
}
