package dev.nibble.models.common.nn;

import dev.nibble.engine.tensor.Tensor;

import java.util.Set;

/**
 * A model component's state dict: tensors by their diffusers/transformers names. Lookups of a
 * missing name fail with a message naming the tensor and where it was looked for.
 */
public interface Weights {
    boolean contains(String name);

    /** The tensor, or a {@link MissingWeightException}. */
    Tensor get(String name);

    Set<String> names();

    /** Where the weights come from (a folder or file), for error messages. */
    String source();

    /** Metadata of the file(s), e.g. {@code nibble.format}. */
    default java.util.Map<String, String> metadata() {
        return java.util.Map.of();
    }

    /** Total bytes of every tensor, as stored. */
    default long totalBytes() {
        long n = 0;
        for (String name : names()) {
            n += get(name).byteSize();
        }
        return n;
    }

    /** The view of the names under {@code prefix + "."}. */
    default Weights under(String prefix) {
        return new PrefixedWeights(this, prefix);
    }

    /** The full state-dict name of {@code name} (views below a prefix add it), for messages. */
    default String fullName(String name) {
        return name;
    }
}
