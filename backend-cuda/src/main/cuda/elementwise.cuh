// Element-wise ops: Unary, Binary (NumPy broadcasting), Affine, Clamp, Modulate, Geglu, Rope.
#pragma once
#include "common.cuh"

extern "C" __global__ void nb_unary(const float* __restrict__ x, float* __restrict__ y, i64 n, int fn) {
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        y[i] = nb_act(fn, x[i]);
    }
}

// y = a (op) b; d holds the (collapsed) output dims and each input's strides, 0 where it broadcasts.
extern "C" __global__ void nb_binary(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ y,
                                     i64 n, int fn, NbBcast d) {
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        i64 rem = i, oa = 0, ob = 0;
        for (int r = (int) d.rank - 1; r >= 0; r--) {
            i64 idx = rem % d.dims[r];
            rem /= d.dims[r];
            oa += idx * d.sa[r];
            ob += idx * d.sb[r];
        }
        float u = a[oa], v = b[ob], out;
        switch (fn) {
            case 0: out = __fadd_rn(u, v); break;
            case 1: out = __fsub_rn(u, v); break;
            case 2: out = __fmul_rn(u, v); break;
            default: out = __fdiv_rn(u, v); break;
        }
        y[i] = out;
    }
}

// x·scale + shift in double, rounded once (the product of two floats is exact in double).
extern "C" __global__ void nb_affine(const float* __restrict__ x, float* __restrict__ y, i64 n, float scale, float shift) {
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        y[i] = (float) ((double) x[i] * (double) scale + (double) shift);
    }
}

// torch.clamp: NaN stays NaN.
extern "C" __global__ void nb_clamp(const float* __restrict__ x, float* __restrict__ y, i64 n, float lo, float hi) {
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        float v = x[i];
        y[i] = v != v ? v : fminf(fmaxf(v, lo), hi);
    }
}

// x[b, l, d] · (1 + scale[b, d]) + shift[b, d], in double.
extern "C" __global__ void nb_modulate(const float* __restrict__ x, const float* __restrict__ scale,
                                       const float* __restrict__ shift, float* __restrict__ y, i64 n, i64 L, i64 D) {
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        i64 dd = i % D;
        i64 bb = i / (L * D);
        double s = 1.0 + (double) scale[bb * D + dd];
        y[i] = (float) ((double) x[i] * s + (double) shift[bb * D + dd]);
    }
}

// diffusers GEGLU: x [rows, 2N] -> first half · gelu(second half).
extern "C" __global__ void nb_geglu(const float* __restrict__ x, float* __restrict__ y, i64 rows, i64 N) {
    i64 n = rows * N;
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        i64 r = i / N, j = i % N;
        float h = x[r * 2 * N + j];
        float g = x[r * 2 * N + N + j];
        y[i] = (float) ((double) h * (double) nb_gelu(g));
    }
}

// FLUX rope on interleaved pairs; x [BH, L, D], cos/sin [L, D]. One thread per pair, double math.
extern "C" __global__ void nb_rope(const float* __restrict__ x, const float* __restrict__ cs, const float* __restrict__ sn,
                                   float* __restrict__ y, i64 pairs, i64 L, i64 D) {
    for (i64 p = nb_tid(); p < pairs; p += nb_stride()) {
        i64 e = p * 2;
        i64 t = e % (L * D); // position in the [L, D] table
        double x0 = x[e], x1 = x[e + 1];
        y[e] = (float) (x0 * (double) cs[t] - x1 * (double) sn[t]);
        y[e + 1] = (float) (x1 * (double) cs[t + 1] + x0 * (double) sn[t + 1]);
    }
}
