package dev.nibble.backend.cpu.fast;

import dev.nibble.engine.ops.Conv2d;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

class Conv2dKernelTest {
    static double[] reference(Tensor x, Tensor w, Tensor bias, Conv2d op, int oh, int ow) {
        int b = x.shape().dim(0), c = x.shape().dim(1), ih = x.shape().dim(2), iw = x.shape().dim(3);
        int o = w.shape().dim(0), kh = w.shape().dim(2), kw = w.shape().dim(3);
        float[] xs = x.toFloatArray(), ws = w.toFloatArray();
        float[] bs = bias == null ? null : bias.toFloatArray();
        double[] y = new double[b * o * oh * ow];
        for (int bi = 0; bi < b; bi++) {
            for (int oi = 0; oi < o; oi++) {
                for (int yy = 0; yy < oh; yy++) {
                    for (int xx = 0; xx < ow; xx++) {
                        double s = bs == null ? 0 : bs[oi];
                        for (int ci = 0; ci < c; ci++) {
                            for (int ky = 0; ky < kh; ky++) {
                                for (int kx = 0; kx < kw; kx++) {
                                    int sy = yy * op.strideH() - op.padTop() + ky;
                                    int sx = xx * op.strideW() - op.padLeft() + kx;
                                    if (sy < 0 || sy >= ih || sx < 0 || sx >= iw) {
                                        continue;
                                    }
                                    s += (double) xs[((bi * c + ci) * ih + sy) * iw + sx]
                                            * ws[((oi * c + ci) * kh + ky) * kw + kx];
                                }
                            }
                        }
                        y[((bi * o + oi) * oh + yy) * ow + xx] = s;
                    }
                }
            }
        }
        return y;
    }

    @ParameterizedTest
    @CsvSource({
            // b, c, h, w, o, k, sh, sw, pt, pb, pl, pr, bias, wtype
            "1,1,1,1,1,1,1,1,0,0,0,0,true,F32",
            "1,3,7,7,5,3,1,1,1,1,1,1,true,F32",
            "2,4,16,16,7,3,1,1,1,1,1,1,true,F32",
            "1,8,64,64,13,3,1,1,1,1,1,1,false,F32",
            "1,5,65,63,9,3,2,2,0,1,0,1,true,F32",
            "2,16,33,33,20,1,1,1,0,0,0,0,true,F32",
            "1,6,31,45,4,1,2,2,0,0,0,0,true,F32",
            "1,3,20,70,65,3,2,2,1,1,1,1,true,F32",
            "1,32,32,32,40,3,1,1,1,1,1,1,true,BF16",
            "1,9,17,12,6,3,1,1,1,1,1,1,true,F16",
            "1,4,8,8,3,3,1,2,2,0,1,3,true,F32",
            "1,3,127,127,4,3,1,1,1,1,1,1,true,F32",
            "1,40,10,10,33,5,1,1,2,2,2,2,false,F32"})
    void matchesDirectLoop(int b, int c, int h, int w, int o, int kk, int sh, int sw, int pt, int pb, int pl, int pr,
                           boolean hasBias, DType wt) {
        Random r = new Random(b + c * 3 + h * 5 + w * 7 + o * 11 + kk);
        Conv2d op = new Conv2d(sh, sw, pt, pb, pl, pr, hasBias);
        Tensor x = FastTestSupport.rand(r, DType.F32, b, c, h, w);
        Tensor wt2 = FastTestSupport.rand(r, wt, o, c, kk, kk);
        Tensor bias = FastTestSupport.rand(r, wt, o);
        Tensor y = hasBias ? FastTestSupport.run(op, x, wt2, bias).get(0) : FastTestSupport.run(op, x, wt2).get(0);
        FastTestSupport.assertClose("conv", reference(x, wt2, hasBias ? bias : null, op, y.shape().dim(2), y.shape().dim(3)),
                y, 1e-5, 1e-6);
    }
}
