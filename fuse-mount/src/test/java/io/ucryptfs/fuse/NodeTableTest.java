package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.Errno;
import io.ucryptfs.core.fs.FsException;
import org.junit.jupiter.api.Test;

/** Node ids to paths: lookups, forgets, renames of files and directories, unlinks of open files. */
class NodeTableTest {
    private final NodeTable t = new NodeTable();

    @Test
    void pathsFollowParents() throws FsException {
        long a = t.lookedUp(NodeTable.ROOT, "a");
        long b = t.lookedUp(a, "b");
        assertEquals("/", t.path(NodeTable.ROOT));
        assertEquals("/a", t.path(a));
        assertEquals("/a/b", t.path(b));
        assertEquals("/a/b/c", t.childPath(b, "c"));
        assertEquals("/x", t.childPath(NodeTable.ROOT, "x"));
    }

    @Test
    void aNameKeepsItsNodeUntilForgotten() throws FsException {
        long a = t.lookedUp(NodeTable.ROOT, "a");
        assertEquals(a, t.lookedUp(NodeTable.ROOT, "a"));
        t.forget(a, 1);
        assertEquals("/a", t.path(a), "one lookup left");
        t.forget(a, 1);
        FsException e = assertThrows(FsException.class, () -> t.path(a));
        assertEquals(Errno.ESTALE, e.errno());
        long again = t.lookedUp(NodeTable.ROOT, "a");
        assertNotEquals(a, again, "ids are never reused");
        assertEquals(2, t.size());
    }

    @Test
    void renamingADirectoryMovesEverythingUnderIt() throws FsException {
        long d = t.lookedUp(NodeTable.ROOT, "d");
        long f = t.lookedUp(d, "f");
        long e = t.lookedUp(NodeTable.ROOT, "e");
        t.renamed(NodeTable.ROOT, "d", e, "d2");
        assertEquals("/e/d2/f", t.path(f));
        assertEquals(d, t.lookedUp(e, "d2"));
    }

    @Test
    void aReplacedTargetLosesItsNameButKeepsItsHandles() throws FsException {
        long a = t.lookedUp(NodeTable.ROOT, "a");
        long b = t.lookedUp(NodeTable.ROOT, "b");
        t.opened(b, 42);
        t.renamed(NodeTable.ROOT, "a", NodeTable.ROOT, "b");
        assertEquals("/b", t.path(a));
        assertFalse(t.named(b));
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> t.path(b)).errno());
        assertEquals(42, t.anyHandle(b));
        t.closed(b, 42);
        assertEquals(-1, t.anyHandle(b));
    }

    @Test
    void anUnlinkedNodeHasNoPathAndItsNameIsFree() throws FsException {
        long f = t.lookedUp(NodeTable.ROOT, "f");
        t.removed(NodeTable.ROOT, "f");
        assertFalse(t.named(f));
        long g = t.lookedUp(NodeTable.ROOT, "f");
        assertNotEquals(f, g);
        assertTrue(t.named(g));
        t.forget(f, 1);
        assertEquals("/f", t.path(g), "forgetting the old node leaves the new one");
    }

    @Test
    void aFileUnderARemovedDirectoryHasNoPath() throws FsException {
        long d = t.lookedUp(NodeTable.ROOT, "d");
        long f = t.lookedUp(d, "f");
        t.removed(NodeTable.ROOT, "d");
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> t.path(f)).errno());
    }
}
