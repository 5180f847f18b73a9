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
// CPU devices (NB_CPU, Tuning.cpuKernels) use their own kernels, see svdq_gemm_cpu: qx in natural
// k order, svdq_quant also writes asum (8 · the sum of each group's codes) and leaves the
// down-projection to linear.cl's linear_cpu (t = X · proj_down as a GEMM over packed proj_down).
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

#ifndef NB_CPU
#define NB_CPU 0
#endif

// where code k of a row goes in the internal qx layout
inline int nb_qpos(int k) {
#if CHUNKED && !NB_CPU
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
                __global float* t, __global short* asum, int M, int K, int Kp, int R) {
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
#if !NB_CPU
                const __global D_T* drow = down + (size_t) k * R;
                for (int j = 0; j < R; j++) {
                    tp[j] = fma(xv, LDD(drow, j), tp[j]);
                }
#endif
            }
            xh[e] = v;
            amax = fmax(amax, fabs(v));
        }
        const float s = amax / 7.0f;
        __global char* qrow = qx + (size_t) m * Kp + k0;
        int qsum = 0;
        for (int e = 0; e < GS; e++) {
            int q = 0;
            if (s != 0.0f) {
                q = (int) clamp(rint(xh[e] / s), -8.0f, 7.0f);
            }
            qrow[nb_qpos(e)] = (char) q;
            qsum += q;
        }
        sx[(size_t) m * groups + g] = s;
#if NB_CPU
        asum[(size_t) m * groups + g] = (short) (8 * qsum);
#endif
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
#elif !NB_CPU
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

// ---- CPU devices (NB_CPU) -----------------------------------------------------------------------
// The layer's constants are packed once (svdq_pack, cached by the host while their memory keeps its
// contents) into panels of SC_NR = 32 output channels, as large as qweight itself:
//   codes [P][Kp/2][32] uchar: byte 2c + e of k pair j holds code + 8 of channel c at k = 2j + e in
//                              its low nibble and of channel c + 16 in its high nibble (c < 16)
//   wsc   [P][G][32]  float:   wscales
//   upp   [P][R][32]  float:   proj_up
// A work-item owns one panel and a run of MC rows. Per SC_MR rows it sums each group in 16-bit lanes
// Σ (w + 8)·a (|(w + 8)·a| <= 120, at most 256 codes a group: exact), subtracts 8·Σa (asum, from
// svdq_quant) and turns the group into float with the scales; the epilogue adds t · proj_upᵀ, the
// bias and the activation. On x86 (NB_X86 with AVX2) a k pair of 32 channels is one 32-byte load, two
// masks and two pmaddubsw per row (u8 x s8 pairs summed into 16-bit lanes: 32 products an
// instruction); elsewhere the same sums in portable short16 arithmetic.
#define SC_NR 32
#define SC_MR 8

inline size_t sc_wsc_off(int P, int Kp) {
    return (size_t) P * (Kp / 2) * SC_NR;
}

inline size_t sc_up_off(int P, int Kp) {
    return sc_wsc_off(P, Kp) + (size_t) P * (Kp / GS) * SC_NR * 4;
}

