package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.FileAttributes;
import io.ucryptfs.core.names.NameBytes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Reads ahead the files a reader is about to open: once the files of a listing are being opened (a
 * second one since the listing, or one that was read ahead), the next {@link #WINDOW} files in listing
 * order, going on into the listings made after it, are handed to {@link CryptFileSystem#prefetch},
 * which has the lower filesystem start reading them without waiting ({@link LibcPageCacheAdvice}).
 *
 * <p>Why: {@code find | xargs cat}, {@code tar c}, {@code cp -r}, {@code grep -r} open a tree's files
 * in the order its listings gave them, one after the other. On a cold cache each open waited for the
 * disk to read the file's header (the first bytes of an eCryptfs file), and the read that followed for
 * its first extent, while the disk could have read the next files at the same time. Read ahead, a
 * walk's files are in the page cache when it opens them (docs/performance.md, session 10: a cold
 * {@code find | xargs cat} of fsbench's 5,000 files). The kernel does this within one file; across
 * files only the filesystem knows the order.
 *
 * <p>Nothing is read for a walk that only lists and stats ({@code du}, {@code ls -l}, an rsync that
 * finds nothing changed), nor for opens that write. Bounded: {@link #FILES_MAX} names remembered over
 * {@link #LISTINGS_MAX} listings, {@link #QUEUE} batches waiting (past that, hints are dropped), one
 * thread (an advice does not wait for the disk); and once read-aheads find their files cached, most are
 * dropped ({@link ReadAheadBackOff}).
 */
final class FileReadAhead {
    /** Files handed out ahead of the one just opened. */
    static final int WINDOW = 32;
    /** More are handed out once fewer than this are left ahead of the file just opened. */
    static final int REFILL = WINDOW / 2;
    /** Names remembered, over all listings; the oldest listings go first. */
    static final int FILES_MAX = 32_768;
    /** Names remembered of one listing (its first ones). */
    static final int LISTING_MAX = 4_096;
    static final int LISTINGS_MAX = 1_024;
    static final int QUEUE = 64;

    /** The names of one listing, in its order, and how far a reader and the read-ahead got in them. */
    private static final class Listing {
        final String dir;
        final List<String> names = new ArrayList<>();
        /** Opens of a name other than the one opened last. */
        int opens;
        /** The name opened last, where the next search starts; -1: none yet. */
        int last = -1;
        /** Names {@code [aheadFrom, aheadTo)} were handed out. */
        int aheadFrom;
        int aheadTo;

        Listing(String dir) {
            this.dir = dir;
        }

        /** The index of {@code name}: searched from the name after the last one opened, so a reader in order finds it at once. */
        int indexOf(String name) {
            int n = names.size();
            for (int k = 0, i = last + 1; k < n; k++, i++) {
                if (i >= n) {
                    i = 0;
                }
                if (names.get(i).equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        String path(int i) {
            return dir.equals("/") ? "/" + names.get(i) : dir + "/" + names.get(i);
        }
    }

    private final CryptFileSystem fs;
    private final ReadAheadBackOff backOff;
    private final ThreadPoolExecutor thread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE), r -> {
                Thread t = new Thread(r, "ucryptfs-file-read-ahead");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardPolicy());

    // guarded by this
    /** In the order they were made. */
    private final ArrayDeque<Listing> listings = new ArrayDeque<>();
    private final Map<String, Listing> byDirectory = new HashMap<>();
    private int files;
    /** The listing whose name {@code aheadTo} is the next to hand out; null: no reader followed. */
    private Listing frontier;

    FileReadAhead(CryptFileSystem fs) {
        this(fs, new ReadAheadBackOff());
    }

    FileReadAhead(CryptFileSystem fs, ReadAheadBackOff backOff) {
        this.fs = fs;
        this.backOff = backOff;
        thread.allowCoreThreadTimeOut(true);
    }

    /**
     * Names a listing of {@code dir} gave, from its entry {@code first} on: regular files, or every
     * name where the types are not known (a plain READDIR; prefetch passes over the rest). An entry
     * {@code first} of 0 starts a new listing of the directory.
     */
    synchronized void listed(String dir, long first, List<String> names) {
        Listing l = byDirectory.get(dir);
        if (first == 0 || l == null) {
            if (l != null) {
                remove(l);
            }
            l = new Listing(dir);
            byDirectory.put(dir, l);
            listings.addLast(l);
        }
        int room = Math.min(LISTING_MAX - l.names.size(), names.size());
        if (room > 0) {
            l.names.addAll(names.subList(0, room));
            files += room;
        }
        while ((files > FILES_MAX || listings.size() > LISTINGS_MAX) && listings.size() > 1) {
            remove(listings.peekFirst());
        }
    }

    /** The names of a READDIRPLUS page whose attributes say they are regular files, in order. */
    static List<String> regularFiles(String[] names, FileAttributes[] attrs) {
        List<String> files = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (attrs[i] != null && attrs[i].isRegularFile()) {
                files.add(names[i]);
            }
        }
        return files;
    }

    /** The names of a READDIR page (types unknown), decoded, without "." and "..". */
    static List<String> decoded(List<byte[]> names) {
        List<String> out = new ArrayList<>(names.size());
        for (byte[] name : names) {
            if (!RequestFields.dot(name)) {
                out.add(NameBytes.decode(name));
            }
        }
        return out;
    }

    /** A file {@code path} is being opened for reading. */
    void opened(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) {
            return;
        }
        String dir = slash == 0 ? "/" : path.substring(0, slash);
        String name = path.substring(slash + 1);
        List<String> batch;
        synchronized (this) {
            Listing l = byDirectory.get(dir);
            int i = l == null ? -1 : l.indexOf(name);
            if (i < 0) {
                return;
            }
            if (i != l.last) {
                l.opens++;
            }
            l.last = i;
            boolean followed = frontier != null && i >= l.aheadFrom && i < l.aheadTo;
            if (!followed && l.opens < 2) {
                return;
            }
            int left = followed ? aheadOf(l, i) : -1;
            if (left < 0) { // the reader starts here
                frontier = l;
                l.aheadFrom = i + 1;
                l.aheadTo = i + 1;
                left = 0;
            }
            batch = left >= REFILL ? List.of() : handOut(WINDOW - left);
        }
        if (!batch.isEmpty() && !backOff.skip()) {
            thread.execute(() -> backOff.measure(() -> batch.forEach(fs::prefetch)));
        }
    }

    /** How many names were handed out after name {@code i} of {@code l}; -1 when the frontier is not at or after it. */
    private int aheadOf(Listing l, int i) {
        if (frontier == l) {
            return l.aheadTo - (i + 1);
        }
        int left = l.aheadTo - (i + 1);
        boolean after = false;
        for (Listing x : listings) {
            if (x == l) {
                after = true;
            } else if (after) {
                left += x.aheadTo - x.aheadFrom;
                if (x == frontier) {
                    return left;
                }
            }
        }
        return -1;
    }

    /** Hands out up to {@code n} names from the frontier on, into the listings made after its own. */
    private List<String> handOut(int n) {
        List<String> out = new ArrayList<>();
        while (out.size() < n) {
            if (frontier.aheadTo < frontier.names.size()) {
                out.add(frontier.path(frontier.aheadTo++));
            } else {
                Listing next = after(frontier);
                if (next == null) {
                    break;
                }
                frontier = next;
                next.aheadFrom = 0;
                next.aheadTo = 0;
            }
        }
        return out;
    }

    private Listing after(Listing l) {
        Iterator<Listing> it = listings.iterator();
        while (it.hasNext()) {
            if (it.next() == l) {
                return it.hasNext() ? it.next() : null;
            }
        }
        return null;
    }

    private void remove(Listing l) {
        listings.remove(l);
        byDirectory.remove(l.dir, l);
        files -= l.names.size();
        if (frontier == l) {
            frontier = null;
        }
    }

    /** Waits until every batch handed out so far is done or dropped (tests). */
    void awaitIdle() throws InterruptedException {
        while (thread.getCompletedTaskCount() < thread.getTaskCount()) {
            Thread.sleep(5);
        }
    }

    /** Whether the last read-aheads found their files cached ({@link ReadAheadBackOff#warm}). */
    boolean warm() {
        return backOff.warm();
    }
}
