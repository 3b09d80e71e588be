package io.ucryptfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ucryptfs.core.fs.CryptFileSystem;
import io.ucryptfs.core.fs.Errno;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

/**
 * A bug in one call answers EIO for that call and leaves the mount working: runtime exceptions and
 * Errors alike (an Error thrown through libfuse's native callback would end that worker thread). The
 * callbacks are called as libfuse calls them, with a recording stand-in for libfuse's reply functions.
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

    /** libfuse's reply functions, recording each error reply; every other call answers 0. */
    private static LowLevelFuse recording(List<Integer> errors) {
        return (LowLevelFuse) Proxy.newProxyInstance(LowLevelFuse.class.getClassLoader(),
                new Class<?>[] {LowLevelFuse.class}, (proxy, method, args) -> {
                    if (method.getName().equals("fuse_reply_err")) {
                        errors.add((Integer) args[1]);
                    }
                    if (method.getName().equals("fuse_req_ctx")) {
                        return Memory.allocateDirect(Runtime.getSystemRuntime(), 16, true); // uid, gid, pid, umask: 0
                    }
                    if (method.getReturnType() == int.class) {
                        return 0;
                    }
                    return method.getReturnType() == long.class ? (Object) 0L : null;
                });
    }

    private static Pointer cString(String s) {
        // as large as libfuse's buffers: names are read up to PATH_MAX, not past their NUL
        Pointer p = Memory.allocateDirect(Runtime.getSystemRuntime(), 4096, true);
        p.put(0, s.getBytes(), 0, s.length());
        return p;
    }

    private static List<Integer> callWith(Throwable t) {
        List<Integer> errors = new ArrayList<>();
        LowLevelOps ops = new LowLevelOps(recording(errors), new FuseAdapter(throwing(t), FuseAdapter.Timeouts.DEFAULT));
        Pointer req = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);
        ((LowLevelOps.Name) ops.callback("lookup")).call(req, NodeTable.ROOT, cString("f"));
        ((LowLevelOps.InoFi) ops.callback("getattr")).call(req, NodeTable.ROOT, null);
        ((LowLevelOps.Name) ops.callback("unlink")).call(req, NodeTable.ROOT, cString("f"));
        ((LowLevelOps.Mkdir) ops.callback("mkdir")).call(req, NodeTable.ROOT, cString("d"), 0755);
        return errors;
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
