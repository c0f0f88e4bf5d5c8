package io.bufferbridge.conformance;

/**
 * One way a case can travel out of bufferbridge and back (through C structs in-process, through
 * the native C peer, through DuckDB…). A path checks the SPEC §3 round trip itself and answers an
 * {@link Outcome}; it must release everything it allocated whatever the outcome.
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
