package io.bufferbridge.conformance;

/**
 * A corpus line that could not be read as a case; the run reports it and goes on.
 *
 * @param file the corpus file
 * @param line the 1-based line number
 * @param message what is wrong with the line
 */
public record CorpusProblem(String file, long line, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ": " + message;
    }
}
