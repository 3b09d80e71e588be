package io.ucryptfs.fuse;

import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FsException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's inodes (FUSE node ids) and the plaintext paths they stand for, as libfuse's high-level
 * API keeps them, so the path-based {@link io.ucryptfs.core.fs.CryptFileSystem} can serve FUSE's
 * inode-based low-level API.
 *
 * <p>One node per name (a hard link's names are two nodes, each with its own kernel attribute cache;
 * {@link FuseAdapter} therefore never lets the kernel cache the attributes of a file with several
 * links). A node lives while the kernel holds it (its lookup count, raised by every entry we answer
 * and lowered by {@code forget}); once unlinked or replaced by a rename it keeps its id but loses its
 * name, and only its open handles reach the file. Node ids are never reused. Thread-safe: one lock, held
 * for map operations only.
 */
final class NodeTable {
    /** FUSE's root node id. */
    static final long ROOT = 1;

    private static final class Node {
        final long id;
        Node parent;
        /** null once unlinked or replaced; then {@link #parent} is null too. */
        String name;
        long lookups;
        /** Open handles of this node: the way to a file that no longer has a name. */
        List<Long> handles;

        Node(long id, Node parent, String name) {
            this.id = id;
            this.parent = parent;
            this.name = name;
        }
    }

    private record Key(long parent, String name) {}

    private final Map<Long, Node> byId = new HashMap<>();
    private final Map<Key, Node> byName = new HashMap<>();
    private final Node root = new Node(ROOT, null, "");
    private long nextId = ROOT + 1;

    NodeTable() {
        byId.put(ROOT, root);
    }

    /** The plaintext path of a node ("/" for the root). ENOENT when it is unknown or has no name. */
    synchronized String path(long id) throws FsException {
        Node n = byId.get(id);
        if (n == null) {
            throw new FsException(Errno.ESTALE, "no node " + id);
        }
        return pathOf(n);
    }

    /** The path of {@code name} in directory node {@code parent}. */
    synchronized String childPath(long parent, String name) throws FsException {
        Node p = byId.get(parent);
        if (p == null) {
            throw new FsException(Errno.ESTALE, "no node " + parent);
        }
        String base = pathOf(p);
        return base.equals("/") ? "/" + name : base + "/" + name;
    }

    private String pathOf(Node n) throws FsException {
        if (n == root) {
            return "/";
        }
        List<String> names = new ArrayList<>(8);
        for (Node c = n; c != root; c = c.parent) {
            if (c.name == null) {
                throw new FsException(Errno.ENOENT, "node " + n.id + " has been removed");
            }
            names.add(c.name);
        }
        StringBuilder b = new StringBuilder(64);
        for (int i = names.size() - 1; i >= 0; i--) {
            b.append('/').append(names.get(i));
        }
        return b.toString();
    }

    /**
     * An entry the kernel is told about: the node of {@code name} in {@code parent}, made if new, with
     * its lookup count raised by one. Returns its id.
     */
    synchronized long lookedUp(long parent, String name) throws FsException {
        Node p = byId.get(parent);
        if (p == null) {
            throw new FsException(Errno.ESTALE, "no node " + parent);
        }
        Key k = new Key(parent, name);
        Node n = byName.get(k);
        if (n == null) {
            n = new Node(nextId++, p, name);
            byId.put(n.id, n);
            byName.put(k, n);
        }
        n.lookups++;
        return n.id;
    }

    /** The kernel dropped {@code count} lookups of a node; at zero it is gone. */
    synchronized void forget(long id, long count) {
        Node n = byId.get(id);
        if (n == null || n == root) {
            return;
        }
        n.lookups -= count;
        if (n.lookups <= 0) {
            byId.remove(id);
            if (n.name != null) {
                byName.remove(new Key(n.parent.id, n.name));
            }
        }
    }

    /** {@code name} in {@code parent} was unlinked or removed: its node (if any) loses its name. */
    synchronized void removed(long parent, String name) {
        Node n = byName.remove(new Key(parent, name));
        if (n != null) {
            n.parent = null;
            n.name = null;
        }
    }

    /** A rename: the target's node (if any) loses its name, the source's node takes it. */
    synchronized void renamed(long parent, String name, long newParent, String newName) {
        Node target = byName.remove(new Key(newParent, newName));
        if (target != null) {
            target.parent = null;
            target.name = null;
        }
        Node n = byName.remove(new Key(parent, name));
        Node np = byId.get(newParent);
        if (n != null && np != null) {
            n.parent = np;
            n.name = newName;
            byName.put(new Key(newParent, newName), n);
        } else if (n != null) {
            n.parent = null;
            n.name = null;
        }
    }

    synchronized void opened(long id, long handle) {
        Node n = byId.get(id);
        if (n != null) {
            if (n.handles == null) {
                n.handles = new ArrayList<>(2);
            }
            n.handles.add(handle);
        }
    }

    synchronized void closed(long id, long handle) {
        Node n = byId.get(id);
        if (n != null && n.handles != null) {
            n.handles.remove(Long.valueOf(handle));
        }
    }

    /** An open handle of the node, or -1: how a node without a name is still reached. */
    synchronized long anyHandle(long id) {
        Node n = byId.get(id);
        return n == null || n.handles == null || n.handles.isEmpty() ? -1 : n.handles.get(0);
    }

    /** Whether the node is known and has a name. */
    synchronized boolean named(long id) {
        Node n = byId.get(id);
        return n != null && (n == root || n.name != null);
    }

    /** The ids of every node the kernel holds, the root's included. */
    synchronized long[] ids() {
        return byId.keySet().stream().mapToLong(Long::longValue).toArray();
    }

    /** Nodes the kernel holds (for tests and the log). */
    synchronized int size() {
        return byId.size();
    }
}
