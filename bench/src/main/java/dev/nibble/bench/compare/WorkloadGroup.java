package dev.nibble.bench.compare;

import java.util.List;

/**
 * Workloads measured together: every (workload, device) cell of a group is prepared at once and the
 * repetitions go round-robin over the cells, so that machine noise (other processes, thermal state,
 * frequency) hits every backend and precision of the group alike. Groups run one after another, and
 * each is released before the next starts, so at most one group's weights are held at a time.
 *
 * @param name      e.g. "linear 4096x3072x3072"
 * @param workloads the group's workloads (typically one shape at each precision, or one model's step
 *                  and generation)
 * @param onClose   releases what the workloads share (a loaded model, input tensors); may be null
 */
public record WorkloadGroup(String name, List<Workload> workloads, AutoCloseable onClose) {
    public WorkloadGroup {
        workloads = List.copyOf(workloads);
    }

    public WorkloadGroup(String name, List<Workload> workloads) {
        this(name, workloads, null);
    }

    /** Releases the shared state; never throws. */
    public void release() {
        if (onClose != null) {
            try {
                onClose.close();
            } catch (Exception ignored) {
                // releasing is best effort
            }
        }
    }
}
