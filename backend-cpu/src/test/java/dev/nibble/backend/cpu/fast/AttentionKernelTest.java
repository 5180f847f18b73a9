package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.ops.Attention;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionKernelTest {
    /** softmax(q·kᵀ·scale + mask [+ causal])·v in double, one row at a time. */
    static double[] reference(Tensor q, Tensor k, Tensor v, Tensor mask, float scale, boolean causal) {
        int b = q.shape().dim(0), h = q.shape().dim(1), lq = q.shape().dim(2), d = q.shape().dim(3);
        int lk = k.shape().dim(2), dv = v.shape().dim(3);
        float[] qs = q.toFloatArray(), ks = k.toFloatArray(), vs = v.toFloatArray();
        float[] ms = mask == null ? null : mask.toFloatArray();
        double[] out = new double[b * h * lq * dv];
        double[] s = new double[lk];
        for (int bi = 0; bi < b; bi++) {
            for (int hi = 0; hi < h; hi++) {
                int head = bi * h + hi;
                for (int i = 0; i < lq; i++) {
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        double acc = 0;
                        for (int c = 0; c < d; c++) {
                            acc += (double) qs[(head * lq + i) * d + c] * ks[(head * lk + j) * d + c];
                        }
                        acc *= scale;
                        if (ms != null) {
                            int mb = mask.shape().dim(0) == 1 ? 0 : bi, mh = mask.shape().dim(1) == 1 ? 0 : hi;
                            int mi = mask.shape().dim(2) == 1 ? 0 : i, mj = mask.shape().dim(3) == 1 ? 0 : j;
                            acc += ms[((mb * mask.shape().dim(1) + mh) * mask.shape().dim(2) + mi) * mask.shape().dim(3) + mj];
                        }
                        if (causal && j > i) {
                            acc = Double.NEGATIVE_INFINITY;
                        }
                        s[j] = acc;
                        mx = Math.max(mx, acc);
                    }
                    double sum = 0;
                    for (int j = 0; j < lk; j++) {
                        s[j] = Math.exp(s[j] - mx);
                        sum += s[j];
                    }
                    for (int c = 0; c < dv; c++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) {
                            acc += s[j] * vs[(head * lk + j) * dv + c];
                        }
                        out[(head * lq + i) * dv + c] = acc / sum;
                    }
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({
            "1,1,1,1,1,1,false", "1,2,7,7,8,8,false", "2,3,63,65,16,16,false", "1,2,64,64,64,64,true",
            "1,1,127,127,33,17,true", "2,1,65,300,40,40,false", "1,1,300,300,64,64,true", "1,2,5,513,128,128,false",
            "1,1,70,70,7,65,true", "3,2,17,1,5,3,false"})
    void matchesScalarSoftmax(int b, int h, int lq, int lk, int d, int dv, boolean causal) {
        Random r = new Random(b * 1000 + h * 100 + lq * 7 + lk + d);
        Tensor q = FastTestSupport.rand(r, DType.F32, b, h, lq, d);
        Tensor k = FastTestSupport.rand(r, DType.F32, b, h, lk, d);
        Tensor v = FastTestSupport.rand(r, DType.F32, b, h, lk, dv);
        float scale = (float) (1 / Math.sqrt(d));
        if (causal && lq > lk) {
            return;
        }
        Tensor o = FastTestSupport.run(new Attention(scale, causal, false), q, k, v).get(0);
        FastTestSupport.assertClose("attention", reference(q, k, v, null, scale, causal), o, 2e-6, 2e-6);
    }

    @ParameterizedTest
    @CsvSource({"2,3,9,70,1,1,1,70", "2,3,9,70,2,1,1,70", "1,3,9,70,1,3,9,70", "2,2,9,300,2,1,9,1", "1,2,33,33,1,1,33,33"})
    void broadcastMasks(int b, int h, int lq, int lk, int mb, int mh, int mq, int mk) {
        Random r = new Random(77 + mb + mh * 3 + mq + mk);
        Tensor q = FastTestSupport.rand(r, DType.F32, b, h, lq, 24);
        Tensor k = FastTestSupport.rand(r, DType.F32, b, h, lk, 24);
        Tensor v = FastTestSupport.rand(r, DType.F32, b, h, lk, 24);
        Tensor mask = FastTestSupport.rand(r, DType.F32, mb, mh, mq, mk);
        if (mk > 1) {
            // padding-style entries (a constant per row would just cancel, up to float rounding of the scores)
            for (long i = 0; i < mask.numel(); i += 3) {
                mask.setFloat(i, -1e9f);
            }
        }
        float scale = 0.2f;
        Tensor o = FastTestSupport.run(new Attention(scale, lq == lk, true), q, k, v, mask).get(0);
        FastTestSupport.assertClose("masked attention", reference(q, k, v, mask, scale, lq == lk), o, 2e-6, 2e-6);
    }

    @Test
    void fullyMaskedRowIsZero() {
        Random r = new Random(3);
        Tensor q = FastTestSupport.rand(r, DType.F32, 1, 1, 3, 8);
        Tensor k = FastTestSupport.rand(r, DType.F32, 1, 1, 4, 8);
        Tensor v = FastTestSupport.rand(r, DType.F32, 1, 1, 4, 8);
        Tensor mask = Tensor.zeros(DType.F32, dev.nibble.engine.tensor.Shape.of(1, 1, 3, 4));
        for (int j = 0; j < 4; j++) {
            mask.setFloat(4 + j, Float.NEGATIVE_INFINITY);
        }
        float[] o = FastTestSupport.run(new Attention(1f, false, true), q, k, v, mask).get(0).toFloatArray();
        for (int c = 0; c < 8; c++) {
            assertTrue(o[8 + c] == 0f);
            assertTrue(Float.isFinite(o[c]) && Float.isFinite(o[16 + c]));
        }
    }

    @Test
    void largeScoresStayFinite() {
        Random r = new Random(4);
        Tensor q = FastTestSupport.rand(r, DType.F32, 1, 2, 40, 16);
        Tensor k = FastTestSupport.rand(r, DType.F32, 1, 2, 600, 16);
        Tensor v = FastTestSupport.rand(r, DType.F32, 1, 2, 600, 16);
        Tensor o = FastTestSupport.run(new Attention(30f, false, false), q, k, v).get(0);
        // scores ~100: float rounding of the scores alone moves the weights by ~1e-5
        FastTestSupport.assertClose("peaked", reference(q, k, v, null, 30f, false), o, 1e-4, 1e-5);
    }
}
