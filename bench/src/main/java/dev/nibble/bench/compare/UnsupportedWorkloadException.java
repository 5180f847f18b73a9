package dev.nibble.bench.compare;

/** The device cannot run this workload (an op it does not implement, a dtype it lacks): the row says "unsupported". */
public final class UnsupportedWorkloadException extends RuntimeException {
    public UnsupportedWorkloadException(String reason) {
        super(reason);
    }

    public UnsupportedWorkloadException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
