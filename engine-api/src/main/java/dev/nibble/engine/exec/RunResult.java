package dev.nibble.engine.exec;

import dev.nibble.engine.tensor.Tensor;

import java.util.List;

/** The outputs of one run, in the graph's output order, with its timings. */
public record RunResult(List<Tensor> outputs, long nanos, List<NodeTiming> timings) {
    public RunResult {
        outputs = List.copyOf(outputs);
        timings = List.copyOf(timings);
    }

    public Tensor output(int i) {
        return outputs.get(i);
    }
}
