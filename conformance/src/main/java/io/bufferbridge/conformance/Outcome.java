package io.bufferbridge.conformance;

/**
 * What one path did with one case: passed, failed with the first difference, or skipped with the
 * reason. A skip never counts as a pass.
 */
public sealed interface Outcome {

    /** {@return a short word: {@code pass}, {@code FAIL} or {@code skip}} */
    String word();

    /** {@return the detail: empty for a pass, the difference or the reason otherwise} */
    String detail();

    /** The case held on this path. */
    record Pass() implements Outcome {
        @Override
        public String word() {
            return "pass";
        }

        @Override
        public String detail() {
            return "";
        }
    }

    /** @param detail the first difference found */
    record Fail(String detail) implements Outcome {
        @Override
        public String word() {
            return "FAIL";
        }
    }

    /** @param detail why the path cannot carry the case */
    record Skip(String detail) implements Outcome {
        @Override
        public String word() {
            return "skip";
        }
    }

    /** {@return a pass} */
    static Outcome pass() {
        return new Pass();
    }

    /** {@return a failure} @param detail the first difference */
    static Outcome fail(String detail) {
        return new Fail(detail);
    }

    /** {@return a skip} @param reason why the path cannot carry the case */
    static Outcome skip(String reason) {
        return new Skip(reason);
    }
}
