// rows.cl: row-wise reductions — LayerNorm, RmsNorm, GroupNorm, Softmax — and Reduce along an axis.
//
// LSIZE = 1 (devices without real local memory): one work-item per row, vector loads, compensated
// float4 partial sums. LSIZE > 1 (a power of two): one work-group per row; items stride the row and
// combine through local memory (or sub-group collectives where cl_khr_subgroups is present).
// Statistics are two-pass (mean, then the mean of squared deviations), biased, as PyTorch.

#ifndef LSIZE
#define LSIZE 1
#endif

#ifdef NB_SUBGROUPS
#pragma OPENCL EXTENSION cl_khr_subgroups : enable
#endif

#if LSIZE > 1
inline float nb_wg_sum(float v, __local float* s) {
    const int l = get_local_id(0);
#ifdef NB_SUBGROUPS
    float t = sub_group_reduce_add(v);
    if (get_sub_group_local_id() == 0) {
        s[get_sub_group_id()] = t;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    float r = 0.0f;
    for (uint i = 0; i < get_num_sub_groups(); i++) {
        r += s[i];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
#else
    s[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = LSIZE / 2; off > 0; off >>= 1) {
        if (l < off) {
            s[l] += s[l + off];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
#endif
}

inline float nb_wg_max(float v, __local float* s) {
    const int l = get_local_id(0);
    s[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = LSIZE / 2; off > 0; off >>= 1) {
        if (l < off) {
            s[l] = fmax(s[l], s[l + off]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
#define NB_ROW_DECL __local float nb_red[LSIZE]; const int row = get_group_id(0); const int lid = get_local_id(0);
#define NB_RSUM(v) nb_wg_sum((v), nb_red)
#define NB_RMAX(v) nb_wg_max((v), nb_red)
#else
#define NB_ROW_DECL const int row = get_global_id(0); const int lid = 0; if (row >= rows) return;
#define NB_RSUM(v) (v)
#define NB_RMAX(v) (v)
#endif

// Σ F(p[i]) over i = lid, lid + LSIZE, ... < n, compensated. F1 on a float v, F4 on a float4 v4.
#if LSIZE == 1
#define NB_DEFINE_PSUM(NAME, F1, F4)                                                     \
    inline float NAME(__global const float* p, int n, int lid, float m) {               \
        float4 s = (float4) (0.0f), c = (float4) (0.0f);                                \
        int i = 0;                                                                       \
        for (; i + 4 <= n; i += 4) {                                                     \
            float4 v4 = vload4(0, p + i);                                                \
            float4 yy = (F4) - c;                                                        \
            float4 t = s + yy;                                                           \
            c = (t - s) - yy;                                                            \
            s = t;                                                                       \
        }                                                                                \
        nb_kahan k = {0.0f, 0.0f};                                                       \
        nb_kadd(&k, s.x); nb_kadd(&k, s.y); nb_kadd(&k, s.z); nb_kadd(&k, s.w);          \
        nb_kadd(&k, -c.x); nb_kadd(&k, -c.y); nb_kadd(&k, -c.z); nb_kadd(&k, -c.w);      \
        for (; i < n; i++) {                                                             \
            float v = p[i];                                                              \
            nb_kadd(&k, (F1));                                                           \
        }                                                                                \
        return k.s;                                                                      \
    }
#else
#define NB_DEFINE_PSUM(NAME, F1, F4)                                                     \
    inline float NAME(__global const float* p, int n, int lid, float m) {               \
        nb_kahan k = {0.0f, 0.0f};                                                       \
        for (int i = lid; i < n; i += LSIZE) {                                           \
            float v = p[i];                                                              \
            nb_kadd(&k, (F1));                                                           \
        }                                                                                \
        return k.s;                                                                      \
    }
#endif

NB_DEFINE_PSUM(nb_psum, v, v4)
NB_DEFINE_PSUM(nb_psumdev2, (v - m) * (v - m), (v4 - m) * (v4 - m))
NB_DEFINE_PSUM(nb_psumsq, v * v, v4 * v4)
NB_DEFINE_PSUM(nb_psumexp, exp(v - m), exp(v4 - m))

inline float nb_pmax(__global const float* p, int n, int lid) {
    float r = -INFINITY;
    for (int i = lid; i < n; i += LSIZE) {
        r = fmax(r, p[i]);
    }
    return r;
}

__kernel void layernorm(__global const float* x, long xo, __global const uchar* w, long wo, int wdt,
                        __global const uchar* bb, long bo, int bdt, __global float* y, long yo,
                        int rows, int D, float eps, int hasW, int hasB) {
    NB_ROW_DECL
    x += xo + (size_t) row * D;
    y += yo + (size_t) row * D;
    w += wo;
    bb += bo;
    const float mean = NB_RSUM(nb_psum(x, D, lid, 0.0f)) / D;
    const float var = NB_RSUM(nb_psumdev2(x, D, lid, mean)) / D;
    const float inv = 1.0f / sqrt(var + eps);
    for (int i = lid; i < D; i += LSIZE) {
        float v = (x[i] - mean) * inv;
        if (hasW) {
            v *= nb_ldf(w, wdt, i);
        }
        if (hasB) {
            v += nb_ldf(bb, bdt, i);
        }
        y[i] = v;
    }
}

__kernel void rmsnorm(__global const float* x, long xo, __global const uchar* w, long wo, int wdt,
                      __global float* y, long yo, int rows, int D, float eps, int hasW) {
    NB_ROW_DECL
    x += xo + (size_t) row * D;
    y += yo + (size_t) row * D;
    w += wo;
    const float ms = NB_RSUM(nb_psumsq(x, D, lid, 0.0f)) / D;
    const float inv = 1.0f / sqrt(ms + eps);
    for (int i = lid; i < D; i += LSIZE) {
        float v = x[i] * inv;
        y[i] = hasW ? v * nb_ldf(w, wdt, i) : v;
    }
}

// rows = B * groups; a group of one sample is contiguous: per channels of `spatial` elements.
__kernel void groupnorm(__global const float* x, long xo, __global const uchar* w, long wo, int wdt,
                        __global const uchar* bb, long bo, int bdt, __global float* y, long yo,
                        int rows, int groups, int per, int spatial, float eps, int affine) {
    NB_ROW_DECL
    const int len = per * spatial;
    x += xo + (size_t) row * len;
    y += yo + (size_t) row * len;
    w += wo;
    bb += bo;
    const int g = row % groups;
    const float mean = NB_RSUM(nb_psum(x, len, lid, 0.0f)) / len;
    const float var = NB_RSUM(nb_psumdev2(x, len, lid, mean)) / len;
    const float inv = 1.0f / sqrt(var + eps);
    for (int c = 0; c < per; c++) {
        const int ch = g * per + c;
        const float wc = affine ? nb_ldf(w, wdt, ch) : 1.0f;
        const float bc = affine ? nb_ldf(bb, bdt, ch) : 0.0f;
        const __global float* xc = x + (size_t) c * spatial;
        __global float* yc = y + (size_t) c * spatial;
        for (int s = lid; s < spatial; s += LSIZE) {
            float v = (xc[s] - mean) * inv;
            yc[s] = affine ? v * wc + bc : v;
        }
    }
}

__kernel void softmax(__global const float* x, long xo, __global float* y, long yo, int rows, int D) {
    NB_ROW_DECL
    x += xo + (size_t) row * D;
    y += yo + (size_t) row * D;
    const float mx = NB_RMAX(nb_pmax(x, D, lid));
    const float sum = NB_RSUM(nb_psumexp(x, D, lid, mx));
    for (int i = lid; i < D; i += LSIZE) {
        y[i] = exp(x[i] - mx) / sum;
    }
}

// Reduce along one axis of [outer, len, inner]: fn 0 SUM, 1 MEAN, 2 MAX, 3 MIN (NaN propagates).
__kernel void reduce_axis(__global const float* x, long xo, __global float* y, long yo,
                          int outer, int len, int inner, int fn) {
    const int i = get_global_id(0);
    const int o = get_global_id(1);
    if (i >= inner || o >= outer) {
        return;
    }
    const __global float* p = x + xo + (size_t) o * len * inner + i;
    float r;
    if (fn <= 1) {
        nb_kahan k = {0.0f, 0.0f};
        for (int j = 0; j < len; j++) {
            nb_kadd(&k, p[(size_t) j * inner]);
        }
        r = fn == 1 ? k.s / len : k.s;
    } else if (fn == 2) {
        r = -INFINITY;
        for (int j = 0; j < len; j++) {
            float v = p[(size_t) j * inner];
            r = (isnan(v) || v > r) ? v : r;
        }
    } else {
        r = INFINITY;
        for (int j = 0; j < len; j++) {
            float v = p[(size_t) j * inner];
            r = (isnan(v) || v < r) ? v : r;
        }
    }
    y[yo + (size_t) o * inner + i] = r;
}
