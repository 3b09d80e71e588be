package io.ucryptfs.keystore.vault;

/** The naming part of a {@link KeyModule}: kind, credential type and id prefix, fixed at construction. */
abstract class BaseKeyModule implements KeyModule {
    private final String kind;
    private final Class<? extends Credential> credential;
    private final String idPrefix;

    BaseKeyModule(String kind, Class<? extends Credential> credential, String idPrefix) {
        this.kind = kind;
        this.credential = credential;
        this.idPrefix = idPrefix;
    }

    @Override
    public final String kind() {
        return kind;
    }

    @Override
    public final Class<? extends Credential> credential() {
        return credential;
    }

    @Override
    public final String idPrefix() {
        return idPrefix;
    }

    @Override
    public String toString() {
        return "KeyModule[" + kind + "]";
    }
}
