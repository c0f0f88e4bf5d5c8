package io.bufferbridge.arrow.c;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A missing JVM flag is reported as one line that names it, and nothing else is printed: the
 * probe runs in a JVM started without the flag, on this test's class and module path as a class
 * path.
 */
class JvmFlagsTest {

    private static List<String> run(List<String> flags, String what) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        // The probe runs on the class path, as a user's application does (the flags name
        // ALL-UNNAMED), with what surefire put on this JVM's module path added to it.
        String modules = System.getProperty("jdk.module.path", "");
        command.add("-cp");
        command.add(System.getProperty("java.class.path") + (modules.isEmpty() ? "" : File.pathSeparator + modules));
        command.add(FlagProbe.class.getName());
        command.add(what);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out.lines().toList();
    }

    @Test
    void withoutNativeAccessAnImportSaysWhichFlag() throws Exception {
        assertEquals(List.of("bufferbridge needs the JVM flag --enable-native-access=ALL-UNNAMED (it calls C"
                + " through FFM: the Arrow C data interface's release callbacks)"), run(List.of(), "import"));
    }

    @Test
    void withoutAddOpensArrowJavaSaysWhichFlag() throws Exception {
        assertEquals(List.of("Arrow Java needs the JVM flag --add-opens=java.base/java.nio=ALL-UNNAMED (its"
                + " MemoryUtil reads java.nio.DirectByteBuffer internals)"),
                run(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"), "vector"));
    }

    @Test
    void withTheFlagsNothingIsRefusedOrPrinted() throws Exception {
        assertEquals(List.of("no refusal"), run(List.of("--enable-native-access=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"), "vector"));
    }
}