// One item a panel; does nothing while state[0] == 0 (see pack.cl).
__kernel void svdq_pack(__global const uint* state, __global const uchar* qw, long qwo, __global const WS_T* ws,
                        long wso, __global const U_T* up, long upo, __global uchar* pk, int N, int Kp, int R) {
    if (state[0] == 0) {
        return;
    }
    const int p = get_global_id(0);
    const int P = get_global_size(0);
    const int groups = Kp / GS;
    qw += qwo;
    ws += wso;
    up += upo;
    __global uchar* codes = pk + (size_t) p * (Kp / 2) * SC_NR;
    __global float* wsc = (__global float*) (pk + sc_wsc_off(P, Kp)) + (size_t) p * groups * SC_NR;
    __global float* upp = (__global float*) (pk + sc_up_off(P, Kp)) + (size_t) p * R * SC_NR;
    for (int c = 0; c < SC_NR / 2; c++) {
        const int n = p * SC_NR + c, n2 = n + SC_NR / 2;
        const __global uchar* row = qw + (size_t) min(n, N - 1) * (Kp / 2);
        const __global uchar* row2 = qw + (size_t) min(n2, N - 1) * (Kp / 2);
        for (int j = 0; j < Kp / 2; j++) {
            // qweight: low nibble k = 2j, high nibble k = 2j + 1, two's complement; + 8 flips the sign bit
            const uchar b = n < N ? row[j] ^ 0x88 : 0x88;
            const uchar b2 = n2 < N ? row2[j] ^ 0x88 : 0x88;
            codes[(size_t) j * SC_NR + 2 * c] = (b & 0x0f) | (uchar) (b2 << 4);
            codes[(size_t) j * SC_NR + 2 * c + 1] = (b >> 4) | (b2 & 0xf0);
        }
    }
    for (int c = 0; c < SC_NR; c++) {
        const int n = p * SC_NR + c;
        for (int g = 0; g < groups; g++) {
            wsc[g * SC_NR + c] = n < N ? LDWS(ws, (size_t) g * N + n) : 0.0f;
        }
        for (int j = 0; j < R; j++) {
            upp[j * SC_NR + c] = n < N ? LDU(up, (size_t) n * R + j) : 0.0f;
        }
    }
}

#if defined(NB_X86) && defined(__AVX2__) && defined(__clang__)
#define SC_PMADDUBSW 1
typedef char nb_v32qi __attribute__((__vector_size__(32)));
typedef uchar nb_v32uqi __attribute__((__vector_size__(32), __aligned__(1)));
typedef short nb_v16hi __attribute__((__vector_size__(32)));
#else
#define SC_PMADDUBSW 0
#endif

