package io.bufferbridge.conformance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bufferbridge.format.Field;
import io.bufferbridge.format.Format;
import io.bufferbridge.format.FormatException;
import io.bufferbridge.format.SubArray;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The conformance command: {@code run} (the default) round-trips a corpus through every path;
 * {@code describe} prints how formats parse.
 *
 * <p>Exit codes: 0 when nothing failed, 1 when a case failed, 2 when the input was unusable (a
 * corpus file that cannot be read, an unknown path, no cases at all).
 */
@Command(name = "bufferbridge-conformance", mixinStandardHelpOptions = true,
        version = "bufferbridge conformance 0.1.0",
        description = "Round-trips a corpus of buffer views through the Arrow C Data Interface and reports what held.",
        subcommands = {Main.Run.class, Main.Describe.class})
public final class Main implements Callable<Integer> {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int UNUSABLE = 2;

    @CommandLine.Mixin
    RunOptions options = new RunOptions();

    /** {@code run}'s options, shared by the top-level command so that {@code run} is the default. */
    static final class RunOptions {
        @Option(names = "--corpus", paramLabel = "FILE", description = "a JSON Lines corpus file (repeatable; default: the built-in corpus)")
        List<Path> corpus = new ArrayList<>();

        @Option(names = "--path", paramLabel = "NAME", description = "a round-trip path (repeatable; default: all of ${COMPLETION-CANDIDATES})",
                completionCandidates = PathNames.class)
        List<String> paths = new ArrayList<>();

        @Option(names = "--report", paramLabel = "DIR", description = "write report.md, report.json and TEST-conformance.xml here")
        Path report;

        @Option(names = "--peer", paramLabel = "NAME=LIB", description = "another implementation of the Arrow C data"
                + " interface as a path: a shared library exporting bb_conformance_peer (bufferbridge.h; repeatable)")
        Map<String, Path> peers = new LinkedHashMap<>();
    }

    /** The names {@code --path} takes, for the help text. */
    static final class PathNames extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        PathNames() {
            super(Paths.NAMES);
        }
    }

    @Override
    public Integer call() {
        return run(options);
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run the corpus through the paths (the default).")
    static final class Run implements Callable<Integer> {
        @CommandLine.Mixin
        RunOptions options = new RunOptions();

        @Override
        public Integer call() {
            return run(options);
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Print one JSON line per format: itemsize (struct), padded_itemsize (NumPy), alignment, byte order, fields.")
    static final class Describe implements Callable<Integer> {
        @Parameters(paramLabel = "FORMAT", arity = "1..*", description = "format strings")
        List<String> formats = new ArrayList<>();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            boolean allValid = true;
            for (String f : formats) {
                ObjectNode line = describe(f);
                allValid &= !line.has("error");
                out.println(line);
            }
            out.flush();
            return allValid ? OK : FAILED;
        }
    }

    static ObjectNode describe(String text) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("format", text);
        try {
            Format f = Format.of(text);
            n.put("itemsize", f.itemsize());
            n.put("padded_itemsize", f.paddedItemsize());
            n.put("alignment", f.alignment());
            n.put("byteorder", String.valueOf(f.byteOrderPrefix()));
            ArrayNode fields = n.putArray("fields");
            for (Field field : f.fields()) {
                ObjectNode o = fields.addObject();
                o.put("name", field.name());
                o.put("offset", field.offset());
                if (field.element() instanceof SubArray a) {
                    o.put("format", ElementText.of(a.element()));
                    a.shape().forEach(o.putArray("shape")::add);
                } else {
                    o.put("format", ElementText.of(field.element()));
                    o.putArray("shape");
                }
            }
        } catch (FormatException e) {
            n.put("error", e.getMessage());
            n.put("position", e.position());
        }
        return n;
    }

    static int run(RunOptions options) {
        Corpus corpus;
        try {
            if (options.corpus.isEmpty()) {
                corpus = Corpus.builtin();
            } else {
                corpus = new Corpus(List.of(), List.of());
                for (Path file : options.corpus) {
                    if (!Files.isReadable(file)) {
                        System.err.println("error: cannot read corpus file " + file);
                        return UNUSABLE;
                    }
                    corpus = corpus.plus(Corpus.read(file));
                }
            }
        } catch (IOException e) {
            System.err.println("error: " + e.getMessage());
            return UNUSABLE;
        }
        if (corpus.cases().isEmpty()) {
            corpus.problems().forEach(p -> System.err.println("corpus: " + p));
            System.err.println("error: no readable case in the corpus");
            return UNUSABLE;
        }
        for (String peer : options.peers.keySet()) {
            if (Paths.NAMES.contains(peer) || peer.isEmpty()) {
                System.err.println("error: --peer needs a name of its own, found '" + peer + "' (built-in paths: "
                        + String.join(", ", Paths.NAMES) + ")");
                return UNUSABLE;
            }
        }
        List<String> known = new ArrayList<>(Paths.NAMES);
        known.addAll(options.peers.keySet());
        List<String> names = options.paths.isEmpty() ? known : options.paths;
        for (String name : names) {
            if (!known.contains(name)) {
                System.err.println("error: unknown path '" + name + "' (paths: " + String.join(", ", known) + ")");
                return UNUSABLE;
            }
        }
        List<RoundTripPath> paths = new ArrayList<>();
        for (String name : names) {
            paths.add(options.peers.containsKey(name) ? ExternalPeerPath.open(name, options.peers.get(name))
                    : Paths.open(List.of(name)).get(0));
        }
        Results results;
        try {
            results = Runner.run(corpus, paths, System.err);
        } finally {
            paths.forEach(RoundTripPath::close);
        }
        Reports.printTable(results, System.out);
        if (options.report != null) {
            try {
                Reports.write(results, options.report);
            } catch (IOException e) {
                System.err.println("error: cannot write the report: " + e.getMessage());
                return UNUSABLE;
            }
        }
        return results.failed() > 0 ? FAILED : OK;
    }

    /**
     * Runs the command.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
