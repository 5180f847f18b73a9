package dev.nibble.backend.cpu.reference;

import dev.nibble.backend.cpu.CpuKernelFactory;
import dev.nibble.backend.cpu.CpuKernelSet;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Affine;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Binary;
import dev.nibble.engine.ops.Cast;
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
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.ops.Softmax;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.Upsample2x;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The plain reference kernels: short, obviously correct, single-threaded, sums in double. The oracle
 * the conformance kit judges every backend against. Every op of the catalogue but SvdqLinear has one
 * here; SvdqLinear's reference comes from its own package (see the marked line below).
 */
public final class ReferenceKernels {
    private ReferenceKernels() {
    }

    public static CpuKernelSet kernelSet() {
        Map<Class<? extends Op>, CpuKernelFactory> m = new LinkedHashMap<>();
        m.put(Linear.class, factory(LinearRef::create));
        m.put(Conv2d.class, factory(Conv2dRef::create));
        m.put(GroupNorm.class, factory(NormRefs::groupNorm));
        m.put(LayerNorm.class, factory(NormRefs::layerNorm));
        m.put(RmsNorm.class, factory(NormRefs::rmsNorm));
        m.put(Attention.class, factory(AttentionRef::create));
        m.put(Rope.class, factory(RopeRef::create));
        m.put(Unary.class, factory(ElementwiseRefs::unary));
        m.put(Binary.class, factory(ElementwiseRefs::binary));
        m.put(Affine.class, factory(ElementwiseRefs::affine));
        m.put(Clamp.class, factory(ElementwiseRefs::clamp));
        m.put(Geglu.class, factory(RowRefs::geglu));
        m.put(Softmax.class, factory(RowRefs::softmax));
        m.put(Modulate.class, factory(RowRefs::modulate));
        m.put(Reduce.class, factory(RowRefs::reduce));
        m.put(Pool2d.class, factory(PoolRef::create));
        m.put(Copy.class, factory(LayoutRefs::copy));
        m.put(Reshape.class, factory(LayoutRefs::copy));
        m.put(Concat.class, byteElements(LayoutRefs::concat));
        m.put(Slice.class, byteElements(LayoutRefs::slice));
        m.put(Permute.class, byteElements(LayoutRefs::permute));
        m.put(Upsample2x.class, factory(LayoutRefs::upsample2x));
        m.put(Pad.class, factory(LayoutRefs::pad));
        m.put(Cast.class, factory(ConvertRefs::cast));
        m.put(Embedding.class, factory(ConvertRefs::embedding));
        m.put(TimestepEmbedding.class, factory(ConvertRefs::timestep));

        // SvdqLinear's reference kernel lives in the svdq package; CpuBackend adds it to this set.
        return new CpuKernelSet("reference", m);
    }

    /** A factory that accepts exactly the nodes whose op re-infers the node's own output specs. */
    private static CpuKernelFactory factory(Function<Node, Kernel> create) {
        return new CpuKernelFactory() {
            @Override
            public Support supports(Node node) {
                return checkShapes(node);
            }

            @Override
            public Kernel create(Node node) {
                return create.apply(node);
            }
        };
    }

    /** As {@link #factory}, for byte-copying kernels that cannot address packed (INT4) elements. */
    private static CpuKernelFactory byteElements(Function<Node, Kernel> create) {
        CpuKernelFactory f = factory(create);
        return new CpuKernelFactory() {
            @Override
            public Support supports(Node node) {
                if (node.output().spec().dtype().bits() % 8 != 0) {
                    return Support.no(node.op().opName() + " on packed " + node.output().spec().dtype()
                            + " elements has no reference kernel");
                }
                return f.supports(node);
            }

            @Override
            public Kernel create(Node node) {
                return f.create(node);
            }
        };
    }

    static Support checkShapes(Node node) {
        List<TensorSpec> in = node.inputs().stream().map(Value::spec).toList();
        List<TensorSpec> expected;
        try {
            expected = node.op().infer(in);
        } catch (ShapeException e) {
            return Support.no(e.getMessage());
        }
        List<TensorSpec> actual = node.outputs().stream().map(Value::spec).toList();
        if (!expected.equals(actual)) {
            return Support.no(node.op().opName() + " on " + in + " gives " + expected + ", but the node's outputs are " + actual);
        }
        return Support.YES;
    }
}
