package io.bufferbridge.conformance;

/**
 * One way a case can travel out of bufferbridge and back (through C structs in-process, through
 * the native C peer, through DuckDB…). A path checks the round trip of {@code docs/contract.md}
 * §3 and answers an {@link Outcome}; it must release everything it allocated whatever the outcome.
 * The built-in paths extend {@code PeerPath}, which does the export, the release accounting, the
 * import and the checks for them, and are registered, one line each, in {@code Paths}.
 */
public interface RoundTripPath extends AutoCloseable {

    /** {@return the path's name, as {@code --path} takes it} */
    String name();

    /**
     * Runs one roundtrip case.
     *
     * @param c a case with {@code expect=roundtrip}
     * @return pass, fail with the first difference, or skip with the reason
     */
    Outcome run(Case c);

    /**
     * {@return why the path cannot run at all here (its peer is missing), or null when it can}: then
     * every case, reject cases included, is a skip with this reason on the path, never a pass
     */
    default String unavailable() {
        return null;
    }

    /** Releases what the path holds across cases (a database connection, a library). */
    @Override
    default void close() {}
}
