package io.ucryptfs.keystore.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class Pkcs11UriTest {

    /** The examples of RFC 7512 section 3.3, each of which must parse and format back to itself. */
    @ParameterizedTest
    @ValueSource(strings = {
        "pkcs11:",
        "pkcs11:object=my-pubkey;type=public",
        "pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
        "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;"
                + "object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin",
        "pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
        "pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
        "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin",
        "pkcs11:slot-description=Sun%20Metaslot",
        "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23",
        "pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
        "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert",
        "pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a?pin-source=file:/etc/token_pin&vendor-bbb=value-b",
    })
    void rfcExamplesRoundTrip(String text) {
        Pkcs11Uri uri = Pkcs11Uri.parse(text);
        assertEquals(text, uri.format());
        assertEquals(uri, Pkcs11Uri.parse(uri.format()));
    }

    @Test
    void rfcExampleFieldsAreDecoded() {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;"
                + "manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;"
                + "id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin");
        assertEquals(Optional.of("The Software PKCS#11 Softtoken"), uri.token());
        assertEquals(Optional.of("Snake Oil, Inc."), uri.manufacturer());
        assertEquals(Optional.of("1.0"), uri.model());
        assertEquals(Optional.of("my-certificate"), uri.object());
        assertEquals(Optional.of("cert"), uri.type());
        assertEquals(Optional.of(""), uri.serial());
        assertArrayEquals(new byte[] {0x69, (byte) 0x95, 0x3e, 0x5c, (byte) 0xf4, (byte) 0xbd, (byte) 0xec, (byte) 0x91},
                uri.id().orElseThrow());
        assertEquals(Optional.of("file:/etc/token_pin"), uri.pinSource());
        assertTrue(uri.modulePath().isEmpty());

        assertEquals(Optional.of("A name with a substring %;"),
                Pkcs11Uri.parse("pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert").token());
        assertEquals(Optional.of("Name with a small A with acute: \u00e1"),
                Pkcs11Uri.parse("pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1").token());
    }

    @Test
    void ourUsualUri() {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=laptop;serial=b7fa523866e34bdd;object=k;id=%01%02;type=private"
                + "?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin");
        assertEquals(Optional.of("/usr/lib/softhsm/libsofthsm2.so"), uri.modulePath());
        assertEquals(Optional.of("b7fa523866e34bdd"), uri.serial());
        assertArrayEquals(new byte[] {1, 2}, uri.id().orElseThrow());
        assertEquals(Optional.of("file:/run/pin"), uri.pinSource());
    }

    @Test
    void schemeIsCaseInsensitiveAndHexEitherCase() {
        Pkcs11Uri uri = Pkcs11Uri.parse("PKCS11:object=a%2fb");
        assertEquals(Optional.of("a/b"), uri.object());
        assertEquals("pkcs11:object=a%2Fb", uri.format());
    }

    @Test
    void pinValueIsHiddenFromToStringButFormatted() {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=t?pin-value=1234");
        assertFalse(uri.toString().contains("1234"));
        assertTrue(uri.format().contains("pin-value=1234"));
        assertArrayEquals("1234".toCharArray(), uri.pinValue().orElseThrow());
    }

    @Test
    void builtUrisEncodeWhatNeedsIt() {
        Pkcs11Uri uri = Pkcs11Uri.empty().withPath(Pkcs11Uri.TOKEN, "my token; été")
                .withPath(Pkcs11Uri.ID, new byte[] {0x41, 0x00})
                .withQuery(Pkcs11Uri.MODULE_PATH, "/usr/lib/x & y.so");
        assertEquals("pkcs11:token=my%20token%3B%20%C3%A9t%C3%A9;id=%41%00?module-path=/usr/lib/x%20%26%20y.so",
                uri.format());
        assertEquals(uri, Pkcs11Uri.parse(uri.format()));
        assertEquals(Optional.of("my token; été"), Pkcs11Uri.parse(uri.format()).token());
        assertTrue(uri.withPath(Pkcs11Uri.ID, (byte[]) null).id().isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "pkcs1:token=x",
        "token=x",
        "pkcs11:token=a%2",
        "pkcs11:token=a%zz",
        "pkcs11:token=a b",
        "pkcs11:token=a/b",
        "pkcs11:token=x;token=y",
        "pkcs11:token=x;;object=y",
        "pkcs11:token",
        "pkcs11:=x",
        "pkcs11:type=secret",
        "pkcs11:slot-id=abc",
        "pkcs11:token=x?pin-source=file:/a&pin-value=1",
        "pkcs11:token=x?module-path=/a&module-path=/b",
        "pkcs11:token=x#frag",
        "pkcs11:token=%FF%FE",
    })
    void malformedUrisAreRefusedWithAMessage(String text) {
        Pkcs11Uri.MalformedException e = assertThrows(Pkcs11Uri.MalformedException.class, () -> {
            Pkcs11Uri uri = Pkcs11Uri.parse(text);
            uri.token(); // a label that is not UTF-8 is found when read
        });
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void malformedMessagesNameTheProblem() {
        assertTrue(assertThrows(Pkcs11Uri.MalformedException.class, () -> Pkcs11Uri.parse("pkcs11:token=a%2"))
                .getMessage().contains("percent-escape"));
        assertTrue(assertThrows(Pkcs11Uri.MalformedException.class, () -> Pkcs11Uri.parse("pkcs11:token=x;token=y"))
                .getMessage().contains("twice"));
        assertTrue(assertThrows(Pkcs11Uri.MalformedException.class, () -> Pkcs11Uri.parse("pkcs11:object=a b"))
                .getMessage().contains("percent-encoded"));
        String pinMsg = assertThrows(Pkcs11Uri.MalformedException.class,
                () -> Pkcs11Uri.parse("pkcs11:token=x?pin-value=12%3")).getMessage();
        assertFalse(pinMsg.contains("12"), pinMsg);
    }
}
