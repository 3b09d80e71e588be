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
 */
public final class KeyRing implements Destroyable {

    private final Map<String, PassphraseKey> fileKeys;
    private final PassphraseKey nameKey;

    private KeyRing(List<PassphraseKey> fileKeys, PassphraseKey nameKey) {
        if (fileKeys.isEmpty()) {
            throw new IllegalArgumentException("a key ring needs at least one file key");
        }
        Map<String, PassphraseKey> m = new LinkedHashMap<>();
        for (PassphraseKey k : fileKeys) {
            m.putIfAbsent(k.signature(), k);
        }
        this.fileKeys = Collections.unmodifiableMap(m);
        this.nameKey = nameKey;
    }

    /** A ring with these file keys (order kept: packets are written in this order) and an optional name key. */
    public static KeyRing of(List<PassphraseKey> fileKeys, PassphraseKey nameKey) {
        return new KeyRing(new ArrayList<>(fileKeys), nameKey);
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
    }

    @Override
    public boolean isDestroyed() {
        return fileKeys.values().stream().allMatch(PassphraseKey::isDestroyed);
    }

    @Override
    public String toString() {
        return "KeyRing" + fileKeys.keySet() + (nameKey != null ? " names:" + nameKey.signature() : "");
    }
}
