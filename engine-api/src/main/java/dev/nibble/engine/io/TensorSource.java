package dev.nibble.engine.io;

import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;
import java.util.Map;
import java.util.SortedSet;

/**
 * Named tensors read from storage (one safetensors file or a sharded set). Tensors handed out are
 * views of memory-mapped files: they are read-only and become invalid once the source is closed.
 */
public interface TensorSource extends AutoCloseable {
    /** All tensor names, sorted. */
    SortedSet<String> names();

    boolean contains(String name);

    /** @throws SafetensorsException if there is no such tensor */
    TensorSpec spec(String name);

    /**
     * A zero-copy, read-only view of the tensor's bytes.
     *
     * @throws SafetensorsException if there is no such tensor
     * @throws IllegalStateException if the source is closed
     */
    Tensor tensor(String name);

    /** The free-form string metadata stored with the tensors (empty when there is none). */
    Map<String, String> metadata();

    /** Unmaps the files; every tensor obtained from this source is invalid afterwards. Idempotent. */
    @Override
    void close();
}
