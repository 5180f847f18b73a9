package dev.nibble.bench.compare;

/**
 * One (workload, device) cell of a benchmark run.
 *
 * @param group           the interleaving group the row was measured in
 * @param workload        workload name (the same across backends and precisions of one shape)
 * @param detail          shape/size details
 * @param backend         backend name (cpu, opencl, vulkan, cuda)
 * @param device          device name
 * @param status          measured, unsupported by the device, or failed
 * @param reason          why unsupported or failed ("" when measured); notes such as CPU fallback otherwise
 * @param time            the reported time per repetition (ns): device time for ops, wall time for models; null unless OK
 * @param wall            wall time of each whole call (ns), input and output copies included; null unless OK
 * @param flops           operations per repetition (0 when not meaningful)
 * @param weightBytes     weights as stored (graph constants / model weights)
 * @param activationBytes the activation arena of the memory plan
 * @param deviceBytes     growth of the device allocator's in-use bytes from before preparing to after warm-up
 *                        (this cell's resident weights and arenas on that device)
 * @param deviceHighWaterBytes the device allocator's high-water mark after the row's group ran (cumulative
 *                        over the process, per device)
 * @param hostRssBytes    the process's resident set after the row's last repetition
 * @param hostPeakRssBytes the process's peak resident set (VmHWM) at that point
 * @param fallbackNodes   nodes that ran on the CPU instead (only with fallback allowed)
 * @param speedup         baseline time / this row's time for the same workload and precision on the baseline
 *                        backend (> 1: faster than the baseline); null without a baseline or a measured baseline row
 * @param stages          per-stage times of a generation (text_encode, denoise, step, vae_decode, ...), in
 *                        pipeline order; empty for ops and steps
 */
public record BenchRow(String group, String workload, WorkloadKind kind, Precision precision, String detail,
                       String backend, String device, Status status, String reason, Stats time, Stats wall,
                       double flops, long weightBytes, long activationBytes, long deviceBytes,
                       long deviceHighWaterBytes, long hostRssBytes, long hostPeakRssBytes, int fallbackNodes,
                       Double speedup, java.util.SequencedMap<String, Stats> stages) {

    public BenchRow {
        stages = java.util.Collections.unmodifiableSequencedMap(new java.util.LinkedHashMap<>(stages));
    }

    /** Outcome of a cell. */
    public enum Status {
        OK, UNSUPPORTED, FAILED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean ok() {
        return status == Status.OK;
    }

    /** Median time in milliseconds, NaN unless measured. */
    public double medianMs() {
        return time == null ? Double.NaN : time.median() / 1e6;
    }

    /** GFLOP/s (GOP/s for int4) at the median time; NaN when not meaningful. */
    public double gflops() {
        return time == null || flops <= 0 || time.median() <= 0 ? Double.NaN : flops / time.median();
    }

    /** The same row with a speedup filled in. */
    public BenchRow withSpeedup(Double s) {
        return new BenchRow(group, workload, kind, precision, detail, backend, device, status, reason, time, wall, flops,
                weightBytes, activationBytes, deviceBytes, deviceHighWaterBytes, hostRssBytes, hostPeakRssBytes,
                fallbackNodes, s, stages);
    }

    /** Identifies "the same workload" across backends: name, kind and precision. */
    public String workloadKey() {
        return kind.label() + "|" + workload + "|" + precision.label();
    }
}
