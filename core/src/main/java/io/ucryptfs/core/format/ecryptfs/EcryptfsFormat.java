package io.ucryptfs.core.format.ecryptfs;

import io.ucryptfs.core.format.ContentCryptor;
import io.ucryptfs.core.format.FileFormat;
import io.ucryptfs.core.format.FormatException;
import io.ucryptfs.core.format.NoKeyException;
import io.ucryptfs.core.format.UnlockedHeader;
import io.ucryptfs.core.keys.KeyRing;
import io.ucryptfs.core.keys.KeyUnavailableException;
import io.ucryptfs.core.keys.NewFileKeys;
import io.ucryptfs.core.keys.PassphraseKey;
import io.ucryptfs.core.keys.PrivateKeyUnwrapper;
import io.ucryptfs.core.keys.PublicKeyWrapper;
import io.ucryptfs.core.keys.Secrets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The eCryptfs layout for one mount: which keys wrap new files' FEKs, the cipher size, and the flags
 * new headers carry.
 */
public final class EcryptfsFormat implements FileFormat {

    /** The xattr the kernel keeps headers in with {@code ecryptfs_xattr_metadata}. */
    public static final String HEADER_XATTR = "user.ecryptfs";

    /** The largest plaintext size accepted from a header: 2^62 bytes, far past any real filesystem. */
    static final long MAX_PLAINTEXT_SIZE = 1L << 62;

    private final KeyRing keys;
    private final CipherCode cipher;
    private final int newFileFlags;
    private final boolean headerInXattr;
    private final SecureRandom rng;
    private final NewFileKeys newFileKeys;

    /**
     * New files get a tag 3 packet per file key ({@link NewFileKeys#MOUNT_KEYS}).
     *
     * @param keyBytes AES key size of new files: 16, 24 or 32 (existing files keep theirs)
     * @param encryptedNames sets the header flag the kernel sets on mounts with name encryption
     * @param headerInXattr new files keep their header in {@value #HEADER_XATTR}
     */
    public EcryptfsFormat(KeyRing keys, int keyBytes, boolean encryptedNames, boolean headerInXattr, SecureRandom rng) {
        this(keys, keyBytes, encryptedNames, headerInXattr, rng, NewFileKeys.MOUNT_KEYS);
    }

    /**
     * @param newFileKeys which of the ring's keys wrap new files' FEKs: tag 3 packets (file keys),
     *     tag 1 packets (public keys), or both; the ring must hold a public key for the latter two
     */
    public EcryptfsFormat(KeyRing keys, int keyBytes, boolean encryptedNames, boolean headerInXattr, SecureRandom rng,
            NewFileKeys newFileKeys) {
        if (newFileKeys.usesPublicKeys() && keys.publicKeys().isEmpty()) {
            throw new IllegalArgumentException("new files are to be wrapped by a public key (" + newFileKeys
                    + "), but the mount holds none");
        }
        this.newFileKeys = newFileKeys;
        this.keys = keys;
        this.cipher = CipherCode.forKeyBytes(keyBytes);
        this.headerInXattr = headerInXattr;
        this.newFileFlags = EcryptfsHeader.FLAG_ENCRYPTED
                | (encryptedNames ? EcryptfsHeader.FLAG_ENCRYPT_FILENAMES : 0)
                | (headerInXattr ? EcryptfsHeader.FLAG_METADATA_IN_XATTR : 0);
        this.rng = rng;
    }

    @Override
    public int headerReadSize() {
        return EcryptfsHeader.READ_SIZE;
    }

    @Override
    public boolean recognizes(byte[] front, int len) {
        return EcryptfsHeader.hasMarker(front, len);
    }

    @Override
    public boolean writesHeaderToXattr() {
        return headerInXattr;
    }

    @Override
    public String headerXattrName() {
        return HEADER_XATTR;
    }

    @Override
    public UnlockedHeader open(byte[] bytes, int len, boolean fromXattr) throws FormatException {
        EcryptfsHeader header = EcryptfsHeader.parse(bytes, len, fromXattr);
        long size = EcryptfsHeader.plaintextSize(bytes);
        if (size < 0) {
            // a loff_t cannot be negative; the file layer's arithmetic would go wrong with it
            throw new FormatException("bad size field: " + Long.toUnsignedString(size) + " bytes is negative as a file size");
        }
        if (size > MAX_PLAINTEXT_SIZE) {
            // no filesystem holds such a file, and header + extents would overflow a long
            throw new FormatException("bad size field: " + size + " bytes is more than any lower file can hold");
        }
        byte[] fek = unwrapFek(header.packets());
        try {
            // A header found in the xattr is kept there, whatever its flag says (as the kernel does).
            return new Unlocked(header, new EcryptfsContentCryptor(fek), fromXattr, size, null);
        } finally {
            Secrets.wipe(fek);
        }
    }

    /** Parses without unwrapping: for tools that describe files ({@code ucryptfs info}). */
    public static EcryptfsHeader inspect(byte[] bytes, int len, boolean fromXattr) throws FormatException {
        return EcryptfsHeader.parse(bytes, len, fromXattr);
    }

    /** Whether one of the mount's keys (a file key, or a private key for a tag 1 packet) names a packet of these. */
    public boolean canOpen(EcryptfsHeader header) {
        return header.packets().stream().anyMatch(p -> p instanceof KeyPacket.PassphraseWrapped
                ? keys.fileKey(p.signature()).isPresent()
                : keys.privateKey(p.signature()).isPresent());
    }

