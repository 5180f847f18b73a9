package dev.nibble.models.sdxl;

import dev.nibble.engine.graph.Value;

import java.util.List;

/** A down block's result: the hidden states passed on and its output_states (the skips, in order). */
record DownBlockOutput(Value hidden, List<Value> residuals) {
    DownBlockOutput {
        residuals = List.copyOf(residuals);
    }
}
