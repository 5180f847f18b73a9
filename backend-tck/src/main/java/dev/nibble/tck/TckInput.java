package dev.nibble.tck;

import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.util.random.RandomGenerator;

/** One input of a case: its spec and how to fill it from the case's seeded random generator. */
public record TckInput(TensorSpec spec, Generator generator) {

    /** Fills a tensor of {@code spec}; must draw only from {@code rnd} so that cases are reproducible. */
    @FunctionalInterface
    public interface Generator {
        Tensor generate(TensorSpec spec, RandomGenerator rnd);
    }

    public Tensor generate(RandomGenerator rnd) {
        Tensor t = generator.generate(spec, rnd);
        if (!t.spec().equals(spec)) {
            throw new IllegalStateException("generator made " + t.spec() + " for input " + spec);
        }
        return t;
    }

    public static TensorSpec spec(DType dtype, int... dims) {
        return new TensorSpec(dtype, Shape.of(dims));
    }

    /** Standard normal values (rounded to the spec's float type). */
    public static TckInput normal(TensorSpec spec) {
        return normal(spec, 0, 1);
    }

    public static TckInput normal(TensorSpec spec, double mean, double std) {
        return floats(spec, rnd -> mean + std * rnd.nextGaussian());
    }

    public static TckInput normal(DType dtype, int... dims) {
        return normal(spec(dtype, dims));
    }

    /** F32 standard normal. */
    public static TckInput f32(int... dims) {
        return normal(spec(DType.F32, dims));
    }

    public static TckInput uniform(TensorSpec spec, double lo, double hi) {
        return floats(spec, rnd -> lo + (hi - lo) * rnd.nextDouble());
    }

    /** Magnitudes in [0.5, 2] with random sign: safe divisors. */
    public static TckInput nonZero(TensorSpec spec) {
        return floats(spec, rnd -> (rnd.nextBoolean() ? 1 : -1) * (0.5 + 1.5 * rnd.nextDouble()));
    }

    /** Integers uniform in [lo, hi), stored in any integer or float dtype. */
    public static TckInput ints(TensorSpec spec, long lo, long hi) {
        return new TckInput(spec, (s, rnd) -> {
            Tensor t = Tensor.zeros(s.dtype(), s.shape());
            for (long i = 0; i < t.numel(); i++) {
                long v = rnd.nextLong(lo, hi);
                switch (s.dtype()) {
                    case I64 -> t.data().setAtIndex(Tensor.I64, i, v);
                    case I32 -> t.data().setAtIndex(Tensor.I32, i, (int) v);
                    case I16 -> t.data().setAtIndex(Tensor.I16, i, (short) v);
                    case I8, U8, BOOL -> t.data().set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) v);
                    default -> t.setFloat(i, v);
                }
            }
            return t;
        });
    }

    /** Token ids in [0, vocab). */
    public static TckInput ids(TensorSpec spec, int vocab) {
        return ints(spec, 0, vocab);
    }

    /** Uniformly random bytes (packed weights, any dtype). */
    public static TckInput bytes(TensorSpec spec) {
        return new TckInput(spec, (s, rnd) -> {
            Tensor t = Tensor.zeros(s.dtype(), s.shape());
            byte[] b = new byte[Math.toIntExact(t.byteSize())];
            rnd.nextBytes(b);
            java.lang.foreign.MemorySegment.copy(b, 0, t.data(), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b.length);
            return t;
        });
    }

    /** The given tensor, whatever the seed. */
    public static TckInput fixed(Tensor t) {
        return new TckInput(t.spec(), (s, rnd) -> t);
    }

    /** Values from a function of the flat index (tables such as rope's cos/sin). */
    public static TckInput indexed(TensorSpec spec, java.util.function.LongToDoubleFunction f) {
        return new TckInput(spec, (s, rnd) -> {
            Tensor t = Tensor.zeros(s.dtype(), s.shape());
            for (long i = 0; i < t.numel(); i++) {
                t.setFloat(i, (float) f.applyAsDouble(i));
            }
            return t;
        });
    }

    private static TckInput floats(TensorSpec spec, java.util.function.ToDoubleFunction<RandomGenerator> draw) {
        if (!spec.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("float generator for " + spec);
        }
        return new TckInput(spec, (s, rnd) -> {
            Tensor t = Tensor.zeros(s.dtype(), s.shape());
            for (long i = 0; i < t.numel(); i++) {
                t.setFloat(i, (float) draw.applyAsDouble(rnd));
            }
            return t;
        });
    }
}
