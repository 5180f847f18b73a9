package dev.nibble.app.generate;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Weights;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code --precision bf16}: a view of a denoiser's weights in which every 2-D {@code *.weight} (the linear
 * layers; convolutions are 4-D, norms and biases 1-D) is converted to bfloat16 (round to nearest even) on
 * first use. Linear kernels take BF16 weights with F32 activations and accumulate in F32; everything else
 * stays as stored. Each converted tensor is made once and then handed out again, so a weight used twice
 * stays one graph constant.
 */
final class Bf16Weights implements Weights {
    private static final int CHUNK = 1 << 16;

    private final Weights base;
    private final Map<String, Tensor> converted = new ConcurrentHashMap<>();

    Bf16Weights(Weights base) {
        this.base = base;
    }

    static boolean converts(String name, Tensor t) {
        return name.endsWith(".weight") && t.shape().rank() == 2
                && (t.dtype() == DType.F32 || t.dtype() == DType.F16);
    }

    @Override
    public boolean contains(String name) {
        return base.contains(name);
    }

    @Override
    public Tensor get(String name) {
        Tensor t = base.get(name);
        if (!converts(name, t)) {
            return t;
        }
        return converted.computeIfAbsent(name, n -> toBf16(t));
    }

    static Tensor toBf16(Tensor t) {
        Tensor out = Tensor.zeros(DType.BF16, t.shape());
        long n = t.numel();
        MemorySegment dst = out.data();
        if (t.dtype() == DType.F32) {
            float[] buf = new float[(int) Math.min(CHUNK, n)];
            for (long off = 0; off < n; off += buf.length) {
                int len = (int) Math.min(buf.length, n - off);
                MemorySegment.copy(t.data(), Tensor.F32, off * 4, buf, 0, len);
                for (int i = 0; i < len; i++) {
                    dst.setAtIndex(Tensor.I16, off + i, Tensor.floatToBf16(buf[i]));
                }
            }
        } else {
            for (long i = 0; i < n; i++) {
                dst.setAtIndex(Tensor.I16, i, Tensor.floatToBf16(t.getFloat(i)));
            }
        }
        return out;
    }

    @Override
    public Set<String> names() {
        return base.names();
    }

    @Override
    public String source() {
        return base.source() + " (linear weights as bf16)";
    }

    @Override
    public Map<String, String> metadata() {
        return base.metadata();
    }

    @Override
    public String fullName(String name) {
        return base.fullName(name);
    }
}
