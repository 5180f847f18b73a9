// svdq.cl: the fused SVDQuant W4A4 linear layer (DESIGN.md §3), two kernels.
//
//  svdq_quant: one pass over each row of X: x̂ = x / smooth, per group of GS: sx = max|x̂| / 7,
//              qx = clamp(rint(x̂ / sx), −8, 7) (rint: half to even), and on the same values of X
//              the low-rank down-projection t = X · proj_down (R outputs per row).
//  svdq_gemm:  y = act(Σ_g sx·wscales[g,n]·Σ_{k∈g} qx·qw + t · proj_upᵀ + bias): int4 weights
//              unpacked in registers, exact integer accumulation within a group (int8 lanes,
//              short/int sums or cl_khr_integer_dot_product), float across groups; the up-projection,
//              bias and activation in the epilogue (one write of y).
//
// Internal layout of qx [M, Kp] (char codes): when GS is a multiple of 32, every 32 consecutive k
// are stored as their 16 even-k codes then their 16 odd-k codes, so a 16-byte load of packed qweight
// (low nibbles = even k, high nibbles = odd k) meets two contiguous char16 loads of activations.
//
// Macros: GS group size, RMAX a bound on the rank R (R is an argument; RMAX sizes a private
// array), ST/DT/WST/UT storage types of smooth/proj_down/wscales/proj_up,
// QL work-items per row in svdq_quant (1, or a power of two with local memory), TM x TN the
// output block of a svdq_gemm work-item.

#ifndef GS
#define GS 64
#endif
#ifndef RMAX
#define RMAX 32
#endif
#ifndef ST
#define ST 0
#endif
#ifndef DT
#define DT 0
#endif
#ifndef WST
#define WST 0
#endif
#ifndef UT
#define UT 0
#endif
#ifndef QL
#define QL 1
#endif
#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 4
#endif
#define CHUNKED (GS % 32 == 0)
#define RP RMAX

#define S_T NB_CAT(NB_T_, ST)
#define LDS NB_CAT(NB_LD1_, ST)
#define D_T NB_CAT(NB_T_, DT)
#define LDD NB_CAT(NB_LD1_, DT)
#define WS_T NB_CAT(NB_T_, WST)
#define LDWS NB_CAT(NB_LD1_, WST)
#define U_T NB_CAT(NB_T_, UT)
#define LDU NB_CAT(NB_LD1_, UT)

// where code k of a row goes in the internal qx layout
inline int nb_qpos(int k) {
#if CHUNKED
    const int e = k & 31;
    return (k & ~31) + ((e & 1) << 4) + (e >> 1);
#else
    return k;
#endif
}

