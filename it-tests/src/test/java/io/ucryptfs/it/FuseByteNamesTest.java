package io.ucryptfs.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.names.NameBytes;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * File names that are not UTF-8 through a real mount (stress-ng's filename stressor makes such names):
 * they are bytes end to end, so they list, open, rename, link and unlink as the exact bytes, and names
 * that differ only in bytes outside UTF-8 are distinct files. Java cannot name such files itself, so
 * python3 does it with bytes paths.
 */
class FuseByteNamesTest extends FuseTestBase {
    static final String PASS = "fuse-it byte names";

    /** Run in the mount point with argv[1] = the longest name in bytes. */
    static final String THROUGH_MOUNT = """
            import errno, os, sys
            longest = int(sys.argv[1])
            names = [b'\\xffX', b'\\xfeX', 'été'.encode(), '\\U0001F600'.encode(), b'\\xc3', b'\\xef\\xbf\\xbd',
                     bytes(range(1, 0x80)).replace(b'/', b'').replace(b'.', b''), bytes(range(0x80, 0x100)),
                     bytes(0x80 + i % 0x80 for i in range(longest))]
            for i, n in enumerate(names):
                with open(n, 'wb') as f:
                    f.write(b'content %d' % i)
            assert sorted(os.listdir(b'.')) == sorted(names), os.listdir(b'.')
            for i, n in enumerate(names):
                assert open(n, 'rb').read() == b'content %d' % i, n
                assert os.stat(n).st_size == len(b'content %d' % i), n
            try:
                open(bytes(0x80 + i % 0x80 for i in range(longest + 1)), 'wb')
                sys.exit('a name of longest + 1 bytes was created')
            except OSError as e:
                assert e.errno == errno.ENAMETOOLONG, e
            os.mkdir(b'd\\xe9')
            os.symlink(b'../\\xffX', b'd\\xe9/ln\\x80')
            assert os.readlink(b'd\\xe9/ln\\x80') == b'../\\xffX'
            assert open(b'd\\xe9/ln\\x80', 'rb').read() == b'content 0'
            os.rename(b'\\xfeX', b'd\\xe9/\\xfdY')
            os.link(b'd\\xe9/\\xfdY', b'd\\xe9/\\xfcZ')
            assert sorted(os.listdir(b'd\\xe9')) == [b'ln\\x80', b'\\xfcZ', b'\\xfdY'], os.listdir(b'd\\xe9')
            os.unlink(b'd\\xe9/\\xfcZ')
            assert not os.path.exists(b'\\xfeX')
            print('ok')
            """;

    @ParameterizedTest(name = "encrypted names: {0}")
    @ValueSource(booleans = {true, false})
    void namesAreBytesEndToEnd(boolean fnek) throws Exception {
        List<String> keys = Mounts.bare(tmp, PASS, fnek);
        mounts.mount(lower, mnt, keys);
        int longest = fnek ? 143 : 255;
        Cmd.run(mnt, 120, List.of("python3", "-c", THROUGH_MOUNT, Integer.toString(longest))).assertOk();
        mounts.umount(mnt);

        if (!fnek) {
            // without name encryption the lower names are the very bytes
            Cmd.run(lower, 60, List.of("python3", "-c",
                    "import os; assert {b'\\xffX', b'd\\xe9'} <= set(os.listdir(b'.')), os.listdir(b'.');"
                    + " assert sorted(os.listdir(b'd\\xe9')) == [b'ln\\x80', b'\\xfdY']")).assertOk();
        }

        // read offline by core in this JVM: the same names, as NameBytes Strings
        String ffX = NameBytes.decode(new byte[] {(byte) 0xFF, 'X'});
        String dir = "/" + NameBytes.decode(new byte[] {'d', (byte) 0xE9});
        try (CryptFileSystem fs = Data.openLower(lower, PASS, fnek, true)) {
            assertTrue(fs.readdir("/").containsAll(List.of(ffX, "été", "\uD83D\uDE00")), fs.readdir("/").toString());
            assertEquals(9, fs.readdir("/").size(), fs.readdir("/").toString());
            assertEquals("../" + ffX, fs.readlink(dir + "/" + NameBytes.decode(new byte[] {'l', 'n', (byte) 0x80})));
            assertEquals(Set.of(NameBytes.decode(new byte[] {'l', 'n', (byte) 0x80}), NameBytes.decode(new byte[] {(byte) 0xFD, 'Y'})),
                    Set.copyOf(fs.readdir(dir)));
        }

        // and through a new mount
        mounts.mount(lower, mnt, keys);
        Cmd.run(mnt, 60, List.of("python3", "-c",
                "import os; assert open(b'd\\xe9/\\xfdY', 'rb').read() == b'content 1'; assert len(os.listdir(b'.')) == 9")).assertOk();
        mounts.umount(mnt);
    }
}
