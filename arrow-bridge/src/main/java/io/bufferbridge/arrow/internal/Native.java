package io.bufferbridge.arrow.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** FFM plumbing shared by export and import: C strings, release downcalls and upcall stubs. */
final class Native {
    /** {@code void (*release)(struct X*)}: the shape of both release callbacks. */
    static final FunctionDescriptor RELEASE = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS);

    /** Longest C string read from a foreign struct: a format or name past this is refused. */
    static final long MAX_STRING = 1 << 20;

    /**
     * {@code release(struct)} with the struct pointer passed as a 64-bit integer (the same
     * register on LP64, as MallocArena's calls): no segment object for the argument.
     */
    private static final MethodHandle CALL_RELEASE_RAW = Linker.nativeLinker().downcallHandle(
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));

    private Native() {
    }

    /** {@return a NUL-terminated UTF-8 copy of {@code s} in {@code arena}} */
    static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s, StandardCharsets.UTF_8);
    }

    /**
     * The C strings of formats and names written so far, never freed: at most {@code CONSTANTS}
     * of them, each at most 64 bytes. A small export wrote its format and its empty name into its
     * own arena every time; with these it writes pointers only.
     */
    private static final Map<String, MemorySegment> CONSTANT = new ConcurrentHashMap<>();
    private static final int CONSTANTS = 1024;

    /**
     * {@return {@code s} as a NUL-terminated UTF-8 string}: a shared, never-freed copy for a
     * short string (C consumers only read the strings of a struct, and only until its release), or
     * one in {@code arena}
     */
    static MemorySegment sharedCString(Arena arena, String s) {
        MemorySegment c = CONSTANT.get(s);
        if (c != null) {
            return c;
        }
        if (s.length() > 64 || CONSTANT.size() >= CONSTANTS) {
            return cString(arena, s);
        }
        return CONSTANT.computeIfAbsent(s, k -> Arena.global().allocateFrom(k, StandardCharsets.UTF_8));
    }

    /**
     * {@return the address of {@code s} as a shared, never-freed NUL-terminated UTF-8 string, as
     * {@link #sharedCString} keeps it}, or 0 when it is too long or the table is full: for a
     * template many exports point at ({@link LeafPairs})
     */
    static long permanentCString(String s) {
        MemorySegment c = CONSTANT.get(s);
        if (c != null) {
            return c.address();
        }
        if (s.length() > 64 || CONSTANT.size() >= CONSTANTS) {
            return 0;
        }
        return CONSTANT.computeIfAbsent(s, k -> Arena.global().allocateFrom(k, StandardCharsets.UTF_8)).address();
    }

    /** {@code ONE_CHAR[c]} is the string of ASCII character {@code c}; {@code ONE_CHAR[0]} is empty. */
    private static final String[] ONE_CHAR = new String[128];

    static {
        ONE_CHAR[0] = "";
        for (int c = 1; c < 128; c++) {
            ONE_CHAR[c] = String.valueOf((char) c);
        }
    }

    /** {@return the NUL-terminated UTF-8 string at {@code pointer}, or null if it is NULL or too long} */
    static String readCString(MemorySegment pointer) {
        return readCString(pointer.address());
    }

    /** All of memory, global scope: strings read by address with no segment per string. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** {@return the NUL-terminated UTF-8 string at {@code address}, or null if it is 0 or too long} */
    static String readCString(long address) {
        if (address == 0) {
            return null;
        }
        for (long i = 0; i < MAX_STRING; i++) {
            if (ALL.get(ValueLayout.JAVA_BYTE, address + i) == 0) {
                if (i <= 1) {
                    // Names and formats of one ASCII character (or none) are most of them.
                    int c = i == 0 ? 0 : ALL.get(ValueLayout.JAVA_BYTE, address);
                    if (c >= 0) {
                        return ONE_CHAR[c];
                    }
                }
                byte[] bytes = new byte[(int) i];
                MemorySegment.copy(ALL, ValueLayout.JAVA_BYTE, address, bytes, 0, bytes.length);
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /**
     * Calls a C release callback.
     *
     * @param function the {@code release} pointer, not NULL
     * @param struct the struct to release
     */
    static void callRelease(MemorySegment function, MemorySegment struct) {
        callRelease(function.address(), struct.address());
    }

    /**
     * Calls a C release callback, by addresses: no segment object per call.
     *
     * @param function the {@code release} pointer, not 0
     * @param struct the struct to release
     */
    static void callRelease(long function, long struct) {
        if (ExportReleases.releaseDirectly(function, struct)) {
            return;
        }
        try {
            CALL_RELEASE_RAW.invokeExact(MemorySegment.ofAddress(function), struct);
        } catch (Throwable t) {
            throw new IllegalStateException("release callback failed: function=" + function, t);
        }
    }

    /** {@return a permanent upcall stub for {@code static void name(MemorySegment)} of {@code owner}} */
    static MemorySegment upcall(Class<?> owner, String name) {
        try {
            MethodHandle target = MethodHandles.lookup().findStatic(owner, name,
                    MethodType.methodType(void.class, MemorySegment.class));
            // The stubs live as long as the JVM: a consumer may release an export at any time.
            return Linker.nativeLinker().upcallStub(target, RELEASE, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