    /**
     * The FEK from the first packet a held key opens: tag 3 packets first (no token operation), then
     * tag 1 packets, each costing one private-key operation. As the kernel's
     * {@code ecryptfs_parse_packet_set}, a tag 1 packet whose key fails is passed over for the next.
     */
    private byte[] unwrapFek(List<KeyPacket> packets) throws FormatException {
        for (KeyPacket p : packets) {
            if (p instanceof KeyPacket.PassphraseWrapped pw) {
                Optional<PassphraseKey> kek = keys.fileKey(pw.signature());
                if (kek.isPresent()) {
                    return FekWrap.unwrap(pw, kek.get());
                }
            }
        }
        List<String> unavailable = new ArrayList<>();
        FormatException damage = null;
        for (KeyPacket p : packets) {
            if (p instanceof KeyPacket.PublicKeyWrapped pk) {
                Optional<PrivateKeyUnwrapper> priv = keys.privateKey(pk.signature());
                if (priv.isEmpty()) {
                    continue;
                }
                try {
                    return unwrapTag1(pk, priv.get());
                } catch (KeyUnavailableException e) {
                    unavailable.add(e.getMessage());
                } catch (FormatException e) {
                    damage = e;
                }
            }
        }
        if (damage != null) {
            throw damage;
        }
        List<String> wanted = packets.stream().map(KeyPacket::signature).toList();
        List<String> held = new ArrayList<>(keys.signatures());
        held.addAll(keys.privateKeySignatures());
        throw new NoKeyException("no key for this file: it wants " + wanted + ", this mount holds " + held
                + (unavailable.isEmpty() ? "" : " (unavailable: " + String.join("; ", unavailable) + ")"), wanted);
    }

    private static byte[] unwrapTag1(KeyPacket.PublicKeyWrapped pk, PrivateKeyUnwrapper key) throws FormatException,
            KeyUnavailableException {
        byte[] m;
        try {
            m = key.decrypt(pk.encryptedKey());
        } catch (KeyUnavailableException e) {
            throw e;
        } catch (IOException e) {
            throw new FormatException("damaged key packet: the tag 1 packet for key " + pk.signature()
                    + " does not decrypt: " + e.getMessage());
        }
        try {
            return SessionKeyMessage.decode(m).fek();
        } catch (FormatException e) {
            throw new FormatException("damaged key packet: the tag 1 packet for key " + pk.signature() + ": "
                    + e.getMessage());
        } finally {
            Secrets.wipe(m);
        }
    }

    @Override
    public UnlockedHeader create() {
        byte[] fek = new byte[cipher.keyBytes];
        rng.nextBytes(fek);
        try {
            List<KeyPacket> packets = new ArrayList<>();
            if (newFileKeys.usesMountKeys()) {
                for (PassphraseKey k : keys.fileKeys()) {
                    packets.add(new KeyPacket.PassphraseWrapped(k.signature(), cipher, k.salt(), FekWrap.wrap(fek, cipher, k)));
                }
            }
            if (newFileKeys.usesPublicKeys()) {
                for (PublicKeyWrapper k : keys.publicKeys()) {
                    packets.add(new KeyPacket.PublicKeyWrapped(k.signature(), KeyPacket.PublicKeyWrapped.RSA,
                            SessionKeyMessage.encrypt(k, cipher, fek)));
                }
            }
            EcryptfsHeader header = EcryptfsHeader.create(newFileFlags, packets);
            // the marker is random: fix the header bytes once so every rewrite keeps the same marker
            byte[] encoded = header.encode(0, rng);
            return new Unlocked(header, new EcryptfsContentCryptor(fek), headerInXattr, 0, encoded);
        } finally {
            Secrets.wipe(fek);
        }
    }

    private static final class Unlocked implements UnlockedHeader {
        private final EcryptfsHeader header;
        private final EcryptfsContentCryptor content;
        private final boolean inXattr;
        private final long size;
        /** The header as written for a new file (null for a file we read: its bytes are never rewritten whole). */
        private final byte[] encoded;

        Unlocked(EcryptfsHeader header, EcryptfsContentCryptor content, boolean inXattr, long size, byte[] encoded) {
            this.header = header;
            this.content = content;
            this.inXattr = inXattr;
            this.size = size;
            this.encoded = encoded;
        }

        @Override
        public long plaintextSize() {
            return size;
        }

        @Override
        public long dataOffset() {
            return inXattr ? 0 : header.headerSize();
        }

        @Override
        public boolean inXattr() {
            return inXattr;
        }

        @Override
        public byte[] encode(long plaintextSize) {
            if (encoded == null) {
                throw new IllegalStateException("only a new file's header is written whole");
            }
            byte[] out = inXattr ? encoded.clone() : java.util.Arrays.copyOf(encoded, header.headerSize());
            ByteBuffer.wrap(out).putLong(0, plaintextSize);
            return out;
        }

        @Override
        public byte[] encodeSize(long plaintextSize) {
            return ByteBuffer.allocate(EcryptfsHeader.SIZE_FIELD_BYTES).putLong(0, plaintextSize).array();
        }

        @Override
        public int sizeFieldOffset() {
            return 0;
        }

        @Override
        public ContentCryptor content() {
            return content;
        }

        @Override
        public String describe() {
            return header.toString();
        }

        @Override
        public void destroy() {
            content.destroy();
        }

        @Override
        public boolean isDestroyed() {
            return content.isDestroyed();
        }
    }
}
