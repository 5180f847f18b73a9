package dev.nibble.backend.cuda;

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
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.Upsample2x;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every op of the catalogue on a {@link CudaDevice}: whether it is supported (the node's shapes,
 * dtypes and sizes) and the host side of its kernels (grid, parameters, scratch). The kernels are
 * in src/main/cuda; {@link KernelNames} lists which op launches which.
 */
final class CudaOps {
    /** How one op family checks and builds its kernels. */
    interface Impl {
        /** Op-specific limits, after the generic shape check. */
        Support check(CudaDevice d, Node n);

        Body create(CudaDevice d, Node n);
    }

    /** A compiled node's launches, on buffers already checked to be this device's. */
    @FunctionalInterface
    interface Body {
        void run(List<CudaBuffer> in, List<CudaBuffer> out);
    }

    static final int MAX_GRID_Y = 65535;

    /** Built on first use, so that the op classes (whose constants use this class's helpers) initialise first. */
    private static final class Registry {
        static final Map<Class<? extends Op>, Impl> IMPLS = impls();
    }

    private CudaOps() {
    }

    /** The op classes this backend implements (all of the catalogue). */
    static java.util.Set<Class<? extends Op>> implemented() {
        return Registry.IMPLS.keySet();
    }

    static Support supports(CudaDevice d, Node node) {
        Impl impl = Registry.IMPLS.get(node.op().getClass());
        if (impl == null) {
            return Support.no("no CUDA kernel for " + node.op().opName());
        }
        Support s = checkShapes(node);
        if (!s.supported()) {
            return s;
        }
        try {
            return impl.check(d, node);
        } catch (RuntimeException e) {
            return Support.no(node.op().opName() + ": " + e.getMessage());
        }
    }

    static Kernel compile(CudaDevice d, Node node) {
        return wrap(d, node, Registry.IMPLS.get(node.op().getClass()).create(d, node));
    }

    /** A Kernel running {@code body} after checking that the buffers are this device's and large enough. */
    static Kernel wrap(CudaDevice d, Node node, Body body) {
        List<TensorSpec> inSpecs = node.inputs().stream().map(Value::spec).toList();
        List<TensorSpec> outSpecs = node.outputs().stream().map(Value::spec).toList();
        return (ins, outs) -> {
            List<CudaBuffer> ci = own(d, node, ins, inSpecs, "input");
            List<CudaBuffer> co = own(d, node, outs, outSpecs, "output");
            try {
                body.run(ci, co);
            } catch (Cu.CudaError e) {
                throw new KernelException(node.op().opName() + " node " + node + " on " + d.name() + ": " + e.getMessage(), e);
            }
        };
    }

    private static List<CudaBuffer> own(CudaDevice d, Node node, List<DeviceBuffer> bufs, List<TensorSpec> specs,
                                        String what) {
        if (bufs.size() != specs.size()) {
            throw new KernelException(node + ": expected " + specs.size() + " " + what + " buffers, got " + bufs.size());
        }
        List<CudaBuffer> out = new ArrayList<>(bufs.size());
        for (int i = 0; i < bufs.size(); i++) {
            CudaBuffer c = d.own(bufs.get(i), node + " " + what + " " + i);
            if (c.byteSize() < specs.get(i).byteSize()) {
                throw new KernelException(node + ": " + what + " " + i + " holds " + c.byteSize() + " bytes, "
                        + specs.get(i) + " needs " + specs.get(i).byteSize());
            }
            out.add(c);
        }
        return out;
    }

    /** The node's outputs are what its op infers from its inputs. */
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

    private static Map<Class<? extends Op>, Impl> impls() {
        Map<Class<? extends Op>, Impl> m = new LinkedHashMap<>();
        m.put(Linear.class, MatmulOps.LINEAR);
        m.put(SvdqLinear.class, SvdqOp.IMPL);
        m.put(Conv2d.class, MatmulOps.CONV2D);
        m.put(GroupNorm.class, RowOps.GROUP_NORM);
        m.put(LayerNorm.class, RowOps.LAYER_NORM);
        m.put(RmsNorm.class, RowOps.RMS_NORM);
        m.put(Attention.class, AttentionOp.IMPL);
        m.put(Rope.class, ElementwiseOps.ROPE);
        m.put(Unary.class, ElementwiseOps.UNARY);
        m.put(Binary.class, ElementwiseOps.BINARY);
        m.put(Geglu.class, ElementwiseOps.GEGLU);
        m.put(Softmax.class, RowOps.SOFTMAX);
        m.put(Modulate.class, ElementwiseOps.MODULATE);
        m.put(Concat.class, LayoutOps.CONCAT);
        m.put(Slice.class, LayoutOps.SLICE);
        m.put(Reshape.class, LayoutOps.COPY);
        m.put(Permute.class, LayoutOps.PERMUTE);
        m.put(Upsample2x.class, LayoutOps.UPSAMPLE2X);
        m.put(Pool2d.class, PoolOp.IMPL);
        m.put(Pad.class, LayoutOps.PAD);
        m.put(Embedding.class, LayoutOps.EMBEDDING);
        m.put(TimestepEmbedding.class, LayoutOps.TIMESTEP);
        m.put(Reduce.class, RowOps.REDUCE);
        m.put(Clamp.class, ElementwiseOps.CLAMP);
        m.put(Affine.class, ElementwiseOps.AFFINE);
        m.put(Cast.class, LayoutOps.CAST);
        m.put(Copy.class, LayoutOps.COPY);
        return Map.copyOf(m);
    }

    // ---- helpers shared by the op classes ----

    static Impl impl(java.util.function.BiFunction<CudaDevice, Node, Support> check,
                     java.util.function.BiFunction<CudaDevice, Node, Body> create) {
        return new Impl() {
            @Override
            public Support check(CudaDevice d, Node n) {
                return check.apply(d, n);
            }

            @Override
            public Body create(CudaDevice d, Node n) {
                return create.apply(d, n);
            }
        };
    }

    static Support yes(CudaDevice d, Node n) {
        return Support.YES;
    }

    static TensorSpec in(Node n, int i) {
        return n.inputs().get(i).spec();
    }

    static TensorSpec out(Node n) {
        return n.output().spec();
    }

    static Shape shape(Node n, int i) {
        return n.inputs().get(i).spec().shape();
    }

    static int toInt(long v, String what) {
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " = " + v + " exceeds the 32-bit range of the CUDA kernels");
        }
        return (int) v;
    }

    static int ceilDiv(long a, long b) {
        return Math.toIntExact((a + b - 1) / b);
    }

    static Support floatsOnly(Node n, int... inputs) {
        for (int i : inputs) {
            DType t = in(n, i).dtype();
            if (!DTypeCodes.isFloat16Or32(t)) {
                return Support.no(n.op().opName() + ": input " + i + " is " + t + "; the CUDA kernels read F32, F16 or BF16");
            }
        }
        return Support.YES;
    }
}