// Work-group (QL items) per row m; item l takes groups l, l + QL, ...
#if QL > 1
#define NB_QUANT_ATTR __attribute__((reqd_work_group_size(QL, 1, 1)))
#else
#define NB_QUANT_ATTR
#endif
__kernel NB_QUANT_ATTR
void svdq_quant(__global const float* x, long xo, __global const S_T* smooth, long smo,
                __global const D_T* down, long dno, __global char* qx, __global float* sx,
                __global float* t, int M, int K, int Kp, int R) {
#if QL > 1
    __local float red[QL];
    const int m = get_group_id(0);
    const int lid = get_local_id(0);
#else
    const int m = get_global_id(0);
    const int lid = 0;
    if (m >= M) {
        return;
    }
#endif
    x += xo + (size_t) m * K;
    smooth += smo;
    down += dno;
    const int groups = Kp / GS;
    float tp[RP];
    for (int j = 0; j < RP; j++) {
        tp[j] = 0.0f;
    }
    for (int g = lid; g < groups; g += QL) {
        const int k0 = g * GS;
        float xh[GS];
        float amax = 0.0f;
        for (int e = 0; e < GS; e++) {
            const int k = k0 + e;
            float v = 0.0f;
            if (k < K) {
                const float xv = x[k];
                v = xv / LDS(smooth, k);
                const __global D_T* drow = down + (size_t) k * R;
                for (int j = 0; j < R; j++) {
                    tp[j] = fma(xv, LDD(drow, j), tp[j]);
                }
            }
            xh[e] = v;
            amax = fmax(amax, fabs(v));
        }
        const float s = amax / 7.0f;
        __global char* qrow = qx + (size_t) m * Kp + k0;
        for (int e = 0; e < GS; e++) {
            int q = 0;
            if (s != 0.0f) {
                q = (int) clamp(rint(xh[e] / s), -8.0f, 7.0f);
            }
            qrow[nb_qpos(e)] = (char) q;
        }
        sx[(size_t) m * groups + g] = s;
    }
#if QL > 1
    for (int j = 0; j < R; j++) {
        red[lid] = tp[j];
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int off = QL / 2; off > 0; off >>= 1) {
            if (lid < off) {
                red[lid] += red[lid + off];
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (lid == 0) {
            t[(size_t) m * R + j] = red[0];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#else
    for (int j = 0; j < R; j++) {
        t[(size_t) m * R + j] = tp[j];
    }
#endif
}

// Work-item (n block, m block): TM rows x TN output channels.
__kernel void svdq_gemm(__global const char* qx, __global const float* sx, __global const float* t,
                        __global const char* qw, long qwo, __global const WS_T* ws, long wso,
                        __global const U_T* up, long upo, __global const uchar* bias, long bo, int bdt,
                        __global float* y, long yo, int M, int N, int Kp, int R, int hasBias, int act) {
    const int n0 = get_global_id(0) * TN;
    const int m0 = get_global_id(1) * TM;
    if (n0 >= N || m0 >= M) {
        return;
    }
    qw += qwo;
    ws += wso;
    up += upo;
    bias += bo;
    y += yo;
    const int groups = Kp / GS;
    const int qwRow = Kp / 2;
    int rows[TM], cols[TN];
    for (int r = 0; r < TM; r++) {
        rows[r] = min(m0 + r, M - 1);
    }
    for (int c = 0; c < TN; c++) {
        cols[c] = min(n0 + c, N - 1);
    }
    float acc[TM][TN];
    for (int r = 0; r < TM; r++) {
        for (int c = 0; c < TN; c++) {
            acc[r][c] = 0.0f;
        }
    }
    for (int g = 0; g < groups; g++) {
        int dot[TM][TN];
#if CHUNKED && defined(NB_INT_DOT)
        // cl_khr_integer_dot_product: packed 4x8-bit dot products into int accumulators
        for (int r = 0; r < TM; r++) {
            for (int c = 0; c < TN; c++) {
                dot[r][c] = 0;
            }
        }
        for (int ch = 0; ch < GS / 32; ch++) {
            const int k0 = g * GS + ch * 32;
            char16 xe[TM], xd[TM];
            for (int r = 0; r < TM; r++) {
                const __global char* p = qx + (size_t) rows[r] * Kp + k0;
                xe[r] = vload16(0, p);
                xd[r] = vload16(1, p);
            }
            for (int c = 0; c < TN; c++) {
                const uchar16 pb = vload16(0, (const __global uchar*) (qw + (size_t) cols[c] * qwRow + k0 / 2));
                const char16 lo = as_char16(pb << (uchar16) (4)) >> (char16) (4);
                const char16 hi = as_char16(pb) >> (char16) (4);
                for (int r = 0; r < TM; r++) {
                    dot[r][c] += nb_dot16(xe[r], lo) + nb_dot16(xd[r], hi);
                }
            }
        }
#elif CHUNKED
        // 16 short lanes per (row, channel): |code products| <= 64, two per chunk and at most
        // GS/32 <= 8 chunks a group, so a lane stays below 2^10; one horizontal sum per group
        short16 a16[TM][TN];
        for (int r = 0; r < TM; r++) {
            for (int c = 0; c < TN; c++) {
                a16[r][c] = (short16) (0);
            }
        }
        for (int ch = 0; ch < GS / 32; ch++) {
            const int k0 = g * GS + ch * 32;
            short16 xe[TM], xd[TM];
            for (int r = 0; r < TM; r++) {
                const __global char* p = qx + (size_t) rows[r] * Kp + k0;
                xe[r] = convert_short16(vload16(0, p));
                xd[r] = convert_short16(vload16(1, p));
            }
            for (int c = 0; c < TN; c++) {
                const uchar16 pb = vload16(0, (const __global uchar*) (qw + (size_t) cols[c] * qwRow + k0 / 2));
                const short16 lo = convert_short16(as_char16(pb << (uchar16) (4)) >> (char16) (4));
                const short16 hi = convert_short16(as_char16(pb) >> (char16) (4));
                for (int r = 0; r < TM; r++) {
                    a16[r][c] += xe[r] * lo + xd[r] * hi;
                }
            }
        }
        for (int r = 0; r < TM; r++) {
            for (int c = 0; c < TN; c++) {
                const short8 s8 = a16[r][c].lo + a16[r][c].hi;
                const int4 s4 = convert_int4(s8.lo) + convert_int4(s8.hi);
                const int2 s2 = s4.lo + s4.hi;
                dot[r][c] = s2.x + s2.y;
            }
        }
#else
        for (int r = 0; r < TM; r++) {
            for (int c = 0; c < TN; c++) {
                int s = 0;
                for (int e = 0; e < GS; e += 2) {
                    const int k = g * GS + e;
                    const char b = qw[(size_t) cols[c] * qwRow + k / 2];
                    const int lo = ((char) (b << 4)) >> 4;   // low nibble, sign-extended
                    const int hi = ((int) b) >> 4;
                    s += lo * qx[(size_t) rows[r] * Kp + k] + hi * qx[(size_t) rows[r] * Kp + k + 1];
                }
                dot[r][c] = s;
            }
        }
#endif
        float wsc[TN];
        for (int c = 0; c < TN; c++) {
            wsc[c] = LDWS(ws, (size_t) g * N + cols[c]);
        }
        for (int r = 0; r < TM; r++) {
            const float s = sx[(size_t) rows[r] * groups + g];
            for (int c = 0; c < TN; c++) {
                acc[r][c] = fma((float) dot[r][c], s * wsc[c], acc[r][c]);
            }
        }
    }
    for (int c = 0; c < TN; c++) {
        const int n = n0 + c;
        if (n >= N) {
            continue;
        }
        const float bv = hasBias ? nb_ldf(bias, bdt, n) : 0.0f;
        const __global U_T* urow = up + (size_t) n * R;
        for (int r = 0; r < TM; r++) {
            const int m = m0 + r;
            if (m >= M) {
                continue;
            }
            const __global float* trow = t + (size_t) m * R;
            float lr = 0.0f;
            for (int j = 0; j < R; j++) {
                lr = fma(trow[j], LDU(urow, j), lr);
            }
            y[(size_t) m * N + n] = nb_act(acc[r][c] + lr + bv, act);
        }
    }
}
