// elementwise.cl: Unary, Affine, Clamp, Binary (NumPy broadcasting), Geglu, Modulate, Rope.
// Flat kernels handle 4 elements per work-item with vector loads/stores (a scalar tail at the end).

#define NB_V 4

__kernel void unary(__global const float* x, long xo, __global float* y, long yo, int n, int fn) {
    const int i = get_global_id(0) * NB_V;
    if (i >= n) {
        return;
    }
    x += xo;
    y += yo;
    if (i + NB_V <= n) {
        vstore4(nb_act4(vload4(0, x + i), fn), 0, y + i);
    } else {
        for (int j = i; j < n; j++) {
            y[j] = nb_act(x[j], fn);
        }
    }
}

// x·scale + shift rounded once (fma), as the double-precision reference
__kernel void affine(__global const float* x, long xo, __global float* y, long yo, int n, float scale, float shift) {
    const int i = get_global_id(0) * NB_V;
    if (i >= n) {
        return;
    }
    x += xo;
    y += yo;
    if (i + NB_V <= n) {
        vstore4(fma(vload4(0, x + i), (float4) (scale), (float4) (shift)), 0, y + i);
    } else {
        for (int j = i; j < n; j++) {
            y[j] = fma(x[j], scale, shift);
        }
    }
}

// min(max(x, lo), hi) with NaN kept (fmin/fmax would drop it)
inline float nb_clamp(float v, float lo, float hi) {
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
}

__kernel void clamp_op(__global const float* x, long xo, __global float* y, long yo, int n, float lo, float hi) {
    const int i = get_global_id(0) * NB_V;
    if (i >= n) {
        return;
    }
    x += xo;
    y += yo;
    if (i + NB_V <= n) {
        float4 v = vload4(0, x + i);
        v = select(v, (float4) (lo), v < (float4) (lo));
        v = select(v, (float4) (hi), v > (float4) (hi));
        vstore4(v, 0, y + i);
    } else {
        for (int j = i; j < n; j++) {
            y[j] = nb_clamp(x[j], lo, hi);
        }
    }
}

inline float nb_bin(float u, float v, int fn) {
    switch (fn) {
        case 0: return u + v;
        case 1: return u - v;
        case 2: return u * v;
        default: return u / v;
    }
}

inline float4 nb_bin4(float4 u, float4 v, int fn) {
    switch (fn) {
        case 0: return u + v;
        case 1: return u - v;
        case 2: return u * v;
        default: return u / v;
    }
}

// Broadcast binary over the output shape collapsed on the host to `rank` dims (<= 8): dims[] and
// per-input element strides sa[], sb[] (0 on broadcast dims). Work-item (i, o): 4 elements of the
// innermost dim at i*4 for the o-th combination of the outer dims.
__kernel void binary(__global const float* a, long ao, __global const float* bb, long bo,
                     __global float* y, long yo, int rank, int8 dims8, int8 sa8, int8 sb8, int fn) {
    const int dl[8] = {dims8.s0, dims8.s1, dims8.s2, dims8.s3, dims8.s4, dims8.s5, dims8.s6, dims8.s7};
    const int al[8] = {sa8.s0, sa8.s1, sa8.s2, sa8.s3, sa8.s4, sa8.s5, sa8.s6, sa8.s7};
    const int bl[8] = {sb8.s0, sb8.s1, sb8.s2, sb8.s3, sb8.s4, sb8.s5, sb8.s6, sb8.s7};
    const int inner = dl[rank - 1];
    const int i = get_global_id(0) * NB_V;
    int o = get_global_id(1);
    if (i >= inner) {
        return;
    }
    size_t yoff = (size_t) o * inner;
    size_t pa = 0, pb = 0;
    for (int d = rank - 2; d >= 0; d--) {
        int c = o % dl[d];
        o /= dl[d];
        pa += (size_t) c * al[d];
        pb += (size_t) c * bl[d];
    }
    if (o > 0) {
        return; // past the last outer index
    }
    const int sa = al[rank - 1], sb = bl[rank - 1];
    a += ao + pa;
    bb += bo + pb;
    y += yo + yoff;
    if (i + NB_V <= inner && sa == 1 && sb == 1) {
        vstore4(nb_bin4(vload4(0, a + i), vload4(0, bb + i), fn), 0, y + i);
    } else if (i + NB_V <= inner && sa == 1 && sb == 0) {
        vstore4(nb_bin4(vload4(0, a + i), (float4) (bb[0]), fn), 0, y + i);
    } else if (i + NB_V <= inner && sa == 0 && sb == 1) {
        vstore4(nb_bin4((float4) (a[0]), vload4(0, bb + i), fn), 0, y + i);
    } else {
        for (int j = i; j < min(i + NB_V, inner); j++) {
            y[j] = nb_bin(a[(size_t) j * sa], bb[(size_t) j * sb], fn);
        }
    }
}

// diffusers GEGLU: y[r, j] = x[r, j] · gelu(x[r, N + j]), exact erf GELU.
__kernel void geglu(__global const float* x, long xo, __global float* y, long yo, int rows, int N) {
    const int j = get_global_id(0) * NB_V;
    const int r = get_global_id(1);
    if (j >= N || r >= rows) {
        return;
    }
    const __global float* xr = x + xo + (size_t) r * 2 * N;
    __global float* yr = y + yo + (size_t) r * N;
    if (j + NB_V <= N) {
        vstore4(vload4(0, xr + j) * nb_act4(vload4(0, xr + N + j), 1), 0, yr + j);
    } else {
        for (int t = j; t < N; t++) {
            yr[t] = xr[t] * nb_act(xr[N + t], 1);
        }
    }
}

// x[b, l, d] · (1 + scale[b, d]) + shift[b, d]; work-item (d block, b*L + l)
__kernel void modulate(__global const float* x, long xo, __global const float* sc, long so,
                       __global const float* sh, long ho, __global float* y, long yo, int BL, int L, int D) {
    const int d = get_global_id(0) * NB_V;
    const int r = get_global_id(1);
    if (d >= D || r >= BL) {
        return;
    }
    const int b = r / L;
    const __global float* xr = x + xo + (size_t) r * D;
    __global float* yr = y + yo + (size_t) r * D;
    const __global float* s = sc + so + (size_t) b * D;
    const __global float* t = sh + ho + (size_t) b * D;
    if (d + NB_V <= D) {
        vstore4(fma(vload4(0, xr + d), 1.0f + vload4(0, s + d), vload4(0, t + d)), 0, yr + d);
    } else {
        for (int j = d; j < D; j++) {
            yr[j] = fma(xr[j], 1.0f + s[j], t[j]);
        }
    }
}

// FLUX rope on interleaved pairs; one work-item per pair. x [BH, L, D], cos/sin [L, D].
__kernel void rope(__global const float* x, long xo, __global const float* cs, long co,
                   __global const float* sn, long so, __global float* y, long yo, int BH, int L, int D) {
    const int hd = D / 2;
    const int p = get_global_id(0);
    if (p >= BH * L * hd) {
        return;
    }
    const int pair = p % hd;
    const int pos = (p / hd) % L;
    const size_t e = (size_t) p * 2;
    const int t = pos * D + pair * 2;
    const float x0 = x[xo + e], x1 = x[xo + e + 1];
    y[yo + e] = x0 * cs[co + t] - x1 * sn[so + t];
    y[yo + e + 1] = x1 * cs[co + t + 1] + x0 * sn[so + t + 1];
}
