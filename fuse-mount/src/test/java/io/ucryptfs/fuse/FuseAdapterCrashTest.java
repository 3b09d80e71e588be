package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.Errno;
import java.lang.reflect.Proxy;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * A bug in one call answers EIO for that call and leaves the adapter working: runtime exceptions and
 * Errors alike (an Error thrown through libfuse's native callback would end that worker thread).
 */
class FuseAdapterCrashTest {

    private static CryptFileSystem throwing(Throwable t) {
        return (CryptFileSystem) Proxy.newProxyInstance(CryptFileSystem.class.getClassLoader(),
                new Class<?>[] {CryptFileSystem.class}, (proxy, method, args) -> {
                    return switch (method.getName()) {
                        case "toString" -> "throwing fs";
                        case "hashCode" -> 0;
                        case "equals" -> proxy == args[0];
                        default -> throw t;
                    };
                });
    }

    @Test
    void aRuntimeExceptionAnswersEio() {
        FuseAdapter a = new FuseAdapter(throwing(new IllegalStateException("a bug")));
        assertEquals(-Errno.EIO, a.getattr("/f", new FileStat(Runtime.getSystemRuntime())));
        assertEquals(-Errno.EIO, a.unlink("/f"));
    }

    @Test
    void anErrorAnswersEioToo() {
        FuseAdapter a = new FuseAdapter(throwing(new StackOverflowError()));
        assertEquals(-Errno.EIO, a.getattr("/f", new FileStat(Runtime.getSystemRuntime())));
        assertEquals(-Errno.EIO, a.mkdir("/d", 0755));
    }
}