// y[m, p·32 ..] for rows [gid1·MC, +MC) of panel p = gid0. qx: codes in natural order.
__kernel void svdq_gemm_cpu(__global const char* qx, __global const float* sx, __global const short* asum,
                            __global const float* t, __global const uchar* pk, __global const uchar* bias, long bo,
                            int bdt, __global float* y, long yo, int M, int N, int Kp, int R, int hasBias, int act,
                            int MC) {
    const int p = get_global_id(0);
    const int P = get_global_size(0);
    const int mBeg = get_global_id(1) * MC;
    const int mEnd = min(M, mBeg + MC);
    if (mBeg >= mEnd) {
        return;
    }
    bias += bo;
    y += yo;
    const int groups = Kp / GS;
    const int n0 = p * SC_NR;
    const __global uchar* codes = pk + (size_t) p * (Kp / 2) * SC_NR;
    const __global float* wsc = (const __global float*) (pk + sc_wsc_off(P, Kp)) + (size_t) p * groups * SC_NR;
    const __global float* upp = (const __global float*) (pk + sc_up_off(P, Kp)) + (size_t) p * R * SC_NR;
    float bv[SC_NR];
    for (int c = 0; c < SC_NR; c++) {
        bv[c] = hasBias && n0 + c < N ? nb_ldf(bias, bdt, n0 + c) : 0.0f;
    }
    const float16 bias0 = vload16(0, bv), bias1 = vload16(1, bv);
    for (int m0 = mBeg; m0 < mEnd; m0 += SC_MR) {
        const __global ushort* ar[SC_MR];
        const __global float* sr[SC_MR];
        const __global short* cr[SC_MR];
        float16 f0[SC_MR], f1[SC_MR];
        _Pragma("unroll") for (int r = 0; r < SC_MR; r++) {
            const int row = min(m0 + r, M - 1);
            ar[r] = (const __global ushort*) (qx + (size_t) row * Kp);
            sr[r] = sx + (size_t) row * groups;
            cr[r] = asum + (size_t) row * groups;
            f0[r] = (float16) (0.0f);
            f1[r] = (float16) (0.0f);
        }
        for (int g = 0; g < groups; g++) {
            short16 i0[SC_MR], i1[SC_MR];
            const __global uchar* wk = codes + (size_t) g * (GS / 2) * SC_NR;
#if SC_PMADDUBSW
            nb_v16hi v0[SC_MR], v1[SC_MR];
            _Pragma("unroll") for (int r = 0; r < SC_MR; r++) {
                v0[r] = (nb_v16hi) (short16) (0);
                v1[r] = (nb_v16hi) (short16) (0);
            }
            for (int j = g * (GS / 2); j < (g + 1) * (GS / 2); j++, wk += SC_NR) {
                const nb_v32uqi b = *(const __global nb_v32uqi*) wk;
                const nb_v32qi w0 = (nb_v32qi) (b & (uchar) 0x0f);  // channels 0..15, code + 8
                const nb_v32qi w1 = (nb_v32qi) (b >> (uchar) 4);    // channels 16..31
                _Pragma("unroll") for (int r = 0; r < SC_MR; r++) {
                    // the row's codes at k = 2j, 2j + 1 in every 16-bit lane
                    const nb_v32qi a = (nb_v32qi) as_short16((ushort16) (ar[r][j]));
                    v0[r] += __builtin_ia32_pmaddubsw256(w0, a);
                    v1[r] += __builtin_ia32_pmaddubsw256(w1, a);
                }
            }
            _Pragma("unroll") for (int r = 0; r < SC_MR; r++) {
                i0[r] = as_short16(v0[r]);
                i1[r] = as_short16(v1[r]);
            }
#else
            _Pragma("unroll") for (int r = 0; r < SC_MR; r++) {
                i0[r] = (short16) (0);
                i1[r] = (short16) (0);
            }
            for (int j = g * (GS / 2); j < (g + 1) * (GS / 2); j++, wk += SC_NR) {
                const uchar16 b0 = vload16(0, wk), b1 = vload16(1, wk);
                const uchar16 l0 = b0 & (uchar) 0x0f, l1 = b1 & (uchar) 0x0f;
                const uchar16 h0 = b0 >> (uchar) 4, h1 = b1 >> (uchar) 4;
                const short16 we0 = convert_short16((uchar16) (l0.even, l1.even));
                const short16 wo0 = convert_short16((uchar16) (l0.odd, l1.odd));
                const short16 we1 = convert_short16((uchar16) (h0.even, h1.even));
                const short16 wo1 = convert_short16((uchar16) (h0.odd, h1.odd));
                _Pragma("unroll") for (int r = 0; r < SC_MR; r++) {
                    const ushort pr = ar[r][j];
                    const short16 ae = (short16) ((short) (char) (pr & 0xff));
                    const short16 ao = (short16) ((short) (char) (pr >> 8));
                    i0[r] += ae * we0 + ao * wo0;
                    i1[r] += ae * we1 + ao * wo1;
                }
            }
#endif
            const float16 s0 = vload16(0, wsc + g * SC_NR), s1 = vload16(1, wsc + g * SC_NR);
            _Pragma("unroll") for (int r = 0; r < SC_MR; r++) {
                const float s = sr[r][g];
                const short16 c = (short16) (cr[r][g]);
                f0[r] = fma(convert_float16(i0[r] - c), s * s0, f0[r]);
                f1[r] = fma(convert_float16(i1[r] - c), s * s1, f1[r]);
            }
        }
        // low-rank branch: + t[m, :] · proj_up[n, :]
        _Pragma("unroll") for (int r = 0; r < SC_MR; r++) {
            const __global float* tr = t + (size_t) min(m0 + r, M - 1) * R;
            float16 l0 = (float16) (0.0f), l1 = (float16) (0.0f);
            for (int j = 0; j < R; j++) {
                const float16 tv = (float16) (tr[j]);
                l0 = fma(tv, vload16(0, upp + j * SC_NR), l0);
                l1 = fma(tv, vload16(1, upp + j * SC_NR), l1);
            }
            f0[r] += l0;
            f1[r] += l1;
        }
        _Pragma("unroll") for (int r = 0; r < SC_MR; r++) {
            const int m = m0 + r;
            if (m < mEnd) {
                __global float* yr = y + (size_t) m * N + n0;
                nb_store_row32(yr, nb_act16(f0[r] + bias0, act), nb_act16(f1[r] + bias1, act), N - n0);
            }
        }
    }
}
