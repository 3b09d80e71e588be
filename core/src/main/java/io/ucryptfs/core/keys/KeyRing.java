package io.ucryptfs.core.keys;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.Destroyable;

/**
 * The keys a mount holds, like the kernel's per-mount list of {@code ecryptfs_sig=} auth toks plus the
 * optional {@code ecryptfs_fnek_sig=} name key.
 *
 * <p>Every new file's FEK is wrapped once under each file key (one tag 3 + tag 11 pair each, so any of
 * them opens it); an existing file opens with whichever of its packets names a key held here.
 * Names use the name key; without one, the first file key (as {@code mount.ecryptfs} does when
 * {@code ecryptfs_fnek_sig} is not given).
 *
 * <p>Per-file public keys (the kernel's {@code ECRYPTFS_PRIVATE_KEY} auth toks) sit beside them:
 * {@link PublicKeyWrapper}s encrypt new files' FEKs into tag 1 packets (when {@link NewFileKeys} says
 * so), {@link PrivateKeyUnwrapper}s open files whose tag 1 packet names them. Either side may be held
 * without the other (a public key alone creates files this mount cannot reopen after close; a
 * private key alone only reads). All are destroyed with the ring.
 */
public final class KeyRing implements Destroyable {

    private final Map<String, PassphraseKey> fileKeys;
    private final PassphraseKey nameKey;
    private final Map<String, PublicKeyWrapper> publicKeys;
    private final Map<String, PrivateKeyUnwrapper> privateKeys;

    private KeyRing(List<PassphraseKey> fileKeys, PassphraseKey nameKey, List<PublicKeyWrapper> publicKeys,
            List<PrivateKeyUnwrapper> privateKeys) {
        if (fileKeys.isEmpty()) {
            throw new IllegalArgumentException("a key ring needs at least one file key");
        }
        Map<String, PassphraseKey> m = new LinkedHashMap<>();
        for (PassphraseKey k : fileKeys) {
            m.putIfAbsent(k.signature(), k);
        }
        this.fileKeys = Collections.unmodifiableMap(m);
        this.nameKey = nameKey;
        Map<String, PublicKeyWrapper> pub = new LinkedHashMap<>();
        publicKeys.forEach(k -> pub.putIfAbsent(k.signature(), k));
        this.publicKeys = Collections.unmodifiableMap(pub);
        Map<String, PrivateKeyUnwrapper> priv = new LinkedHashMap<>();
        privateKeys.forEach(k -> priv.putIfAbsent(k.signature(), k));
        this.privateKeys = Collections.unmodifiableMap(priv);
    }

    /** A ring with these file keys (order kept: packets are written in this order) and an optional name key. */
    public static KeyRing of(List<PassphraseKey> fileKeys, PassphraseKey nameKey) {
        return new KeyRing(new ArrayList<>(fileKeys), nameKey, List.of(), List.of());
    }

    /**
     * A ring with file keys, an optional name key, and per-file public keys (tag 1 packets are written
     * in {@code publicKeys} order) and private keys. The ring owns them all from here: {@link #destroy}
     * destroys them.
     */
    public static KeyRing of(List<PassphraseKey> fileKeys, PassphraseKey nameKey, List<? extends PublicKeyWrapper> publicKeys,
            List<? extends PrivateKeyUnwrapper> privateKeys) {
        return new KeyRing(new ArrayList<>(fileKeys), nameKey, List.copyOf(publicKeys), List.copyOf(privateKeys));
    }

    public static KeyRing of(PassphraseKey fileKey) {
        return of(List.of(fileKey), null);
    }

    /** The file keys, in packet order. */
    public List<PassphraseKey> fileKeys() {
        return List.copyOf(fileKeys.values());
    }

    public Optional<PassphraseKey> fileKey(String signature) {
        return Optional.ofNullable(fileKeys.get(signature));
    }

    public List<String> signatures() {
        return List.copyOf(fileKeys.keySet());
    }

    /** The public keys that encrypt new files' FEKs into tag 1 packets, in packet order. */
    public List<PublicKeyWrapper> publicKeys() {
        return List.copyOf(publicKeys.values());
    }

    public List<String> publicKeySignatures() {
        return List.copyOf(publicKeys.keySet());
    }

    /** The private key that opens tag 1 packets naming {@code signature}, if held. */
    public Optional<PrivateKeyUnwrapper> privateKey(String signature) {
        return Optional.ofNullable(privateKeys.get(signature));
    }

    public List<String> privateKeySignatures() {
        return List.copyOf(privateKeys.keySet());
    }

    /** The key that encrypts names: the name key if one was given, else the first file key. */
    public PassphraseKey nameKey() {
        return nameKey != null ? nameKey : fileKeys.values().iterator().next();
    }

    public boolean hasSeparateNameKey() {
        return nameKey != null;
    }

    @Override
    public void destroy() {
        fileKeys.values().forEach(PassphraseKey::destroy);
        if (nameKey != null) {
            nameKey.destroy();
        }
        publicKeys.values().forEach(KeyRing::destroyQuietly);
        privateKeys.values().forEach(KeyRing::destroyQuietly);
    }

    private static void destroyQuietly(Destroyable d) {
        try {
            if (!d.isDestroyed()) {
                d.destroy();
            }
        } catch (javax.security.auth.DestroyFailedException e) {
            // nothing held to wipe (a public key, a token's handle): it is unusable all the same
        }
    }

    @Override
    public boolean isDestroyed() {
        return fileKeys.values().stream().allMatch(PassphraseKey::isDestroyed);
    }

    @Override
    public String toString() {
        return "KeyRing" + fileKeys.keySet() + (nameKey != null ? " names:" + nameKey.signature() : "")
                + (publicKeys.isEmpty() ? "" : " public:" + publicKeys.keySet())
                + (privateKeys.isEmpty() ? "" : " private:" + privateKeys.keySet());
    }
}
