package dev.nibble.backend.cpu.fast;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.backend.cpu.CpuKernelSet;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.Clamp;
import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.ops.Copy;
import dev.nibble.engine.ops.Embedding;
import dev.nibble.engine.ops.Geglu;
import dev.nibble.engine.ops.GroupNorm;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.Modulate;
import dev.nibble.engine.ops.Op;
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.Reshape;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.ops.Rope;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.ops.Softmax;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.Upsample2x;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The fast kernels: Vector API (512-bit), cache blocking, all cores through one shared pool, scratch
 * reserved at compile time. Ops or configurations without a fast kernel (SvdqLinear, Cast,
 * TimestepEmbedding, INT4 data movement) run the reference kernel.
 */
public final class FastKernels {
    private FastKernels() {
    }

    /** The fast set: {@code reference} with the ops that have a fast kernel replaced. */
    public static CpuKernelSet kernelSet(CpuKernelSet reference) {
        Map<Class<? extends Op>, CpuKernelFactory> m = new LinkedHashMap<>();
        Predicate<Node> all = n -> true;
        Predicate<Node> bytes = n -> n.inputs().stream().allMatch(v -> Movement.wholeBytes(v.spec()));
        put(m, reference, Linear.class, LinearKernel.FACTORY, all);
        put(m, reference, Attention.class, AttentionKernel.FACTORY, all);
        put(m, reference, Conv2d.class, Conv2dKernel.FACTORY, all);
        put(m, reference, Unary.class, Elementwise.UNARY, all);
        put(m, reference, Affine.class, Elementwise.AFFINE, all);
        put(m, reference, Clamp.class, Elementwise.CLAMP, all);
        put(m, reference, Binary.class, Elementwise.BINARY, all);
        put(m, reference, Geglu.class, Elementwise.GEGLU, all);
        put(m, reference, Modulate.class, Elementwise.MODULATE, all);
        put(m, reference, Rope.class, Elementwise.ROPE, all);
        put(m, reference, LayerNorm.class, Norms.LAYER_NORM, all);
        put(m, reference, RmsNorm.class, Norms.RMS_NORM, all);
        put(m, reference, GroupNorm.class, Norms.GROUP_NORM, all);
        put(m, reference, Softmax.class, Norms.SOFTMAX, all);
        put(m, reference, Reduce.class, ReduceKernel.FACTORY, all);
        put(m, reference, Pool2d.class, PoolKernel.FACTORY, all);
        put(m, reference, Reshape.class, Movement.COPY, bytes);
        put(m, reference, Copy.class, Movement.COPY, bytes);
        put(m, reference, Concat.class, Movement.CONCAT, bytes);
        put(m, reference, Slice.class, Movement.SLICE, bytes);
        put(m, reference, Permute.class, Movement.PERMUTE, bytes);
        put(m, reference, Upsample2x.class, Movement.UPSAMPLE, all);
        put(m, reference, Pad.class, Movement.PAD, all);
        put(m, reference, Embedding.class, Movement.EMBEDDING, all);
        return reference.with("fast", m);
    }

    /** Registers {@code fast} for nodes it handles; the rest go to the reference factory (when there is one). */
    private static void put(Map<Class<? extends Op>, CpuKernelFactory> m, CpuKernelSet reference,
                            Class<? extends Op> op, CpuKernelFactory fast, Predicate<Node> handles) {
        CpuKernelFactory ref = reference.factory(op);
        m.put(op, new CpuKernelFactory() {
            @Override
            public Support supports(Node node) {
                if (handles.test(node)) {
                    return fast.supports(node);
                }
                return ref != null ? ref.supports(node) : Support.no("no fast kernel for " + describe(node));
            }

            @Override
            public Kernel create(Node node) {
                return handles.test(node) || ref == null ? fast.create(node) : ref.create(node);
            }
        });
    }

    private static String describe(Node node) {
        return node.op().opName() + " on " + node.inputs().stream().map(v -> v.spec()).map(TensorSpec::toString).toList();
    }

    /**
     * Scratch bytes a fast kernel needs while it runs, over all worker threads together (its share of
     * the shared per-worker scratch; 0 for kernels that need none or are not fast kernels).
     */
    public static long scratchBytes(Kernel kernel) {
        return kernel instanceof ScratchUser s ? s.scratchBytesPerWorker() * ScratchPool.slots() : 0;
    }

    /** Bytes of per-worker scratch reserved now by all fast kernels compiled so far (the shared pool's size). */
    public static long reservedScratchBytes() {
        return ScratchPool.reservedBytes();
    }
}
