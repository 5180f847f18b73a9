package dev.nibble.bench.compare;

import dev.nibble.engine.spi.Device;

/**
 * Something to measure on a device: an operator at one shape and precision, a model's denoising step,
 * a whole generation. {@link #prepare} does everything that is not measured (building and compiling
 * graphs, uploading weights, encoding prompts); {@link Prepared#run} is one measured repetition.
 */
public interface Workload {
    /** Human-readable and stable, e.g. "linear 4096x3072x3072" or "nibble-shapes step 64x64". */
    String name();

    WorkloadKind kind();

    Precision precision();

    /** Shape or size details, e.g. "M=4096 K=3072 N=3072". */
    String detail();

    /** Floating-point (or integer) operations of one run, 0 when not meaningful (model workloads). */
    double flops();

    /**
     * Sets the workload up on {@code device}.
     *
     * @param fallback the device nodes {@code device} cannot run go to, or null for strict placement
     * @throws UnsupportedWorkloadException when the device cannot run it
     */
    Prepared prepare(Device device, Device fallback);

    /** A workload set up on one device. */
    interface Prepared extends AutoCloseable {
        /** One repetition. */
        Sample run();

        /** Bytes of weights (graph constants) as stored. */
        long weightBytes();

        /** The activation arena the memory plan asks for, in bytes (0 when unknown). */
        long activationBytes();

        /** Nodes that run on the fallback device instead (0 under strict placement). */
        default int fallbackNodes() {
            return 0;
        }

        @Override
        void close();
    }

    /**
     * One repetition's times in nanoseconds: {@code nanos} is what the row reports (an op's device time
     * from the executor's per-node timing, synchronised; a model workload's wall time), {@code wallNanos}
     * the whole call including host↔device copies of inputs and outputs, and {@code stages} the parts of a
     * generation in pipeline order (empty for ops and steps).
     */
    record Sample(long nanos, long wallNanos, java.util.SequencedMap<String, Long> stages) {
        public Sample {
            stages = java.util.Collections.unmodifiableSequencedMap(new java.util.LinkedHashMap<>(stages));
        }

        public Sample(long nanos, long wallNanos) {
            this(nanos, wallNanos, new java.util.LinkedHashMap<>());
        }
    }
}
