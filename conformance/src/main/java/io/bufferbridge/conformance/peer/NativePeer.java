package io.bufferbridge.conformance.peer;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The native conformance peer: {@code libbbpeer.so}, compiled from {@code src/main/c/bbpeer.c} by
 * this module's build and shipped inside its jar, called through the FFM API (no JNI).
 *
 * <p>The peer is a consumer of the Arrow C data interface written without any Java, on the C
 * header {@code c/include/bufferbridge.h} alone. {@link #check} hands it an exported
 * {@code ArrowSchema}/{@code ArrowArray} pair and the logical bytes the case expects; the header's
 * {@code bb_view_import} checks the structs and reads the {@code bufferbridge.*} metadata, and the
 * peer rebuilds the logical bytes from memory, shape and strides (records included), then reads
 * the pair again as a consumer of the Arrow type alone and compares the values. {@link #reexport}
 * moves a pair into the peer and hands back a re-exported pair whose release callbacks call the
 * original release exactly once; the peer counts every release ({@link #schemaReleases()},
 * {@link #arrayReleases()}, {@link #originalReleases()}).
 *
 * <p>The library is loaded once per class loader and stays loaded ({@link Arena#global()}). The
 * JVM needs {@code --enable-native-access} for the module or class path that holds this class.
 */
public final class NativePeer {

    private static final int ERR_LEN = 1024;
    private static final int SIGNATURE_LEN = 1 << 16;
    private static final String LIBRARY = "libbbpeer.so";

    /** What {@code bbpeer_check} answered. */
    public enum Status {
        /** The structs are valid and their logical bytes equal the expected ones. */
        OK,
        /** The structs are invalid, or their logical bytes differ from the expected ones. */
        MISMATCH,
        /** The header refused a valid Arrow type it does not support (the message says which). */
        UNSUPPORTED
    }

    /** The peer's verdict on one pair; {@code message} is its own text (a summary when OK). */
    public record Result(Status status, String message) {
        public Result {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(message, "message");
        }

        public boolean ok() {
            return status == Status.OK;
        }
    }

    private static final class Holder {
        static final NativePeer INSTANCE = new NativePeer(SymbolLookup.libraryLookup(locate(), Arena.global()));
    }

    private final MethodHandle check;
    private final MethodHandle reexport;
    private final MethodHandle schemaReleases;
    private final MethodHandle arrayReleases;
    private final MethodHandle originalReleases;
    private final MethodHandle resetCounts;
    private final MethodHandle formatSignature;
    private final MethodHandle reexportView;
    private final MethodHandle viewReleases;
    private final long schemaSize;
    private final long arraySize;

    private NativePeer(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        check = linker.downcallHandle(lib.findOrThrow("bbpeer_check"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
        reexport = linker.downcallHandle(lib.findOrThrow("bbpeer_reexport"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        schemaReleases = linker.downcallHandle(lib.findOrThrow("bbpeer_schema_releases"),
                FunctionDescriptor.of(JAVA_LONG));
        arrayReleases = linker.downcallHandle(lib.findOrThrow("bbpeer_array_releases"),
                FunctionDescriptor.of(JAVA_LONG));
        originalReleases = linker.downcallHandle(lib.findOrThrow("bbpeer_original_releases"),
                FunctionDescriptor.of(JAVA_LONG));
        resetCounts = linker.downcallHandle(lib.findOrThrow("bbpeer_reset_counts"), FunctionDescriptor.ofVoid());
        formatSignature = linker.downcallHandle(lib.findOrThrow("bbpeer_format_signature"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
        reexportView = linker.downcallHandle(lib.findOrThrow("bbpeer_reexport_view"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
        viewReleases = linker.downcallHandle(lib.findOrThrow("bbpeer_view_releases"), FunctionDescriptor.of(JAVA_LONG));
        MethodHandle sizes = linker.downcallHandle(lib.findOrThrow("bbpeer_struct_sizes"),
                FunctionDescriptor.ofVoid(ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG, 2);
            sizes.invokeExact(out);
            schemaSize = out.getAtIndex(JAVA_LONG, 0);
            arraySize = out.getAtIndex(JAVA_LONG, 1);
        } catch (Throwable t) {
            throw new NativePeerException("bbpeer_struct_sizes failed", t);
        }
    }

    /** {@return {@code sizeof(struct ArrowSchema)} as the peer's compiler lays it out} */
    public long schemaSize() {
        return schemaSize;
    }

    /** {@return {@code sizeof(struct ArrowArray)} as the peer's compiler lays it out} */
    public long arraySize() {
        return arraySize;
    }

    /**
     * {@return how {@code bufferbridge.h}'s layout reader parses {@code format} (its UTF-8 bytes):
     * {@code "error <byte position>"}, or {@code "<itemsize> <padded itemsize> <alignment> <S|N>
     * <element>"} with the element tree written as {@code bbpeer_format_signature} documents}
     *
     * @param format a format string
     */
    public String formatSignature(String format) {
        Objects.requireNonNull(format, "format");
        try (Arena arena = Arena.ofConfined()) {
            byte[] utf8 = format.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            MemorySegment text = arena.allocate(Math.max(1, utf8.length));
            MemorySegment.copy(utf8, 0, text, JAVA_BYTE, 0, utf8.length);
            MemorySegment out = arena.allocate(SIGNATURE_LEN);
            int rc = (int) formatSignature.invokeExact(text, (long) utf8.length, out, (long) SIGNATURE_LEN);
            if (rc != 0) {
                throw new NativePeerException("format signature longer than " + SIGNATURE_LEN + " bytes: " + format);
            }
            return out.getString(0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativePeerException("bbpeer_format_signature failed", t);
        }
    }

    /**
     * The peer, loading {@code libbbpeer.so} on first use.
     *
     * @throws NativePeerException if the library for this platform is not on the class path or
     *     cannot be extracted
     */
    public static NativePeer instance() {
        try {
            return Holder.INSTANCE;
        } catch (ExceptionInInitializerError e) {
            throw new NativePeerException("cannot load the native peer: " + e.getCause().getMessage(), e.getCause());
        } catch (NoClassDefFoundError e) {
            throw new NativePeerException("cannot load the native peer (an earlier attempt failed)", e);
        }
    }

    /**
     * Checks an exported pair against the logical bytes a case expects. The structs are read,
     * never written or released. {@link MemorySegment#NULL} is allowed for either pointer (the
     * peer reports it).
     */
    public Result check(MemorySegment schema, MemorySegment array, byte[] expected) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(array, "array");
        Objects.requireNonNull(expected, "expected");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment exp = expected.length == 0 ? arena.allocate(1) : arena.allocateFrom(JAVA_BYTE, expected);
            MemorySegment err = arena.allocate(ERR_LEN);
            int rc = (int) check.invokeExact(schema, array, exp, (long) expected.length, err, (long) ERR_LEN);
            String message = err.getString(0);
            return switch (rc) {
                case 0 -> new Result(Status.OK, message);
                case 1 -> new Result(Status.MISMATCH, message);
                case 2 -> new Result(Status.UNSUPPORTED, message);
                default -> throw new NativePeerException("bbpeer_check returned " + rc + ": " + message);
            };
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativePeerException("bbpeer_check failed", t);
        }
    }

    /**
     * Moves {@code schema} and {@code array} into the peer (their {@code release} becomes NULL) and
     * fills {@code outSchema}/{@code outArray} with a re-exported pair over the same format, name,
     * metadata, buffers and children. Releasing each output calls the moved original's release
     * exactly once and frees the peer's storage.
     *
     * @throws NativePeerException with the peer's message when it refuses (a NULL or released
     *     input); the inputs are then left as they were
     */
    public void reexport(MemorySegment schema, MemorySegment array, MemorySegment outSchema, MemorySegment outArray) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(array, "array");
        Objects.requireNonNull(outSchema, "outSchema");
        Objects.requireNonNull(outArray, "outArray");
        if (outSchema.byteSize() < schemaSize) {
            throw new IllegalArgumentException("outSchema has " + outSchema.byteSize() + " bytes, an ArrowSchema needs " + schemaSize);
        }
        if (outArray.byteSize() < arraySize) {
            throw new IllegalArgumentException("outArray has " + outArray.byteSize() + " bytes, an ArrowArray needs " + arraySize);
        }
        int rc;
        String message;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ERR_LEN);
            rc = (int) reexport.invokeExact(schema, array, outSchema, outArray, err, (long) ERR_LEN);
            message = err.getString(0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativePeerException("bbpeer_reexport failed", t);
        }
        if (rc != 0) {
            throw new NativePeerException(message);
        }
    }

    /**
     * Moves {@code schema} and {@code array} into the peer, imports them with
     * {@code bufferbridge.h}'s {@code bb_view_import} and exports that view with its
     * {@code bb_view_export} into {@code outSchema}/{@code outArray}: C's own export of the data.
     * Releasing the exported array releases the view and the moved originals
     * ({@link #viewReleases()} counts it).
     *
     * @return whether the view C imported was a copy (the exporter's or the import's)
     * @throws NativePeerException with the header's message when it refuses; the inputs are then
     *     released
     */
    public boolean reexportView(MemorySegment schema, MemorySegment array, MemorySegment outSchema,
            MemorySegment outArray) {
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(array, "array");
        int rc;
        String message;
        int copied;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(ERR_LEN);
            MemorySegment flag = arena.allocate(JAVA_INT);
            rc = (int) reexportView.invokeExact(schema, array, outSchema, outArray, flag, err, (long) ERR_LEN);
            message = err.getString(0);
            copied = flag.get(JAVA_INT, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new NativePeerException("bbpeer_reexport_view failed", t);
        }
        if (rc != 0) {
            throw new NativePeerException(message);
        }
        return copied != 0;
    }

    /** Exports of {@link #reexportView} released by their consumer (never reset). */
    public long viewReleases() {
        return counter(viewReleases);
    }

    /** Re-exported schemas released by their consumer since the last {@link #resetCounts()}. */
    public long schemaReleases() {
        return counter(schemaReleases);
    }

    /** Re-exported arrays released by their consumer since the last {@link #resetCounts()}. */
    public long arrayReleases() {
        return counter(arrayReleases);
    }

    /** Original release callbacks (schemas and arrays) the peer called since the last reset. */
    public long originalReleases() {
        return counter(originalReleases);
    }

    /** Sets every counter to zero. */
    public void resetCounts() {
        try {
            resetCounts.invokeExact();
        } catch (Throwable t) {
            throw new NativePeerException("bbpeer_reset_counts failed", t);
        }
    }

    private static long counter(MethodHandle h) {
        try {
            return (long) h.invokeExact();
        } catch (Throwable t) {
            throw new NativePeerException("reading a peer counter failed", t);
        }
    }

    /** The platform directory under {@code native/} in the jar, e.g. {@code linux-x86_64}. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            throw new NativePeerException("the native peer is built for Linux only, this is " + os);
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64", "arm64" -> "linux-aarch64";
            default -> throw new NativePeerException("the native peer is not built for architecture " + arch);
        };
    }

    static String resourceName() {
        return "native/" + platform() + "/" + LIBRARY;
    }

    private static Path locate() {
        String name = resourceName();
        URL url = NativePeer.class.getClassLoader().getResource(name);
        if (url == null) {
            throw new NativePeerException(name + " is not on the class path; the conformance module's build "
                    + "compiles it from src/main/c/bbpeer.c and ../c/include/bufferbridge.h with gcc");
        }
        return pathOf(url);
    }

    /** A file for the library: the resource itself when it is a file, else a copy in a temp file. */
    static Path pathOf(URL url) {
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            Path tmp = Files.createTempFile("bbpeer-", ".so");
            tmp.toFile().deleteOnExit();
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return tmp;
        } catch (IOException | URISyntaxException e) {
            throw new NativePeerException("cannot extract " + url + ": " + e.getMessage(), e);
        }
    }
}
