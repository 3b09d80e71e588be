package io.ucryptfs.keystore.vault;

/**
 * The naming part of a {@link Protector}, as {@link BaseKeyModule} is of a module: every kind is one
 * {@code [protector ID]} section of the config, opened by its kind's module. Kept out of the interface,
 * which says what a protector does, not how one read from a config is stored.
 */
abstract class BaseProtector implements Protector {

    protected final VaultConfig.Section section;
    private final KeyModule module;

    protected BaseProtector(KeyModule module, VaultConfig.Section section) {
        this.module = module;
        this.section = section;
    }

    @Override
    public final KeyModule module() {
        return module;
    }

    @Override
    public final String id() {
        return section.name();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + section.label();
    }
}
