package io.bufferbridge.conformance;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CPython with NumPy and pyarrow, embedded in this JVM through the FFM API: the JVM and the
 * interpreter share one process, so the {@code ArrowSchema}/{@code ArrowArray} structs pass between
 * them as plain addresses.
 *
 * <p>How the interpreter is found and started:
 * <ol>
 *   <li>The interpreter named by {@code BUFFERBRIDGE_PYTHON} (default {@code python3} on
 *       {@code PATH}) is asked, as a child process, for {@code sysconfig}'s {@code LIBDIR} and
 *       {@code LDLIBRARY}, its {@code sys.base_prefix} and {@code sys.path}, and whether NumPy and
 *       pyarrow import. A static-only build, a missing NumPy or pyarrow makes the peer unavailable,
 *       with the reason.</li>
 *   <li>The shared {@code libpython} is opened with libc's {@code dlopen(RTLD_NOW | RTLD_GLOBAL)}
 *       through a downcall, so that the extension modules NumPy and pyarrow load later find the
 *       interpreter's symbols (a plain {@link SymbolLookup#libraryLookup} opens it
 *       {@code RTLD_LOCAL} and their imports fail).</li>
 *   <li>{@code PYTHONHOME} is set (libc {@code setenv}) to that interpreter's prefix, then
 *       {@code Py_InitializeEx(0)} (no signal handlers: the JVM keeps its own), then
 *       {@code sys.path} becomes that interpreter's, so its site-packages import, and
 *       {@code pyarrow_peer.py} (shipped in this jar under {@code python/}) is loaded as a module.
 *       The starting thread then gives up the GIL ({@code PyEval_SaveThread}). Other peer modules
 *       shipped there ({@code cpython_peer.py}) are loaded the same way on their first call.</li>
 *   <li>Every {@link #call} takes the GIL with {@code PyGILState_Ensure} from whatever JVM thread
 *       calls, puts one JSON string (addresses are JSON integers) into {@code __main__}'s dict as
 *       {@code _bb_in}, runs {@code _bb_out = pyarrow_peer.call(_bb_in)} (or the named module's
 *       {@code call}) with
 *       {@code PyRun_SimpleString}, reads {@code _bb_out} with {@code PyUnicode_AsUTF8} and
 *       releases the GIL.</li>
 * </ol>
 * The interpreter is started once per process and never finalized (extension modules cannot be
 * unloaded, and finalizing while Arrow buffers are still shared would free them under Java).
 */
public final class PyArrowPython {
    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBE = String.join("\n",
            "import json, sys, sysconfig",
            "out = {'libdir': sysconfig.get_config_var('LIBDIR'), 'ldlibrary': sysconfig.get_config_var('LDLIBRARY'),",
            "       'instsoname': sysconfig.get_config_var('INSTSONAME'), 'shared': sysconfig.get_config_var('Py_ENABLE_SHARED'),",
            "       'base_prefix': sys.base_prefix, 'base_exec_prefix': sys.base_exec_prefix, 'path': sys.path,",
            "       'executable': sys.executable, 'version': sys.version.split()[0]}",
            "for name in ('numpy', 'pyarrow'):",
            "    try:",
            "        out[name] = __import__(name).__version__",
            "    except Exception as e:",
            "        out[name + '_error'] = repr(e)",
            "print(json.dumps(out))");

    private static PyArrowPython instance;
    private static String unavailable;
    private static boolean tried;

    private final String description;
    private final MethodHandle gilEnsure;
    private final MethodHandle gilRelease;
    private final MethodHandle runSimpleString;
    private final MethodHandle unicodeFromString;
    private final MethodHandle unicodeAsUtf8;
    private final MethodHandle dictSetItemString;
    private final MethodHandle dictGetItemString;
    private final MethodHandle decRef;
    private final MemorySegment mainDict;
    /** The peer modules loaded so far ({@link #call(String, ObjectNode)}). */
    private final java.util.Set<String> loaded = new java.util.HashSet<>();

    private PyArrowPython(String description, SymbolLookup python, MemorySegment mainDict) {
        Linker linker = Linker.nativeLinker();
        this.description = description;
        this.gilEnsure = linker.downcallHandle(find(python, "PyGILState_Ensure"), FunctionDescriptor.of(JAVA_INT));
        this.gilRelease = linker.downcallHandle(find(python, "PyGILState_Release"), FunctionDescriptor.ofVoid(JAVA_INT));
        this.runSimpleString = linker.downcallHandle(find(python, "PyRun_SimpleString"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        this.unicodeFromString = linker.downcallHandle(find(python, "PyUnicode_FromString"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        this.unicodeAsUtf8 = linker.downcallHandle(find(python, "PyUnicode_AsUTF8"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        this.dictSetItemString = linker.downcallHandle(find(python, "PyDict_SetItemString"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        this.dictGetItemString = linker.downcallHandle(find(python, "PyDict_GetItemString"), FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        this.decRef = linker.downcallHandle(find(python, "Py_DecRef"), FunctionDescriptor.ofVoid(ADDRESS));
        this.mainDict = mainDict;
    }

    /**
     * {@return the embedded interpreter, started on first use; null when it cannot run here (see
     * {@link #unavailable()})}
     */
    public static synchronized PyArrowPython instance() {
        if (!tried) {
            tried = true;
            try {
                instance = start();
            } catch (Unavailable e) {
                unavailable = e.getMessage();
            } catch (IOException | RuntimeException | LinkageError e) {
                unavailable = "the embedded Python could not start: " + e;
            }
        }
        return instance;
    }

    /** {@return why {@link #instance()} is null, or null when the interpreter runs} */
    public static synchronized String unavailable() {
        instance();
        return unavailable;
    }

    /** {@return the interpreter, NumPy and pyarrow versions and the libpython path} */
    public String description() {
        return description;
    }

    /**
     * Calls {@code pyarrow_peer.call} with one request and returns its JSON answer. The GIL is
     * held for the call only.
     *
     * @param request a JSON object with at least {@code fn}
     * @return the answer; it has {@code error} (with the Python traceback) when the call raised
     */
    public JsonNode call(ObjectNode request) {
        return call("pyarrow_peer", request);
    }

    /**
     * Calls {@code call} of another peer module shipped in this jar under {@code python/} (such as
     * {@code cpython_peer}), loaded into the interpreter as {@code pyarrow_peer.py} is, on first use.
     *
     * @param module the module's name: {@code python/<module>.py} on the class path
     * @param request a JSON object with at least {@code fn}
     * @return the answer; it has {@code error} when the module did not load or the call raised
     */
    public synchronized JsonNode call(String module, ObjectNode request) {
        if (!module.matches("[a-z_]+")) {
            throw new IllegalArgumentException("not a peer module name: module='" + module + "'");
        }
        if (!loaded.contains(module)) {
            JsonNode answer;
            try {
                ObjectNode load = request("load").put("module", module).put("source", peerSource(module));
                answer = boot(load, module);
            } catch (Unavailable | IOException e) {
                return JSON.createObjectNode().put("error", e.getMessage());
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (answer.has("error")) {
                return answer;
            }
            loaded.add(module);
        }
        String text;
        try {
            text = JSON.writeValueAsString(request);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
        String answer;
        try (Arena arena = Arena.ofConfined()) {
            int gil = (int) gilEnsure.invokeExact();
            try {
                MemorySegment in = (MemorySegment) unicodeFromString.invokeExact(arena.allocateFrom(text));
                if (in.address() == 0) {
                    throw new IllegalStateException("PyUnicode_FromString failed");
                }
                int set = (int) dictSetItemString.invokeExact(mainDict, arena.allocateFrom("_bb_in"), in);
                decRef.invokeExact(in);
                if (set != 0) {
                    throw new IllegalStateException("PyDict_SetItemString failed");
                }
                int rc = (int) runSimpleString.invokeExact(arena.allocateFrom("_bb_out = " + module + ".call(_bb_in)"));
                if (rc != 0) {
                    throw new IllegalStateException(module + ".call raised past its own handler (see stderr)");
                }
                answer = string((MemorySegment) dictGetItemString.invokeExact(mainDict, arena.allocateFrom("_bb_out")));
            } finally {
                gilRelease.invokeExact(gil);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        try {
            return JSON.readTree(answer);
        } catch (IOException e) {
            throw new IllegalStateException(module + " answered something that is not JSON: " + answer, e);
        }
    }

    /** {@return a new request object for {@link #call}} */
    public static ObjectNode request(String fn) {
        return JSON.createObjectNode().put("fn", fn);
    }

    private String string(MemorySegment unicode) throws Throwable {
        if (unicode.address() == 0) {
            throw new IllegalStateException("_bb_out is not set");
        }
        MemorySegment utf8 = (MemorySegment) unicodeAsUtf8.invokeExact(unicode);
        if (utf8.address() == 0) {
            throw new IllegalStateException("_bb_out is not a str");
        }
        return utf8.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
    }

    /** Why the interpreter cannot run here; the message is the skip reason. */
    private static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    private static PyArrowPython start() throws Unavailable, IOException {
        String exe = System.getenv("BUFFERBRIDGE_PYTHON");
        if (exe == null || exe.isBlank()) {
            exe = "python3";
        }
        JsonNode probe = probe(exe);
        for (String module : List.of("numpy", "pyarrow")) {
            if (!probe.has(module)) {
                throw new Unavailable(module + " does not import in " + exe + " (" + probe.path(module + "_error").asText()
                        + "); install it with: " + exe + " -m pip install " + module);
            }
        }
        String libdir = probe.path("libdir").asText();
        Path library = null;
        for (String name : List.of(probe.path("ldlibrary").asText(), probe.path("instsoname").asText())) {
            if (name.contains(".so") && Files.exists(Path.of(libdir, name))) {
                library = Path.of(libdir, name);
                break;
            }
        }
        if (library == null) {
            throw new Unavailable(exe + " (" + probe.path("executable").asText() + ") has no shared libpython in " + libdir
                    + " (LDLIBRARY=" + probe.path("ldlibrary").asText() + "); a build with --enable-shared is needed");
        }
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MethodHandle dlopen = linker.downcallHandle(find(libc, "dlopen"), FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        MethodHandle dlerror = linker.downcallHandle(find(libc, "dlerror"), FunctionDescriptor.of(ADDRESS));
        MethodHandle dlsym = linker.downcallHandle(find(libc, "dlsym"), FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        MethodHandle setenv = linker.downcallHandle(find(libc, "setenv"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        try {
            MemorySegment handle;
            try (Arena arena = Arena.ofConfined()) {
                handle = (MemorySegment) dlopen.invokeExact(arena.allocateFrom(library.toString()), RTLD_NOW | RTLD_GLOBAL);
            }
            if (handle.address() == 0) {
                MemorySegment err = (MemorySegment) dlerror.invokeExact();
                throw new Unavailable("dlopen(" + library + ") failed: "
                        + (err.address() == 0 ? "?" : err.reinterpret(Long.MAX_VALUE).getString(0)));
            }
            SymbolLookup python = name -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment at = (MemorySegment) dlsym.invokeExact(handle, arena.allocateFrom(name));
                    return at.address() == 0 ? java.util.Optional.empty() : java.util.Optional.of(at);
                } catch (Throwable t) {
                    return java.util.Optional.empty();
                }
            };
            MethodHandle isInitialized = linker.downcallHandle(find(python, "Py_IsInitialized"), FunctionDescriptor.of(JAVA_INT));
            if ((int) isInitialized.invokeExact() != 0) {
                throw new Unavailable("a Python interpreter is already running in this process");
            }
            String home = probe.path("base_prefix").asText();
            String execHome = probe.path("base_exec_prefix").asText();
            try (Arena arena = Arena.ofConfined()) {
                int rc = (int) setenv.invokeExact(arena.allocateFrom("PYTHONHOME"),
                        arena.allocateFrom(home.equals(execHome) ? home : home + ":" + execHome), 1);
                if (rc != 0) {
                    throw new Unavailable("setenv(PYTHONHOME) failed");
                }
            }
            MethodHandle initialize = linker.downcallHandle(find(python, "Py_InitializeEx"), FunctionDescriptor.ofVoid(JAVA_INT));
            initialize.invokeExact(0);
            MethodHandle addModule = linker.downcallHandle(find(python, "PyImport_AddModule"), FunctionDescriptor.of(ADDRESS, ADDRESS));
            MethodHandle getDict = linker.downcallHandle(find(python, "PyModule_GetDict"), FunctionDescriptor.of(ADDRESS, ADDRESS));
            MethodHandle saveThread = linker.downcallHandle(find(python, "PyEval_SaveThread"), FunctionDescriptor.of(ADDRESS));
            MemorySegment main;
            try (Arena arena = Arena.ofConfined()) {
                main = (MemorySegment) getDict.invokeExact((MemorySegment) addModule.invokeExact(arena.allocateFrom("__main__")));
            }
            String description = "Python " + probe.path("version").asText() + " (" + library + "), NumPy "
                    + probe.path("numpy").asText() + ", pyarrow " + probe.path("pyarrow").asText();
            PyArrowPython py = new PyArrowPython(description, python, main);
            // Py_InitializeEx left this thread holding the GIL; from here on every call takes it.
            MemorySegment ignored = (MemorySegment) saveThread.invokeExact();
            List<String> path = new ArrayList<>();
            probe.path("path").forEach(p -> {
                if (!p.asText().isEmpty()) {
                    path.add(p.asText());
                }
            });
            ObjectNode boot = request("boot");
            boot.putPOJO("path", path);
            boot.put("source", peerSource("pyarrow_peer"));
            JsonNode answer = py.boot(boot, "pyarrow_peer");
            if (answer.has("error")) {
                throw new Unavailable("pyarrow_peer.py did not load in the embedded Python: " + answer.path("error").asText());
            }
            py.loaded.add("pyarrow_peer");
            return py;
        } catch (Unavailable | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Loads {@code <module>.py} as module {@code module} into {@code __main__}; the first request
     * ({@code boot}) also sets {@code sys.path}.
     */
    private synchronized JsonNode boot(ObjectNode request, String module) throws Throwable {
        String bootstrap = String.join("\n",
                "import json, sys, traceback, types",
                "try:",
                "    _bb_req = json.loads(_bb_in)",
                "    if 'path' in _bb_req:",
                "        sys.path[:] = _bb_req['path']",
                "        sys.argv = ['bufferbridge']",
                "    " + module + " = types.ModuleType('" + module + "')",
                "    " + module + ".__file__ = '" + module + ".py'",
                "    sys.modules['" + module + "'] = " + module,
                "    exec(compile(_bb_req['source'], '" + module + ".py', 'exec'), " + module + ".__dict__)",
                "    _bb_out = json.dumps({'ok': True})",
                "except BaseException:",
                "    _bb_out = json.dumps({'error': traceback.format_exc()})",
                "del _bb_req",
                "");
        try (Arena arena = Arena.ofConfined()) {
            int gil = (int) gilEnsure.invokeExact();
            try {
                MemorySegment in = (MemorySegment) unicodeFromString.invokeExact(arena.allocateFrom(JSON.writeValueAsString(request)));
                int set = (int) dictSetItemString.invokeExact(mainDict, arena.allocateFrom("_bb_in"), in);
                decRef.invokeExact(in);
                int rc = (int) runSimpleString.invokeExact(arena.allocateFrom(bootstrap));
                if (set != 0 || rc != 0) {
                    return JSON.createObjectNode().put("error", "the bootstrap code failed (see stderr)");
                }
                return JSON.readTree(string((MemorySegment) dictGetItemString.invokeExact(mainDict, arena.allocateFrom("_bb_out"))));
            } finally {
                gilRelease.invokeExact(gil);
            }
        }
    }

    private static String peerSource(String module) throws IOException, Unavailable {
        try (InputStream in = PyArrowPython.class.getResourceAsStream("/python/" + module + ".py")) {
            if (in == null) {
                throw new Unavailable("python/" + module + ".py is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonNode probe(String exe) throws Unavailable {
        Process p;
        try {
            p = new ProcessBuilder(exe, "-c", PROBE).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new Unavailable("no Python interpreter: cannot run '" + exe + "' (" + e.getMessage()
                    + "); set BUFFERBRIDGE_PYTHON to one");
        }
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroy();
                throw new Unavailable("'" + exe + "' did not answer the sysconfig probe");
            }
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new Unavailable("'" + exe + "' answered the sysconfig probe with something that is not JSON: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while probing '" + exe + "'");
        }
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("symbol not found: " + name));
    }
}
