package io.ucryptfs.core.names;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EcryptfsBase64Test {

    private static final String STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /** Standard base64 with padding, mapped to eCryptfs' alphabet; '=' is the zero fill, i.e. '-'. */
    private static String viaJdk(byte[] data) {
        String std = Base64.getEncoder().encodeToString(data);
        StringBuilder sb = new StringBuilder();
        for (char c : std.toCharArray()) {
            sb.append(c == '=' ? '-' : EcryptfsBase64.ALPHABET.charAt(STANDARD.indexOf(c)));
        }
        return sb.toString();
    }

    @Test
    void encodeIsBase64BitOrderWithTheKernelAlphabetAndZeroFill() {
        Random rnd = new Random(1);
        for (int n = 0; n <= 300; n++) {
            byte[] data = new byte[n];
            rnd.nextBytes(data);
            String enc = EcryptfsBase64.encode(data);
            assertEquals(viaJdk(data), enc, "n=" + n);
            assertEquals(EcryptfsBase64.encodedLength(n), enc.length());
            byte[] dec = EcryptfsBase64.decode(enc);
            // the kernel decodes 6 bits per character: the zero fill of the last group comes back too
            assertEquals(EcryptfsBase64.decodedLength(enc.length()), dec.length);
            assertArrayEquals(data, Arrays.copyOf(dec, n), "n=" + n);
            for (int i = n; i < dec.length; i++) {
                assertEquals(0, dec[i]);
            }
        }
    }

    @Test
    void kernelNameDecodesToATag70PacketWithTheFnekSignature() {
        // first entry of aes128_fnek/lower-listing.txt
        byte[] packet = EcryptfsBase64.decode("FWaYBgyaCXPhsETiBFfKRtbTyV3xESxvM00O.balkmJZfgczpIfF50NG8U--");
        assertEquals(0x46, packet[0] & 0xff);
        assertEquals(8 + 1 + 32, packet[1] & 0xff);
        assertEquals("a436cfa63a36ede1", HexFormat.of().formatHex(packet, 2, 10));
        assertEquals(0x07, packet[10]);
    }

    @Test
    void decodeRejectsCharactersOutsideTheAlphabet() {
        for (String bad : new String[] {"AB+C", "AB/C", "ABC=", "AB C", "AB_C", "ABé-", "AB\0C", "AB~C"}) {
            assertThrows(IllegalArgumentException.class, () -> EcryptfsBase64.decode(bad), bad);
        }
        assertArrayEquals(new byte[0], EcryptfsBase64.decode(""));
    }

    @Test
    void alphabetIsTheKernelsPortableFilenameChars() {
        assertEquals(64, EcryptfsBase64.ALPHABET.length());
        assertEquals(64, EcryptfsBase64.ALPHABET.chars().distinct().count());
        assertEquals("-", EcryptfsBase64.encode(new byte[] {0}).substring(0, 1));
        assertEquals("zzzz", EcryptfsBase64.encode(new byte[] {-1, -1, -1}));
    }
}
