package dev.nibble.backend.vulkan;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.exec.CompiledGraph;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.exec.RunResult;
import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.graph.GraphBuilder;
import dev.nibble.engine.graph.Value;
import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.ops.Concat;
import dev.nibble.engine.ops.LayerNorm;
import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.Softmax;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small transformer-like graph through the executor on the Vulkan device (strict: no CPU
 * fallback) against the CPU reference device: the whole run is one batched submit.
 */
class VulkanExecutorTest {
    private static int mark;

    @BeforeAll
    static void start() {
        mark = ValidationMessages.count();
    }

    @AfterAll
    static void silent() {
        VulkanTestDevice.assertNoValidationMessages(mark);
    }

    private static Tensor random(DType dt, Shape s, SplittableRandom rnd, double std) {
        Tensor t = Tensor.zeros(dt, s);
        for (long i = 0; i < t.numel(); i++) {
            t.setFloat(i, (float) (rnd.nextGaussian() * std));
        }
        return t;
    }

    static Graph graph() {
        SplittableRandom rnd = new SplittableRandom(3);
        int b = 2, l = 9, d = 32, h = 4;
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, b, l, d);
        Value w1 = g.constant("fc1.weight", random(DType.F16, Shape.of(3 * d, d), rnd, 0.2));
        Value b1 = g.constant("fc1.bias", random(DType.F32, Shape.of(3 * d), rnd, 0.1));
        Value w2 = g.constant("fc2.weight", random(DType.BF16, Shape.of(d, d), rnd, 0.2));
        Value lnw = g.constant("norm.weight", random(DType.F32, Shape.of(d), rnd, 1));
        Value qkv = g.op(new Linear(true), "fc1", x, w1, b1);
        qkv = g.unary(UnaryFn.GELU, qkv); // the fuse stage folds this into fc1's epilogue
        var parts = g.chunk(qkv, 3, 2);
        Value[] heads = new Value[3];
        for (int i = 0; i < 3; i++) {
            heads[i] = g.permute(g.reshape(parts.get(i), b, l, h, d / h), 0, 2, 1, 3);
        }
        Value att = g.op(new Attention((float) (1 / Math.sqrt(d / h)), true, false), "attn", heads[0], heads[1], heads[2]);
        Value merged = g.reshape(g.permute(att, 0, 2, 1, 3), b, l, d);
        Value y = g.op(new Linear(false), "fc2", merged, w2);
        y = g.add(y, x);
        y = g.op(new LayerNorm(1e-5f, true, false), "norm", y, lnw);
        Value both = g.op(new Concat(-1), "cat", y, g.affine(y, 0.5f, 1f));
        Value out = g.op(new Softmax(), "softmax", both);
        return g.build(out, y);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aGraphRunsInOneSubmitAndMatchesTheReference(boolean staging) {
        VulkanDevice dev = VulkanTestDevice.get();
        dev.setStagingOnly(staging);
        Graph graph = graph();
        Tensor x = random(DType.F32, Shape.of(2, 9, 32), new SplittableRandom(11), 1);
        Map<String, Tensor> in = Map.of("x", x);
        try (CompiledGraph ref = new Executor(CpuBackend.referenceDevice(), null, ExecutionOptions.DEFAULT).compile(graph);
             CompiledGraph vk = new Executor(dev, null, ExecutionOptions.DEFAULT.withStrict(true)).compile(graph)) {
            RunResult want = ref.run(in);
            dev.synchronize();
            for (int rep = 0; rep < 2; rep++) {
                long submits = dev.submitCount();
                long dispatches = dev.dispatchCount();
                RunResult got = vk.run(in);
                long used = dev.submitCount() - submits;
                if (staging) {
                    // staging: the one compute submit, then one per output read back
                    assertEquals(1 + got.outputs().size() + (rep == 0 ? 0 : 0), used, "submits with staging");
                } else {
                    assertEquals(1, used, "one batched submit for the whole graph");
                }
                assertTrue(dev.dispatchCount() - dispatches >= 10, "every node ran on the device");
                for (int o = 0; o < want.outputs().size(); o++) {
                    float[] a = want.output(o).toFloatArray();
                    float[] c = got.output(o).toFloatArray();
                    double maxRef = 0, maxDiff = 0;
                    for (int i = 0; i < a.length; i++) {
                        maxRef = Math.max(maxRef, Math.abs(a[i]));
                        maxDiff = Math.max(maxDiff, Math.abs(a[i] - c[i]));
                    }
                    double err = maxDiff / Math.max(1, maxRef);
                    int oo = o;
                    assertTrue(err < 2e-3, () -> "output " + oo + ": max error " + err);
                }
            }
        } finally {
            dev.setStagingOnly(false);
        }
    }
}
