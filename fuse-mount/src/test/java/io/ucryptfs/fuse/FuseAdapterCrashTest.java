package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.Errno;
import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bug in one request answers EIO for that request and leaves the mount working: runtime exceptions
 * and Errors alike (either would otherwise end the worker thread). The requests come from a stand-in
 * for the kernel.
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

    private static List<Integer> callWith(Throwable t) {
        FakeKernel kernel = new FakeKernel();
        KernelRequests requests = new KernelRequests(new FuseAdapter(throwing(t), FuseAdapter.Timeouts.DEFAULT),
                kernel, 128 * 1024);
        KernelRequests.Scratch s = requests.scratch();
        kernel.send(requests, s, FuseProtocol.LOOKUP, NodeTable.ROOT, "f");
        kernel.send(requests, s, FuseProtocol.GETATTR, NodeTable.ROOT, 0, 0, 0L);
        kernel.send(requests, s, FuseProtocol.UNLINK, NodeTable.ROOT, "f");
        kernel.send(requests, s, FuseProtocol.MKDIR, NodeTable.ROOT, 0755, 022, "d");
        return kernel.errors();
    }

    @Test
    void aRuntimeExceptionAnswersEio() {
        assertEquals(List.of(Errno.EIO, Errno.EIO, Errno.EIO, Errno.EIO), callWith(new IllegalStateException("a bug")));
    }

    @Test
    void anErrorAnswersEioToo() {
        assertEquals(List.of(Errno.EIO, Errno.EIO, Errno.EIO, Errno.EIO), callWith(new StackOverflowError()));
    }
}
