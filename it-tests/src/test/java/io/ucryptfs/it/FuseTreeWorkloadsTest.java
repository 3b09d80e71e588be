package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Real programs on real trees through a FUSE mount: cp -a, diff -r, tar, git. */
class FuseTreeWorkloadsTest extends FuseTestBase {
    static final String PASS = "fuse-it tree workloads";
    /** The repository this test runs in (the module directory is its working directory). */
    static final Path REPO = Path.of("").toAbsolutePath().getParent();

    /** A listing of type, mode, size (not of directories: the lower's), mtime and link target of every entry, sorted. */
    static String listing(Path dir) throws Exception {
        return Cmd.sh("cd \"$1\" && find . \\( -type d -printf '%y %m - %T@ %p\\n' \\) -o -printf '%y %m %s %T@ %p -> %l\\n'"
                + " | LC_ALL=C sort", dir.toString()).assertOk().out();
    }

    @Test
    void cpArchiveOfUsrShareDocInAndDiffOut() throws Exception {
        Path src = Path.of("/usr/share/doc");
        assertTrue(Files.isDirectory(src), "/usr/share/doc is missing");
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        Cmd.run("cp", "-a", src.toString(), mnt.resolve("doc").toString()).assertOk();
        Cmd.run("diff", "-r", "--no-dereference", src.toString(), mnt.resolve("doc").toString()).assertOk();
        String want = listing(src);
        assertEquals(want, listing(mnt.resolve("doc")), "types, modes, sizes, mtimes, link targets kept by cp -a");
        mounts.umount(mnt);
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        Cmd.run("diff", "-r", "--no-dereference", src.toString(), mnt.resolve("doc").toString()).assertOk();
        assertEquals(want, listing(mnt.resolve("doc")), "after remount");
    }

    @Test
    void tarExtractInAndTarCreateOutGiveTheSameArchive() throws Exception {
        Path tarball = tmp.resolve("src.tar");
        Cmd.run(REPO, 120, java.util.List.of("git", "archive", "--format=tar", "-o", tarball.toString(), "HEAD"))
                .assertOk();
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, false));
        Path in = Files.createDirectories(mnt.resolve("x"));
        Cmd.run("tar", "-xf", tarball.toString(), "-C", plain.toString()).assertOk();
        Cmd.run("tar", "-xf", tarball.toString(), "-C", in.toString()).assertOk();
        // a stable archive: sorted names, numeric owners, no atime/ctime; mtimes and modes kept
        // (the top entries by name: the extraction directory's own mtime differs)
        String tarSha = "cd \"$1\" && ls -A | LC_ALL=C sort | tar --sort=name --numeric-owner --format=posix"
                + " --pax-option=delete=atime,delete=ctime -cf - -T - | sha256sum";
        String want = Cmd.sh(tarSha, plain.toString()).assertOk().out();
        assertEquals(want, Cmd.sh(tarSha, in.toString()).assertOk().out(), "tar c of the tree extracted into the mount");
        mounts.umount(mnt);
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, false));
        assertEquals(want, Cmd.sh(tarSha, in.toString()).assertOk().out(), "after remount");
        Cmd.run("tar", "-df", tarball.toString(), "-C", in.toString()).assertOk();
    }

    @Test
    void gitInitAddCommitLogFsckInsideTheMount() throws Exception {
        Path tarball = tmp.resolve("src.tar");
        Cmd.run(REPO, 120, java.util.List.of("git", "archive", "--format=tar", "-o", tarball.toString(), "HEAD", "core")).assertOk();
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        String script = """
                set -e
                export HOME="$2" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=it GIT_AUTHOR_EMAIL=it@example.org \
                  GIT_COMMITTER_NAME=it GIT_COMMITTER_EMAIL=it@example.org \
                  GIT_AUTHOR_DATE='2020-01-01T00:00:00Z' GIT_COMMITTER_DATE='2020-01-01T00:00:00Z'
                mkdir -p "$1/repo" && cd "$1/repo"
                git init -q -b main .
                tar -xf "$3"
                git add -A
                git commit -q -m first
                echo change >> core/pom.xml
                git mv core/pom.xml core/pom2.xml
                git commit -q -a -m second
                git gc -q --aggressive
                git fsck --full --strict
                git status --porcelain
                git log --format='%H %s'
                """;
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Cmd.Result inMount = Cmd.sh(script, mnt.toString(), home.toString(), tarball.toString()).assertOk();
        Cmd.Result onDisk = Cmd.sh(script, plain.toString(), home.toString(), tarball.toString()).assertOk();
        assertTrue(inMount.out().contains(" second\n"), inMount.describe());
        assertEquals(onDisk.out(), inMount.out(), "the same commits (hashes) in the mount as on disk, and fsck clean");
        mounts.umount(mnt);
        mounts.mount(lower, mnt, Mounts.bare(tmp, PASS, true));
        Cmd.Result again = Cmd.sh("set -e; cd \"$1/repo\"; export HOME=\"$2\"; git fsck --full --strict; git status --porcelain;"
                + " git log --format='%H %s'", mnt.toString(), home.toString()).assertOk();
        assertEquals(onDisk.out(), again.out(), "after remount");
    }
}
