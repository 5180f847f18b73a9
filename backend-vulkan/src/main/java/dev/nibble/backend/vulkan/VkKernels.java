package dev.nibble.backend.vulkan;

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
import dev.nibble.engine.ops.PoolFn;
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
import dev.nibble.engine.spi.BackendException;
import dev.nibble.engine.spi.DeviceBuffer;
import dev.nibble.engine.spi.Kernel;
import dev.nibble.engine.spi.KernelException;
import dev.nibble.engine.spi.Support;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every op of the catalogue as Vulkan dispatches: {@link #supports} decides from shapes and the
 * device's limits, {@link #compile} turns a node into a {@link Kernel} that records into the
 * device's current batch. Shapes are fixed per node, so each kernel precomputes its push constants'
 * sizes and picks its pipeline variant once (variants that depend on buffer alignment are picked per
 * run).
 */
final class VkKernels {
    /** Largest tensor a kernel indexes (32-bit element and byte indices in the shaders). */
    static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE;
    private static final AtomicLong TAGS = new AtomicLong(1);

    private VkKernels() {
    }

    /** What a kernel does with its (already checked) buffers. */
    @FunctionalInterface
    interface Recorder {
        void record(List<GpuBuffer> in, List<GpuBuffer> out);
    }

    // ------------------------------------------------------------------ support

    static Support supports(Node node, DeviceInfo info) {
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
        for (TensorSpec s : in) {
            if (s.byteSize() > MAX_TENSOR_BYTES) {
                return Support.no("input " + s + " is larger than 2 GiB: the Vulkan kernels index tensors with 32 bits");
            }
        }
        for (TensorSpec s : actual) {
            if (s.byteSize() > MAX_TENSOR_BYTES) {
                return Support.no("output " + s + " is larger than 2 GiB: the Vulkan kernels index tensors with 32 bits");
            }
        }
        return switch (node.op()) {
            case Binary b -> {
                Shape out = actual.get(0).shape();
                Layouts.Collapsed c = Layouts.collapse(Layouts.toLong(out.toArray()),
                        Layouts.broadcastStrides(in.get(0).shape(), out), Layouts.broadcastStrides(in.get(1).shape(), out));
                yield c.rank() <= Layouts.MAX_RANK ? Support.YES
                        : Support.no("Binary broadcast of " + in + " needs " + c.rank() + " axes; the shader takes " + Layouts.MAX_RANK);
            }
            case Permute p -> {
                if (in.get(0).dtype().bits() % 8 != 0) {
                    yield Support.no("Permute of packed " + in.get(0).dtype() + " elements");
                }
                yield permuteLayout(node) == null ? Support.no("Permute " + p.perm() + " of " + in.get(0)
                        + " needs more than " + Layouts.MAX_RANK + " axes after merging") : Support.YES;
            }
            case Concat c -> in.get(0).dtype().bits() % 8 != 0 ? Support.no("Concat of packed " + in.get(0).dtype()) : Support.YES;
            case Slice s -> in.get(0).dtype().bits() % 8 != 0 ? Support.no("Slice of packed " + in.get(0).dtype()) : Support.YES;
            case Pad p -> in.get(0).shape().rank() <= Layouts.MAX_RANK ? Support.YES
                    : Support.no("Pad of rank " + in.get(0).shape().rank() + " (the shader takes " + Layouts.MAX_RANK + ")");
            case Attention a -> attentionTiles(in.get(0).shape().dim(3), in.get(2).shape().dim(3), info) != null
                    ? (long) in.get(0).shape().dim(0) * in.get(0).shape().dim(1) <= info.maxWorkGroupCountY() ? Support.YES
                    : Support.no("Attention over more than " + info.maxWorkGroupCountY() + " (batch, head) pairs")
                    : Support.no("Attention head dims " + in.get(0).shape().dim(3) + "/" + in.get(2).shape().dim(3)
                    + " do not fit " + info.maxSharedMemory() + " bytes of shared memory");
            case SvdqLinear s -> svdqSupport(node, s, info);
            default -> Support.YES;
        };
    }

    // ------------------------------------------------------------------ compile

    static Kernel compile(Node node, Gpu gpu) {
        Recorder r = switch (node.op()) {
            case Unary u -> elementwise(node, gpu, u.fn().ordinal(), 0, 0);
            case Affine a -> elementwise(node, gpu, 100, a.scale(), a.shift());
            case Clamp c -> elementwise(node, gpu, 101, c.min(), c.max());
            case Binary b -> binary(node, gpu, b);
            case Linear l -> linear(node, gpu, l);
            case Conv2d c -> conv2d(node, gpu, c);
            case GroupNorm g -> groupNorm(node, gpu, g);
            case LayerNorm l -> rowNorm(node, gpu, 0, l.eps(), l.hasWeight() ? 1 : -1, l.hasBias() ? (l.hasWeight() ? 2 : 1) : -1);
            case RmsNorm r2 -> rowNorm(node, gpu, 1, r2.eps(), r2.hasWeight() ? 1 : -1, -1);
            case Attention a -> attention(node, gpu, a);
            case Rope ignored -> rope(node, gpu);
            case Softmax ignored -> softmax(node, gpu);
            case Geglu ignored -> geglu(node, gpu);
            case Modulate ignored -> modulate(node, gpu);
            case Reduce r2 -> reduce(node, gpu, r2);
            case Copy ignored -> copyAll(node, gpu);
            case Reshape ignored -> copyAll(node, gpu);
            case Concat c -> concat(node, gpu, c);
            case Slice s -> slice(node, gpu, s);
            case Permute p -> permute(node, gpu);
            case Pad p -> pad(node, gpu, p);
            case Upsample2x ignored -> upsample(node, gpu);
            case Pool2d p -> pool(node, gpu, p);
            case Cast c -> cast(node, gpu, c);
            case Embedding ignored -> embedding(node, gpu);
            case TimestepEmbedding t -> TimestepKernel.create(node, gpu, t);
            case SvdqLinear s -> SvdqKernel.create(node, gpu, s);
        };
        String label = node.toString();
        int nIn = node.inputs().size(), nOut = node.outputs().size();
        long[] inBytes = node.inputs().stream().mapToLong(v -> v.spec().byteSize()).toArray();
        long[] outBytes = node.outputs().stream().mapToLong(v -> v.spec().byteSize()).toArray();
        return (ins, outs) -> {
            if (ins.size() != nIn || outs.size() != nOut) {
                throw new KernelException(label + " on " + gpu.name + ": got " + ins.size() + " inputs and " + outs.size()
                        + " outputs, expected " + nIn + " and " + nOut);
            }
            List<GpuBuffer> i = own(gpu, label, ins, inBytes, "input");
            List<GpuBuffer> o = own(gpu, label, outs, outBytes, "output");
            gpu.setCurrentOp(label);
            try {
                r.record(i, o);
            } catch (BackendException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new KernelException(label + " failed on " + gpu.name + ": " + e, e);
            } finally {
                gpu.setCurrentOp("");
            }
        };
    }

    private static List<GpuBuffer> own(Gpu gpu, String label, List<DeviceBuffer> bufs, long[] bytes, String what) {
        List<GpuBuffer> out = new ArrayList<>(bufs.size());
        for (int i = 0; i < bufs.size(); i++) {
            if (!(bufs.get(i) instanceof GpuBuffer g) || g.gpu != gpu) {
                throw new KernelException(label + ": " + what + " " + i + " is not a buffer of " + gpu.name + ": " + bufs.get(i));
            }
            if (g.size < bytes[i]) {
                throw new KernelException(label + ": " + what + " " + i + " holds " + g.size + " bytes, needs " + bytes[i]);
            }
            out.add(g);
        }
        return out;
    }

    /** The dtype codes of common.glsl. */
    static int dt(DType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            case I64 -> 3;
            case I32 -> 4;
            default -> throw new IllegalArgumentException("no shader dtype code for " + t);
        };
    }

    static TensorSpec in(Node n, int i) {
        return n.inputs().get(i).spec();
    }

    static TensorSpec out(Node n) {
        return n.output().spec();
    }

    static String sg(Gpu gpu, String shader) {
        return gpu.info.subgroupArithmetic() ? shader + "_sg" : shader;
    }

    static long cdiv(long a, long b) {
        return (a + b - 1) / b;
    }

    // ------------------------------------------------------------------ element-wise

    private static Recorder elementwise(Node node, Gpu gpu, int mode, float a, float b) {
        long n = out(node).shape().numel();
        return (i, o) -> {
            if (n > 0) {
                gpu.dispatch("unary").read(i.get(0)).write(o.get(0)).u32(n).i32(mode).f32(a).f32(b).runLinear(n);
            }
        };
    }

    private static Recorder binary(Node node, Gpu gpu, Binary op) {
        Shape out = out(node).shape();
        Layouts.Collapsed c = Layouts.collapse(Layouts.toLong(out.toArray()),
                Layouts.broadcastStrides(in(node, 0).shape(), out), Layouts.broadcastStrides(in(node, 1).shape(), out));
        long n = out.numel();
        return (i, o) -> {
            if (n > 0) {
                gpu.dispatch("binary").read(i.get(0)).read(i.get(1)).write(o.get(0))
                        .u32(n).u32(c.rank()).i32(op.fn().ordinal()).u32s(c.dims(), 6).u32s(c.strides()[0], 6).u32s(c.strides()[1], 6)
                        .runLinear(n);
            }
        };
    }

    private static Recorder linear(Node node, Gpu gpu, Linear op) {
        Shape xs = in(node, 0).shape();
        long m = xs.outer(-1);
        long k = xs.last();
        long n = in(node, 1).shape().dim(0);
        int wdt = dt(in(node, 1).dtype());
        int bdt = op.hasBias() ? dt(in(node, 2).dtype()) : -1;
        int epi = op.epilogue().ordinal();
        return (i, o) -> {
            if (m == 0 || n == 0) {
                return;
            }
            gpu.dispatch("linear", wdt).read(i.get(0)).read(i.get(1)).readOrNull(op.hasBias() ? i.get(2) : null)
                    .write(o.get(0)).u32(m).u32(n).u32(k).i32(bdt).i32(epi).run(cdiv(n, 64), cdiv(m, 64), 1);
        };
    }

    private static Recorder conv2d(Node node, Gpu gpu, Conv2d op) {
        int[] x = in(node, 0).shape().toArray();
        int[] w = in(node, 1).shape().toArray();
        int[] y = out(node).shape().toArray();
        int wdt = dt(in(node, 1).dtype());
        int bdt = op.hasBias() ? dt(in(node, 2).dtype()) : -1;
        long m = (long) y[0] * y[2] * y[3];
        return (i, o) -> {
            if (m == 0 || w[0] == 0) {
                return;
            }
            gpu.dispatch("conv2d", wdt).read(i.get(0)).read(i.get(1)).readOrNull(op.hasBias() ? i.get(2) : null)
                    .write(o.get(0)).u32(x[0]).u32(x[1]).u32(x[2]).u32(x[3]).u32(w[0]).u32(w[2]).u32(w[3])
                    .u32(y[2]).u32(y[3]).u32(op.strideH()).u32(op.strideW()).u32(op.padTop()).u32(op.padLeft()).i32(bdt)
                    .run(cdiv(w[0], 64), cdiv(m, 64), 1);
        };
    }

    // ------------------------------------------------------------------ norms and rows

    private static Recorder groupNorm(Node node, Gpu gpu, GroupNorm op) {
        Shape s = in(node, 0).shape();
        long batch = s.dim(0), c = s.dim(1);
        long spatial = s.inner(1);
        long per = c / op.groups();
        long count = batch * op.groups();
        long len = per * spatial;
        int wdt = op.affine() ? dt(in(node, 1).dtype()) : -1;
        int bdt = op.affine() ? dt(in(node, 2).dtype()) : 0;
        return (i, o) -> {
            if (count == 0 || len == 0) {
                return;
            }
            gpu.dispatch(sg(gpu, "groupnorm")).read(i.get(0))
                    .readOrNull(op.affine() ? i.get(1) : null).readOrNull(op.affine() ? i.get(2) : null).write(o.get(0))
                    .u32(count).u32(len).u32(spatial).u32(per).u32(op.groups()).f32(op.eps()).i32(wdt).i32(bdt).runRows(count);
        };
    }

    private static Recorder rowNorm(Node node, Gpu gpu, int rms, float eps, int wIdx, int bIdx) {
        Shape s = in(node, 0).shape();
        long rows = s.outer(-1), d = s.last();
        int wdt = wIdx >= 0 ? dt(in(node, wIdx).dtype()) : -1;
        int bdt = bIdx >= 0 ? dt(in(node, bIdx).dtype()) : -1;
        return (i, o) -> {
            if (rows == 0 || d == 0) {
                return;
            }
            gpu.dispatch(sg(gpu, "rownorm")).read(i.get(0))
                    .readOrNull(wIdx >= 0 ? i.get(wIdx) : null).readOrNull(bIdx >= 0 ? i.get(bIdx) : null)
                    .write(o.get(0)).u32(rows).u32(d).f32(eps).i32(rms).i32(wdt).i32(bdt).runRows(rows);
        };
    }

    private static Recorder softmax(Node node, Gpu gpu) {
        Shape s = in(node, 0).shape();
        long rows = s.outer(-1), d = s.last();
        return (i, o) -> {
            if (rows > 0 && d > 0) {
                gpu.dispatch(sg(gpu, "softmax")).read(i.get(0)).write(o.get(0)).u32(rows).u32(d).runRows(rows);
            }
        };
    }

    private static Recorder geglu(Node node, Gpu gpu) {
        Shape s = in(node, 0).shape();
        long rows = s.outer(-1), n = s.last() / 2;
        return (i, o) -> {
            if (rows * n > 0) {
                gpu.dispatch("geglu").read(i.get(0)).write(o.get(0)).u32(rows).u32(n).runLinear(rows * n);
            }
        };
    }

    private static Recorder modulate(Node node, Gpu gpu) {
        int[] s = in(node, 0).shape().toArray();
        long total = (long) s[0] * s[1] * s[2];
        return (i, o) -> {
            if (total > 0) {
                gpu.dispatch("modulate").read(i.get(0)).read(i.get(1)).read(i.get(2)).write(o.get(0))
                        .u32(s[0]).u32(s[1]).u32(s[2]).runLinear(total);
            }
        };
    }

    private static Recorder rope(Node node, Gpu gpu) {
        int[] s = in(node, 0).shape().toArray();
        long pairs = in(node, 0).shape().numel() / 2;
        return (i, o) -> {
            if (pairs > 0) {
                gpu.dispatch("rope").read(i.get(0)).read(i.get(1)).read(i.get(2)).write(o.get(0))
                        .u32(pairs).u32(s[2]).u32(s[3]).runLinear(pairs);
            }
        };
    }

    private static Recorder reduce(Node node, Gpu gpu, Reduce op) {
        Shape s = in(node, 0).shape();
        int axis = s.axis(op.axis());
        long outer = s.outer(axis), len = s.dim(axis), inner = s.inner(axis);
        boolean rows = inner == 1;
        return (i, o) -> {
            if (outer * inner == 0) {
                return;
            }
            Dispatch d = gpu.dispatch(sg(gpu, "reduce")).read(i.get(0)).write(o.get(0))
                    .u32(outer).u32(len).u32(inner).i32(op.fn().ordinal()).i32(rows ? 1 : 0);
            if (rows) {
                d.runRows(outer);
            } else {
                d.runLinear(outer * inner);
            }
        };
    }

    // ------------------------------------------------------------------ attention

    /** {BQ, BK} fitting shared memory for head dims d and dv, or null. */
    static int[] attentionTiles(int d, int dv, DeviceInfo info) {
        int[][] prefs = {{16, 32}, {16, 16}, {16, 8}, {8, 8}, {8, 4}, {4, 4}, {4, 2}, {2, 2}, {1, 1}};
        for (int[] p : prefs) {
            long bytes = 4L * ((long) p[0] * d + (long) p[1] * d + (long) p[1] * dv + (long) p[0] * p[1]
                    + Math.max((long) p[0] * p[1], 128));
            if (bytes <= info.maxSharedMemory()) {
                return p;
            }
        }
        return null;
    }

    private static Recorder attention(Node node, Gpu gpu, Attention op) {
        int[] q = in(node, 0).shape().toArray();
        int lk = in(node, 1).shape().dim(2);
        int dv = in(node, 2).shape().dim(3);
        int[] tiles = attentionTiles(q[3], dv, gpu.info);
        int bq = tiles[0], bk = tiles[1];
        int tpr = 128 / bq;
        int opt = (int) cdiv(dv, tpr);
        long[] ms = new long[4];
        if (op.hasMask()) {
            int[] md = in(node, 3).shape().toArray();
            long[] st = in(node, 3).shape().strides();
            for (int a = 0; a < 4; a++) {
                ms[a] = md[a] == 1 ? 0 : st[a];
            }
        }
        long bh = (long) q[0] * q[1];
        return (i, o) -> {
            if (bh == 0 || q[2] == 0 || dv == 0) {
                return;
            }
            gpu.dispatch("attention", bq, bk, Math.max(1, q[3]), dv, Math.max(1, opt))
                    .read(i.get(0)).read(i.get(1)).read(i.get(2)).readOrNull(op.hasMask() ? i.get(3) : null).write(o.get(0))
                    .u32(q[1]).u32(q[2]).u32(lk).f32(op.scale()).u32(ms[0]).u32(ms[1]).u32(ms[2]).u32(ms[3])
                    .i32(op.causal() ? 1 : 0).i32(op.hasMask() ? 1 : 0)
                    .run(cdiv(q[2], bq), bh, 1);
        };
    }

    // ------------------------------------------------------------------ data movement

    /** A raw strided copy: rows × rowBytes from src+srcOff (row stride srcStride) to dst+dstOff. */
    static void copyRows(Gpu gpu, GpuBuffer src, long srcOff, long srcStride, GpuBuffer dst, long dstOff, long dstStride,
                         long rows, long rowBytes, long tag) {
        if (rows == 0 || rowBytes == 0) {
            return;
        }
        int u = Layouts.unit(src.address() + srcOff, dst.address() + dstOff, srcStride, dstStride, rowBytes);
        long cols = rowBytes / u;
        long srcEnd = srcOff + (rows - 1) * srcStride + rowBytes;
        long dstEnd = dstOff + (rows - 1) * dstStride + rowBytes;
        gpu.dispatch("copy", u).at(src, srcOff, false, srcOff, srcEnd, 0).at(dst, dstOff, true, dstOff, dstEnd, tag)
                .u32(rows).u32(cols).u32(srcStride / u).u32(dstStride / u).runLinear(rows * cols);
    }

    private static Recorder copyAll(Node node, Gpu gpu) {
        long bytes = out(node).byteSize();
        return (i, o) -> copyRows(gpu, i.get(0), 0, bytes, o.get(0), 0, bytes, 1, bytes, 0);
    }

    private static Recorder concat(Node node, Gpu gpu, Concat op) {
        Shape out = out(node).shape();
        int axis = out.axis(op.axis());
        long outer = out.outer(axis);
        long es = out(node).dtype().bits() / 8;
        long outRow = out.dim(axis) * out.inner(axis) * es;
        int parts = node.inputs().size();
        long[] rows = new long[parts];
        for (int p = 0; p < parts; p++) {
            Shape s = in(node, p).shape();
            rows[p] = s.dim(axis) * s.inner(axis) * es;
        }
        return (i, o) -> {
            long tag = TAGS.getAndIncrement();
            long at = 0;
            for (int p = 0; p < parts; p++) {
                copyRows(gpu, i.get(p), 0, rows[p], o.get(0), at, outRow, outer, rows[p], tag);
                at += rows[p];
            }
        };
    }

    private static Recorder slice(Node node, Gpu gpu, Slice op) {
        Shape in = in(node, 0).shape();
        int axis = in.axis(op.axis());
        long es = out(node).dtype().bits() / 8;
        long outer = in.outer(axis), inner = in.inner(axis) * es;
        long inRow = in.dim(axis) * inner;
        long outRow = (long) (op.end() - op.start()) * inner;
        return (i, o) -> copyRows(gpu, i.get(0), op.start() * inner, inRow, o.get(0), 0, outRow, outer, outRow, 0);
    }

    /** Output dims and input strides, collapsed, in units of 4/2/1 bytes: {dims, strides, {unit}}; null if too many axes. */
    static long[][] permuteLayout(Node node) {
        Permute op = (Permute) node.op();
        Shape in = in(node, 0).shape();
        long es = in(node, 0).dtype().bits() / 8;
        int r = in.rank();
        long[] inStrides = in.strides();
        long[] dims = new long[r + 1];
        long[] st = new long[r + 1];
        long unit = es == 8 ? 4 : es;
        long per = es / unit; // 8-byte elements move as two 4-byte units: one more axis of size 2
        for (int a = 0; a < r; a++) {
            dims[a] = in.dim(op.perm().get(a));
            st[a] = inStrides[op.perm().get(a)] * per;
        }
        dims[r] = per;
        st[r] = 1;
        Layouts.Collapsed c = Layouts.collapse(dims, st);
        if (c.rank() > Layouts.MAX_RANK) {
            return null;
        }
        return new long[][] {c.dims(), c.strides()[0], {unit}};
    }

    private static Recorder permute(Node node, Gpu gpu) {
        long[][] l = permuteLayout(node);
        long bytes = out(node).byteSize();
        long n = bytes / l[2][0];
        return (i, o) -> {
            if (n > 0) {
                gpu.dispatch("permute", (int) l[2][0]).read(i.get(0)).write(o.get(0)).u32(n).u32(l[0].length)
                        .u32s(l[0], 6).u32s(l[1], 6).runLinear(n);
            }
        };
    }

    private static Recorder pad(Node node, Gpu gpu, Pad op) {
        int[] in = in(node, 0).shape().toArray();
        int[] out = out(node).shape().toArray();
        long n = out(node).shape().numel();
        long[] before = op.before().stream().mapToLong(Integer::longValue).toArray();
        long bits = Integer.toUnsignedLong(Float.floatToRawIntBits(op.value()));
        return (i, o) -> {
            if (n > 0) {
                gpu.dispatch("pad").read(i.get(0)).write(o.get(0)).u32(n).u32(out.length)
                        .u32s(Layouts.toLong(out), 6).u32s(before, 6).u32s(Layouts.toLong(in), 6).u32(bits).runLinear(n);
            }
        };
    }

    private static Recorder upsample(Node node, Gpu gpu) {
        int[] s = in(node, 0).shape().toArray();
        long planes = (long) s[0] * s[1];
        long n = planes * 4L * s[2] * s[3];
        return (i, o) -> {
            if (n > 0) {
                gpu.dispatch("upsample").read(i.get(0)).write(o.get(0)).u32(planes).u32(s[2]).u32(s[3]).runLinear(n);
            }
        };
    }

    private static Recorder pool(Node node, Gpu gpu, Pool2d op) {
        int[] s = in(node, 0).shape().toArray();
        int[] y = out(node).shape().toArray();
        long planes = (long) s[0] * s[1];
        long n = planes * y[2] * y[3];
        // fn as the shader's code rather than the ordinal, so reordering PoolFn cannot change the kernel
        int fn = op.fn() == PoolFn.MAX ? 0 : 1;
        return (i, o) -> {
            if (n > 0) {
                gpu.dispatch("pool").read(i.get(0)).write(o.get(0)).u32(planes).u32(s[2]).u32(s[3]).u32(y[2]).u32(y[3])
                        .u32(op.kernelH()).u32(op.kernelW()).u32(op.strideH()).u32(op.strideW()).u32(op.padH()).u32(op.padW())
                        .i32(fn).i32(op.countIncludePad() ? 1 : 0).runLinear(n);
            }
        };
    }

    private static Recorder cast(Node node, Gpu gpu, Cast op) {
        int from = dt(in(node, 0).dtype());
        int to = dt(op.to());
        long n = out(node).shape().numel();
        return (i, o) -> {
            if (n > 0) {
                gpu.dispatch("cast").read(i.get(0)).write(o.get(0)).u32(n).i32(from).i32(to).runLinear(n);
            }
        };
    }

    private static Recorder embedding(Node node, Gpu gpu) {
        int v = in(node, 0).shape().dim(0);
        int d = in(node, 0).shape().dim(1);
        int tdt = dt(in(node, 0).dtype());
        int idt = dt(in(node, 1).dtype());
        long n = in(node, 1).shape().numel();
        String label = node.toString();
        return (i, o) -> {
            if (n * d == 0) {
                return;
            }
            gpu.dispatch("embedding").read(i.get(0)).read(i.get(1)).write(o.get(0))
                    .status(w -> "Embedding node " + label + ": id " + (((long) w[2] << 32) | (w[1] & 0xffffffffL))
                            + " at position " + Integer.toUnsignedString(w[0]) + " is outside the table's " + v + " rows")
                    .u32(n).u32(d).u32(v).i32(tdt).i32(idt).runLinear(n * d);
        };
    }

    // ------------------------------------------------------------------ SvdqLinear

    private static Support svdqSupport(Node node, SvdqLinear op, DeviceInfo info) {
        int r = in(node, 4).shape().dim(1);
        SvdqKernel.Plan plan = SvdqKernel.plan(op.groupSize(), r, info);
        if (plan == null) {
            return Support.no("SvdqLinear group size " + op.groupSize() + " / rank " + r + " does not fit "
                    + info.maxSharedMemory() + " bytes of shared memory");
        }
        return Support.YES;
    }
}
