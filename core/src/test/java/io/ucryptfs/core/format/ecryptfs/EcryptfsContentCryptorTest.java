package io.ucryptfs.core.format.ecryptfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Runs of extents ({@code encryptExtents}/{@code decryptExtents}) against one extent at a time. */
class EcryptfsContentCryptorTest {
    private static final int ES = 4096;

    @Test
    void aRunIsTheSameBytesAsItsExtentsOneByOne() {
        Random r = new Random(5);
        for (int keyBytes : new int[] {16, 24, 32}) {
            byte[] fek = new byte[keyBytes];
            r.nextBytes(fek);
            EcryptfsContentCryptor c = new EcryptfsContentCryptor(fek);
            for (int count : new int[] {1, 3, 8, 16, 17, 32, 64}) {
                long first = r.nextInt(1 << 20);
                byte[] plain = new byte[count * ES];
                r.nextBytes(plain);

                // one by one
                byte[] expected = new byte[count * ES];
                for (int k = 0; k < count; k++) {
                    c.encryptExtent(first + k, ByteBuffer.wrap(plain, k * ES, ES), ByteBuffer.wrap(expected, k * ES, ES));
                }

                // as a run, from a buffer that does not start at 0 and has room left after
                ByteBuffer in = ByteBuffer.allocate(count * ES + 100).position(50);
                in.put(plain).flip().position(50);
                ByteBuffer out = ByteBuffer.allocate(count * ES + 200).position(70);
                c.encryptExtents(first, count, in, out);
                assertEquals(50 + count * ES, in.position(), "input consumed");
                assertEquals(70 + count * ES, out.position(), "output advanced");
                byte[] got = new byte[count * ES];
                out.flip().position(70);
                out.get(got);
                assertArrayEquals(expected, got, count + " extents from " + first + ", " + keyBytes + "-byte key");

                ByteBuffer back = ByteBuffer.allocate(count * ES);
                c.decryptExtents(first, count, ByteBuffer.wrap(expected), back);
                assertArrayEquals(plain, back.array(), "decrypted run");
            }
            c.destroy();
        }
    }
}
