package dev.nibble.backend.cpu.reference;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.backend.cpu.CpuKernelSet;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference set covers the catalogue and declines malformed nodes instead of crashing. */
class ReferenceKernelsTest {
    @Test
    void everyOpButSvdqLinearHasAReferenceKernel() {
        CpuKernelSet set = ReferenceKernels.kernelSet();
        for (Class<?> c : Op.class.getPermittedSubclasses()) {
            if (c != SvdqLinear.class) {
                @SuppressWarnings("unchecked")
                Class<? extends Op> op = (Class<? extends Op>) c;
                assertNotNull(set.factory(op), "no reference kernel for " + c.getSimpleName());
            }
        }
    }

    @Test
    void nodesWhoseOutputsDisagreeWithShapeInferenceAreDeclined() {
        TensorSpec x = TensorSpec.f32(2, 3), w = TensorSpec.f32(4, 3);
        Node good = new Node(0, new Linear(false), List.of(new Value(0, x, "x"), new Value(1, w, "w")),
                List.of(new Value(2, TensorSpec.f32(2, 4), "y")), "ok");
        Node bad = new Node(0, new Linear(false), List.of(new Value(0, x, "x"), new Value(1, w, "w")),
                List.of(new Value(2, TensorSpec.f32(2, 5), "y")), "bad");
        assertTrue(CpuBackend.referenceDevice().supports(good).supported());
        var s = CpuBackend.referenceDevice().supports(bad);
        assertFalse(s.supported());
        assertTrue(s.reason().contains("[2, 4]"), s.reason());
    }
}
