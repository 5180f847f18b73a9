package dev.nibble.backend.opencl;

import dev.nibble.engine.graph.Node;
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
import dev.nibble.engine.ops.Pad;
import dev.nibble.engine.ops.Permute;
import dev.nibble.engine.ops.Pool2d;
import dev.nibble.engine.ops.Reduce;
import dev.nibble.engine.ops.Reshape;
import dev.nibble.engine.ops.RmsNorm;
import dev.nibble.engine.ops.Rope;
import dev.nibble.engine.ops.Slice;
import dev.nibble.engine.ops.Softmax;
import dev.nibble.engine.ops.SvdqLinear;
import dev.nibble.engine.ops.TimestepEmbedding;
import dev.nibble.engine.ops.Unary;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.ops.Upsample2x;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;

/**
 * The op catalogue on OpenCL: which kernel family runs each op. The switches are over the sealed
 * {@link dev.nibble.engine.ops.Op}, so a new op fails to compile here until it has a kernel.
 */
final class OpKernels {
    private OpKernels() {
    }

    /** Op-specific limits, after the device's generic shape and size checks. */
    static Support supports(Node node, OpenClDevice d) {
        return switch (node.op()) {
            case Linear l -> MatmulKernels.supportsLinear(node);
            case Conv2d c -> MatmulKernels.supportsConv(node);
            case SvdqLinear s -> SvdqKernels.supports(node);
            case GroupNorm g -> RowKernels.supportsNorm(node);
            case LayerNorm l -> RowKernels.supportsNorm(node);
            case RmsNorm r -> RowKernels.supportsNorm(node);
            case Softmax s -> Support.YES;
            case Reduce r -> Support.YES;
            case Attention a -> AttentionKernels.supports(node);
            case Rope r -> Support.YES;
            case Unary u -> Support.YES;
            case Binary b -> ElementwiseKernels.supportsBinary(node);
            case Affine a -> Support.YES;
            case Clamp c -> Support.YES;
            case Geglu g -> Support.YES;
            case Modulate m -> Support.YES;
            case Copy c -> LayoutKernels.supportsBytes(node);
            case Reshape r -> LayoutKernels.supportsBytes(node);
            case Concat c -> LayoutKernels.supportsBytes(node);
            case Slice s -> LayoutKernels.supportsBytes(node);
            case Permute p -> LayoutKernels.supportsPermute(node);
            case Upsample2x u -> Support.YES;
            case Pad p -> LayoutKernels.supportsPad(node);
            case Pool2d p -> Support.YES;
            case Cast c -> Support.YES;
            case Embedding e -> Support.YES;
            case TimestepEmbedding t -> Support.YES;
        };
    }

    static Kernel create(Node node, OpenClDevice d) {
        return switch (node.op()) {
            case Linear l -> MatmulKernels.linear(node, d);
            case Conv2d c -> MatmulKernels.conv(node, d);
            case SvdqLinear s -> SvdqKernels.create(node, d);
            case GroupNorm g -> RowKernels.groupNorm(node, d);
            case LayerNorm l -> RowKernels.layerNorm(node, d);
            case RmsNorm r -> RowKernels.rmsNorm(node, d);
            case Softmax s -> RowKernels.softmax(node, d);
            case Reduce r -> RowKernels.reduce(node, d);
            case Attention a -> AttentionKernels.attention(node, d);
            case Rope r -> AttentionKernels.rope(node, d);
            case Unary u -> ElementwiseKernels.unary(node, d);
            case Binary b -> ElementwiseKernels.binary(node, d);
            case Affine a -> ElementwiseKernels.affine(node, d);
            case Clamp c -> ElementwiseKernels.clamp(node, d);
            case Geglu g -> ElementwiseKernels.geglu(node, d);
            case Modulate m -> ElementwiseKernels.modulate(node, d);
            case Copy c -> LayoutKernels.copy(node, d);
            case Reshape r -> LayoutKernels.copy(node, d);
            case Concat c -> LayoutKernels.concat(node, d);
            case Slice s -> LayoutKernels.slice(node, d);
            case Permute p -> LayoutKernels.permute(node, d);
            case Upsample2x u -> LayoutKernels.upsample(node, d);
            case Pad p -> LayoutKernels.pad(node, d);
            case Pool2d p -> PoolKernels.pool2d(node, d);
            case Cast c -> ConvertKernels.cast(node, d);
            case Embedding e -> ConvertKernels.embedding(node, d);
            case TimestepEmbedding t -> ConvertKernels.timestep(node, d);
        };
    }

    // ---- shared helpers ----

    /** The kernels' code of a float storage type: 0 F32, 1 F16, 2 BF16; -1 for anything else. */
    static int floatCode(DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            default -> -1;
        };
    }

    /** The kernels' code of a {@link UnaryFn} (common.cl's nb_act). */
    static int actCode(UnaryFn fn) {
        return switch (fn) {
            case IDENTITY -> 0;
            case GELU -> 1;
            case GELU_TANH -> 2;
            case QUICK_GELU -> 3;
            case SILU -> 4;
            case RELU -> 5;
            case SIGMOID -> 6;
            case TANH -> 7;
            case EXP -> 8;
        };
    }

    static Support floatInput(Node node, int i, String what) {
        DType t = node.inputs().get(i).spec().dtype();
        return floatCode(t) < 0 ? Support.no(node.op().opName() + ": " + what + " must be F32, F16 or BF16, got " + t)
                : Support.YES;
    }

    static int ceilDiv(long a, long b) {
        return Math.toIntExact((a + b - 1) / b);
    }

    static int toInt(long v) {
        return Math.toIntExact(v);
    }
}
