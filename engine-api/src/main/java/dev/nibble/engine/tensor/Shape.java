package dev.nibble.engine.tensor;

import java.util.Arrays;

/** Immutable tensor dimensions, outermost first (row-major). */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
        }
        this.dims = dims;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    public static Shape of(long... dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > Integer.MAX_VALUE || dims[i] < 0) {
                throw new IllegalArgumentException("dimension out of range in shape " + Arrays.toString(dims));
            }
            d[i] = (int) dims[i];
        }
        return new Shape(d);
    }

    public static Shape scalar() {
        return new Shape(new int[0]);
    }

    public int rank() {
        return dims.length;
    }

    /** Dimension {@code i}; negative indices count from the end like Python's. */
    public int dim(int i) {
        return dims[axis(i)];
    }

    /** Normalises a possibly negative axis into [0, rank). */
    public int axis(int i) {
        int a = i < 0 ? i + dims.length : i;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + i + " out of range for shape " + this);
        }
        return a;
    }

    public int last() {
        return dim(-1);
    }

    public long numel() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    public int[] toArray() {
        return dims.clone();
    }

    public long[] toLongArray() {
        return Arrays.stream(dims).asLongStream().toArray();
    }

    /** Product of the dimensions before {@code axis}. */
    public long outer(int axis) {
        long n = 1;
        for (int i = 0; i < axis(axis); i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Product of the dimensions after {@code axis}. */
    public long inner(int axis) {
        long n = 1;
        for (int i = axis(axis) + 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    public Shape withDim(int axis, int value) {
        int[] d = dims.clone();
        d[axis(axis)] = value;
        return new Shape(d);
    }

    /** Row-major strides in elements. */
    public long[] strides() {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
