package dev.nibble.app.parity;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.engine.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * What running a case produced: tensors to write as outputs.safetensors (named as the case's),
 * an optional outputs.json (tokenizers, schedulers), and the checks against the references.
 */
public record CaseResult(Map<String, Tensor> tensors, ObjectNode json, List<TensorCheck> checks) {
    public boolean passed() {
        return checks.stream().allMatch(TensorCheck::passed);
    }
}
