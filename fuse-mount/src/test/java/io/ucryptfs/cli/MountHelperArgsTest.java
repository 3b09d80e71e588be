package io.ucryptfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** mount(8)'s helper form turned into our mount command: the token options. */
class MountHelperArgsTest {

    @Test
    void tokenOptionsBecomeMountOptions() {
        String[] out = MountHelperArgs.translate(new String[] {"/v.lower", "/v", "-o",
                "token=pkcs11:token=t,pinfile=/p,lock_open_files,token_poll=500,noauto,fsname=x"});
        assertEquals(List.of("mount", "/v.lower", "/v", "--token", "pkcs11:token=t", "--pin-file", "/p",
                "--lock-open-files", "--token-poll", "500", "-o", "fsname=x"), List.of(out));
    }
}
