package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountSettingsTest {
    /** The kernel checks permissions when other users reach the mount; otherwise the lower filesystem does. */
    @Test
    void defaultPermissionsWithAllowOtherOnlyUnlessAskedFor() {
        List<String> own = new MountSettings("l", false, false, false, List.of()).fuseOptions();
        assertFalse(own.contains("default_permissions"), String.valueOf(own));
        assertFalse(own.contains("allow_other"));

        List<String> shared = new MountSettings("l", false, true, false, List.of()).fuseOptions();
        assertTrue(shared.contains("default_permissions"), String.valueOf(shared));
        assertTrue(shared.contains("allow_other"));

        List<String> asked = new MountSettings("l", false, false, false, List.of("default_permissions")).fuseOptions();
        assertEquals(1, asked.stream().filter("default_permissions"::equals).count(), String.valueOf(asked));
        List<String> both = new MountSettings("l", false, true, false, List.of("default_permissions")).fuseOptions();
        assertEquals(1, both.stream().filter("default_permissions"::equals).count(), "once: " + both);
    }
}
