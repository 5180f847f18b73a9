package dev.nibble.engine.tensor;

/** What a tensor is without its data: element type and shape. */
public record TensorSpec(DType dtype, Shape shape) {
    public static TensorSpec f32(int... dims) {
        return new TensorSpec(DType.F32, Shape.of(dims));
    }

    public long byteSize() {
        return dtype.byteSize(shape.numel());
    }

    @Override
    public String toString() {
        return dtype + shape.toString();
    }
}
