package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.ops.Linear;
import dev.nibble.engine.ops.UnaryFn;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LinearKernelTest {
    static double[] reference(Tensor x, Tensor w, Tensor b, UnaryFn fn) {
        int k = x.shape().last();
        int n = w.shape().dim(0);
        int m = (int) (x.numel() / k);
        float[] xs = x.toFloatArray(), ws = w.toFloatArray();
        float[] bs = b == null ? null : b.toFloatArray();
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = bs == null ? 0 : bs[j];
                for (int kk = 0; kk < k; kk++) {
                    s += (double) xs[i * k + kk] * ws[j * k + kk];
                }
                y[i * n + j] = UnaryRef.apply(fn, s);
            }
        }
        return y;
    }

    @ParameterizedTest
    @CsvSource({
            "1,1,1", "1,7,5", "7,63,65", "64,64,64", "65,127,33", "127,65,127", "13,300,17", "200,257,100",
            "3,1000,40", "16,16,16", "9,513,70"})
    void f32MatchesScalarLoop(int m, int k, int n) {
        Random r = new Random(m * 31 + k * 7 + n);
        Tensor x = FastTestSupport.rand(r, DType.F32, m, k);
        Tensor w = FastTestSupport.rand(r, DType.F32, n, k);
        Tensor b = FastTestSupport.rand(r, DType.F32, n);
        Tensor y = FastTestSupport.run(new Linear(true), x, w, b).get(0);
        FastTestSupport.assertClose("linear " + m + "x" + k + "x" + n, reference(x, w, b, UnaryFn.IDENTITY), y, 1e-5, 1e-6);
    }

    @ParameterizedTest
    @CsvSource({"F16,5,70,33", "BF16,5,70,33", "BF16,66,300,65", "F16,66,300,65", "BF16,1,64,32"})
    void halfWeightsAndBias(DType t, int m, int k, int n) {
        Random r = new Random(5);
        Tensor x = FastTestSupport.rand(r, DType.F32, 1, m, k);
        Tensor w = FastTestSupport.rand(r, t, n, k);
        Tensor b = FastTestSupport.rand(r, t, n);
        Tensor y = FastTestSupport.run(new Linear(true), x, w, b).get(0);
        assertEquals(3, y.shape().rank());
        FastTestSupport.assertClose("linear " + t, reference(x, w, b, UnaryFn.IDENTITY), y, 1e-5, 1e-6);
    }

    @Test
    void batchedInputNoBias() {
        Random r = new Random(11);
        Tensor x = FastTestSupport.rand(r, DType.F32, 2, 3, 37, 65);
        Tensor w = FastTestSupport.rand(r, DType.F32, 47, 65);
        Tensor y = FastTestSupport.run(new Linear(false), x, w).get(0);
        FastTestSupport.assertClose("batched", reference(x, w, null, UnaryFn.IDENTITY), y, 1e-5, 1e-6);
    }

    @Test
    void epilogues() {
        Random r = new Random(12);
        Tensor x = FastTestSupport.rand(r, DType.F32, 19, 40);
        Tensor w = FastTestSupport.rand(r, DType.F32, 35, 40);
        Tensor b = FastTestSupport.rand(r, DType.F32, 35);
        for (UnaryFn fn : UnaryFn.values()) {
            if (fn == UnaryFn.EXP) {
                continue; // large dot products overflow exp; covered by the Unary tests
            }
            Tensor y = FastTestSupport.run(new Linear(true, fn), x, w, b).get(0);
            FastTestSupport.assertClose("epilogue " + fn, reference(x, w, b, fn), y, 1e-5, 1e-5);
        }
    }

    @Test
    void longKIsAccurate() {
        Random r = new Random(13);
        int m = 9, k = 12288, n = 40;
        Tensor x = FastTestSupport.rand(r, DType.F32, m, k);
        Tensor w = FastTestSupport.rand(r, DType.F32, n, k);
        Tensor y = FastTestSupport.run(new Linear(false), x, w).get(0);
        FastTestSupport.assertClose("K=12288", reference(x, w, null, UnaryFn.IDENTITY), y, 1e-5, 1e-6);
    }

    @Test
    void repackWhenWeightMemoryChanges() {
        Random r = new Random(14);
        Tensor x = FastTestSupport.rand(r, DType.F32, 5, 33);
        Tensor w = FastTestSupport.rand(r, DType.F32, 20, 33);
        var n = FastTestSupport.node(new Linear(false), x.spec(), w.spec());
        var kern = FastTestSupport.compile(n);
        Tensor y1 = FastTestSupport.run(kern, n, x, w).get(0);
        FastTestSupport.assertClose("first", reference(x, w, null, UnaryFn.IDENTITY), y1, 1e-5, 1e-6);
        // same memory, new contents
        Tensor w2 = FastTestSupport.rand(r, DType.F32, 20, 33);
        w.data().copyFrom(w2.data());
        Tensor y2 = FastTestSupport.run(kern, n, x, w).get(0);
        FastTestSupport.assertClose("second", reference(x, w, null, UnaryFn.IDENTITY), y2, 1e-5, 1e-6);
    }
}
