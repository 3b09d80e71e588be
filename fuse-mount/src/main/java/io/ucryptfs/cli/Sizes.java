package io.ucryptfs.cli;

import java.util.Locale;

/** Parses sizes such as 64M, 1G, 512k, 1048576 (binary units). */
final class Sizes {
    private Sizes() {}

    static long parse(String s) throws UserError {
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> mult = 1L << 10;
                case 'M' -> mult = 1L << 20;
                case 'G' -> mult = 1L << 30;
                default -> mult = 1;
            }
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t.trim()) * mult;
            if (v < 4096) {
                throw new UserError("size " + s + " is below one extent (4K)");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UserError("not a size: " + s + " (e.g. 64M, 1G)");
        }
    }
}
