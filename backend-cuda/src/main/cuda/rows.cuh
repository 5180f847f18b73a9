// Row and axis ops: LayerNorm, RmsNorm, GroupNorm (two kernels), Softmax, Reduce.
// Statistics accumulate in double (the reference uses double two-pass statistics).
#pragma once
#include "common.cuh"

// One block per row of D elements. w/b may be null; wdt/bdt their element types.
extern "C" __global__ void __launch_bounds__(256) nb_layer_norm(const float* __restrict__ x, const void* w, int wdt,
                                                                const void* b, int bdt, float* __restrict__ y,
                                                                i64 D, float eps) {
    __shared__ double scratch[33];
    const float* xr = x + (i64) blockIdx.x * D;
    float* yr = y + (i64) blockIdx.x * D;
    double s = 0.0;
    for (i64 i = threadIdx.x; i < D; i += blockDim.x) {
        s += xr[i];
    }
    double mean = nb_block_sum(s, scratch) / (double) D;
    double v = 0.0;
    for (i64 i = threadIdx.x; i < D; i += blockDim.x) {
        double dv = xr[i] - mean;
        v += dv * dv;
    }
    double var = nb_block_sum(v, scratch) / (double) D;
    double inv = 1.0 / sqrt(var + (double) eps);
    for (i64 i = threadIdx.x; i < D; i += blockDim.x) {
        double o = (xr[i] - mean) * inv;
        if (w != nullptr) {
            o *= (double) nb_ldf(w, wdt, i);
        }
        if (b != nullptr) {
            o += (double) nb_ldf(b, bdt, i);
        }
        yr[i] = (float) o;
    }
}

extern "C" __global__ void __launch_bounds__(256) nb_rms_norm(const float* __restrict__ x, const void* w, int wdt,
                                                              float* __restrict__ y, i64 D, float eps) {
    __shared__ double scratch[33];
    const float* xr = x + (i64) blockIdx.x * D;
    float* yr = y + (i64) blockIdx.x * D;
    double s = 0.0;
    for (i64 i = threadIdx.x; i < D; i += blockDim.x) {
        double v = xr[i];
        s += v * v;
    }
    double inv = 1.0 / sqrt(nb_block_sum(s, scratch) / (double) D + (double) eps);
    for (i64 i = threadIdx.x; i < D; i += blockDim.x) {
        double o = xr[i] * inv;
        yr[i] = (float) (w == nullptr ? o : o * (double) nb_ldf(w, wdt, i));
    }
}

// GroupNorm, pass 1: partial sums. Grid (chunks, B·groups); each group of len elements is contiguous.
// part[(bg * chunks + chunk) * 2 + {0,1}] = {Σx, Σx²} of the chunk, in double.
extern "C" __global__ void __launch_bounds__(256) nb_group_norm_stats(const float* __restrict__ x, double* __restrict__ part,
                                                                      i64 len) {
    __shared__ double scratch[33];
    i64 bg = blockIdx.y;
    int chunks = gridDim.x;
    i64 per = (len + chunks - 1) / chunks;
    i64 from = per * blockIdx.x;
    i64 to = min(len, from + per);
    const float* xg = x + bg * len;
    double s = 0.0, q = 0.0;
    for (i64 i = from + threadIdx.x; i < to; i += blockDim.x) {
        double v = xg[i];
        s += v;
        q += v * v;
    }
    s = nb_block_sum(s, scratch);
    q = nb_block_sum(q, scratch);
    if (threadIdx.x == 0) {
        part[(bg * chunks + blockIdx.x) * 2] = s;
        part[(bg * chunks + blockIdx.x) * 2 + 1] = q;
    }
}

// GroupNorm, pass 2: normalise. Grid (blocks, B·groups). C channels, 'per' channels a group, 'spatial' elements a channel.
extern "C" __global__ void __launch_bounds__(256) nb_group_norm_apply(const float* __restrict__ x, const double* __restrict__ part,
                                                                      int chunks, const void* w, int wdt, const void* b, int bdt,
                                                                      float* __restrict__ y, i64 len, int groups, int per,
                                                                      i64 spatial, float eps) {
    i64 bg = blockIdx.y;
    int g = (int) (bg % groups);
    double s = 0.0, q = 0.0;
    for (int c = 0; c < chunks; c++) {
        s += part[(bg * chunks + c) * 2];
        q += part[(bg * chunks + c) * 2 + 1];
    }
    double mean = s / (double) len;
    double var = fmax(q / (double) len - mean * mean, 0.0);
    double inv = 1.0 / sqrt(var + (double) eps);
    const float* xg = x + bg * len;
    float* yg = y + bg * len;
    for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < len; i += (i64) gridDim.x * blockDim.x) {
        double v = (xg[i] - mean) * inv;
        if (w != nullptr) {
            i64 ch = (i64) g * per + i / spatial;
            v = v * (double) nb_ldf(w, wdt, ch) + (double) nb_ldf(b, bdt, ch);
        }
        yg[i] = (float) v;
    }
}

// Softmax over rows of D: one block per row.
extern "C" __global__ void __launch_bounds__(256) nb_softmax(const float* __restrict__ x, float* __restrict__ y, i64 D) {
    __shared__ double scratch[33];
    __shared__ float fscratch[33];
    const float* xr = x + (i64) blockIdx.x * D;
    float* yr = y + (i64) blockIdx.x * D;
    float m = -INFINITY;
    for (i64 i = threadIdx.x; i < D; i += blockDim.x) {
        m = nb_nanmax(m, xr[i]);
    }
    m = nb_block_max(m, fscratch);
    double s = 0.0;
    for (i64 i = threadIdx.x; i < D; i += blockDim.x) {
        s += (double) expf(xr[i] - m);
    }
    s = nb_block_sum(s, scratch);
    for (i64 i = threadIdx.x; i < D; i += blockDim.x) {
        yr[i] = (float) ((double) expf(xr[i] - m) / s);
    }
}

// Reduce along one axis: x viewed as [outer, len, inner]; one thread per output, double accumulation.
// fn: 0 SUM, 1 MEAN, 2 MAX, 3 MIN (MAX/MIN propagate NaN).
extern "C" __global__ void nb_reduce(const float* __restrict__ x, float* __restrict__ y, i64 outer, i64 len, i64 inner, int fn) {
    i64 n = outer * inner;
    for (i64 t = nb_tid(); t < n; t += nb_stride()) {
        i64 o = t / inner, in = t % inner;
        const float* p = x + o * len * inner + in;
        double acc = fn == 2 ? -INFINITY : (fn == 3 ? INFINITY : 0.0);
        for (i64 k = 0; k < len; k++) {
            double v = p[k * inner];
            if (fn <= 1) {
                acc += v;
            } else if (fn == 2) {
                acc = (v != v || v > acc) ? v : acc;
            } else {
                acc = (v != v || v < acc) ? v : acc;
            }
        }
        y[t] = (float) (fn == 1 ? acc / (double) len : acc);
    }
}
