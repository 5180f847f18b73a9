package dev.nibble.app.parity;

import dev.nibble.engine.exec.Executor;

/** How to run model cases: the executor (device, fallback, options) and the precision. */
public record ParityContext(Executor executor, String precision) {
    public boolean quantized() {
        return precision.equals("svdq-int4");
    }
}
