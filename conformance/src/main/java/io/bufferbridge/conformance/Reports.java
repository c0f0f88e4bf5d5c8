package io.bufferbridge.conformance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/** Writes a run's results: the console table, {@code report.md}, {@code report.json} and JUnit XML. */
public final class Reports {
    private static final int DETAIL = 60;

    private Reports() {}

    /**
     * Prints one row per case and a column per path, then the closing line.
     *
     * @param results the run
     * @param out where the table goes
     */
    public static void printTable(Results results, PrintStream out) {
        int idWidth = Math.max(4, results.rows().stream().mapToInt(r -> r.c().id().length()).max().orElse(4));
        idWidth = Math.min(idWidth, 48);
        StringBuilder header = new StringBuilder(pad("case", idWidth));
        for (String p : results.paths()) {
            header.append(" | ").append(pad(p, DETAIL));
        }
        out.println(header.toString().stripTrailing());
        out.println("-".repeat(Math.min(header.length(), idWidth + results.paths().size() * (DETAIL + 3))));
        for (Results.Row row : results.rows()) {
            StringBuilder line = new StringBuilder(pad(row.c().id(), idWidth));
            for (String p : results.paths()) {
                line.append(" | ").append(pad(cell(row.outcomes().get(p), DETAIL), DETAIL));
            }
            out.println(line.toString().stripTrailing());
        }
        for (CorpusProblem problem : results.problems()) {
            out.println("corpus: " + problem);
        }
        out.println(results.summary());
    }

    static String cell(Outcome o, int width) {
        String text = o.detail().isEmpty() ? o.word() : o.word() + ": " + o.detail();
        return text.length() > width ? text.substring(0, width - 1) + "…" : text;
    }

    private static String pad(String s, int width) {
        if (s.length() > width) {
            return s.substring(0, width - 1) + "…";
        }
        return s + " ".repeat(width - s.length());
    }

    /**
     * Writes {@code report.md}, {@code report.json} and {@code TEST-conformance.xml} into a folder.
     *
     * @param results the run
     * @param dir the folder, created if missing
     * @throws IOException if a file cannot be written
     */
    public static void write(Results results, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), markdown(results), StandardCharsets.UTF_8);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("report.json").toFile(), json(results));
        try (OutputStream out = Files.newOutputStream(dir.resolve("TEST-conformance.xml"))) {
            junit(results, out);
        } catch (XMLStreamException e) {
            throw new IOException("cannot write JUnit XML: " + e.getMessage(), e);
        }
    }

    static String markdown(Results results) {
        StringBuilder b = new StringBuilder("# bufferbridge conformance\n\n");
        b.append(results.summary()).append("\n\n| case |");
        results.paths().forEach(p -> b.append(' ').append(p).append(" |"));
        b.append("\n|---|");
        results.paths().forEach(p -> b.append("---|"));
        b.append('\n');
        for (Results.Row row : results.rows()) {
            b.append("| `").append(row.c().id()).append("` |");
            for (String p : results.paths()) {
                Outcome o = row.outcomes().get(p);
                b.append(' ').append(o.word());
                if (!o.detail().isEmpty()) {
                    b.append(": ").append(o.detail().replace("|", "\\|").replace("\n", " "));
                }
                b.append(" |");
            }
            b.append('\n');
        }
        if (!results.problems().isEmpty()) {
            b.append("\n## Unreadable corpus lines\n\n");
            results.problems().forEach(p -> b.append("- ").append(p).append('\n'));
        }
        return b.toString();
    }

    static ObjectNode json(Results results) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        ObjectNode summary = root.putObject("summary");
        summary.put("passed", results.passed());
        summary.put("failed", results.failed());
        summary.put("skipped", results.skipped());
        ArrayNode paths = root.putArray("paths");
        results.paths().forEach(paths::add);
        ArrayNode cases = root.putArray("cases");
        for (Results.Row row : results.rows()) {
            ObjectNode c = cases.addObject();
            c.put("id", row.c().id());
            c.put("format", row.c().format());
            c.put("expect", row.c().reject() ? "reject" : "roundtrip");
            c.put("source", row.c().source());
            c.put("origin", row.c().origin());
            ObjectNode outcomes = c.putObject("outcomes");
            row.outcomes().forEach((p, o) -> outcomes.putObject(p).put("result", o.word().toLowerCase()).put("detail", o.detail()));
        }
        ArrayNode problems = root.putArray("problems");
        for (CorpusProblem p : results.problems()) {
            problems.addObject().put("file", p.file()).put("line", p.line()).put("message", p.message());
        }
        return root;
    }

    static void junit(Results results, OutputStream out) throws XMLStreamException {
        XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
        x.writeStartDocument("UTF-8", "1.0");
        x.writeStartElement("testsuite");
        x.writeAttribute("name", "conformance");
        long cells = results.rows().stream().mapToLong(r -> r.outcomes().size()).sum() + results.problems().size();
        x.writeAttribute("tests", Long.toString(cells));
        x.writeAttribute("failures", Long.toString(results.failed()));
        x.writeAttribute("skipped", Long.toString(results.skipped()));
        x.writeAttribute("errors", "0");
        for (Results.Row row : results.rows()) {
            for (String p : results.paths()) {
                Outcome o = row.outcomes().get(p);
                x.writeStartElement("testcase");
                x.writeAttribute("classname", "conformance." + p);
                x.writeAttribute("name", row.c().id());
                writeOutcome(x, o);
                x.writeEndElement();
            }
        }
        List<CorpusProblem> problems = results.problems();
        for (CorpusProblem problem : problems) {
            x.writeStartElement("testcase");
            x.writeAttribute("classname", "conformance.corpus");
            x.writeAttribute("name", problem.file() + ":" + problem.line());
            writeOutcome(x, Outcome.fail(problem.message()));
            x.writeEndElement();
        }
        x.writeEndElement();
        x.writeEndDocument();
        x.close();
    }

    private static void writeOutcome(XMLStreamWriter x, Outcome o) throws XMLStreamException {
        switch (o) {
            case Outcome.Fail f -> {
                x.writeStartElement("failure");
                x.writeAttribute("message", f.detail());
                x.writeEndElement();
            }
            case Outcome.Skip s -> {
                x.writeStartElement("skipped");
                x.writeAttribute("message", s.detail());
                x.writeEndElement();
            }
            case Outcome.Pass p -> { }
        }
    }
}
