package dev.nibble.bench.compare;

/** Progress of a long run (benchmark repetitions, generated images); implementations must not write to stdout. */
public interface Progress {
    /** The total amount of work, in steps; may be called again when the estimate changes. */
    void total(long steps);

    /** {@code steps} more steps done; {@code label} says what is running now. */
    void advance(long steps, String label);

    /** A line of information that should not be overwritten by the bar. */
    void note(String message);

    /** The run is over (clears or finishes the bar). */
    void done();

    Progress NONE = new Progress() {
        @Override
        public void total(long steps) {
        }

        @Override
        public void advance(long steps, String label) {
        }

        @Override
        public void note(String message) {
        }

        @Override
        public void done() {
        }
    };
}
