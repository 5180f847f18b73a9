// linear.cl: y[M, N] = act(x[M, K] · w[N, K]ᵀ + b[N]).  Both operands are K-contiguous ("NT").
// WT: weight storage type (0 F32, 1 F16 via vload_half, 2 BF16 via a 16-bit shift).
// The bias is any float type (runtime code bdt); act is a UnaryFn code applied to the float sum.

#ifndef WT
#define WT 0
#endif
#define W_T NB_CAT(NB_T_, WT)
#define LDW1 NB_CAT(NB_LD1_, WT)
#define LDW4 NB_CAT(NB_LD4_, WT)
#define LDW16 NB_CAT(NB_LD16_, WT)
#define W_BITS NB_CAT(NB_BITS_, WT)

// ---- register-blocked kernel (no real local memory, e.g. PoCL on a CPU) -------------------------
// Each work-item computes a TM x TN block of y, accumulating float4 partial dot products along K
// (vector loads of both x and w rows), then reduces them; rows/columns past the edge are clamped for
// loading and not stored.
#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 4
#endif

__kernel void linear_rb(__global const float* x, long xo, __global const W_T* w, long wo,
                        __global const uchar* b, long bo, int bdt,
                        __global float* y, long yo, int M, int N, int K, int hasBias, int act) {
    const int n0 = get_global_id(0) * TN;
    const int m0 = get_global_id(1) * TM;
    if (n0 >= N || m0 >= M) {
        return;
    }
    x += xo;
    w += wo;
    b += bo;
    y += yo;
    const __global float* xr[TM];
    const __global W_T* wr[TN];
    for (int r = 0; r < TM; r++) {
        xr[r] = x + (size_t) min(m0 + r, M - 1) * K;
    }
    for (int c = 0; c < TN; c++) {
        wr[c] = w + (size_t) min(n0 + c, N - 1) * K;
    }
    float4 acc[TM][TN];
    for (int r = 0; r < TM; r++) {
        for (int c = 0; c < TN; c++) {
            acc[r][c] = (float4) (0.0f);
        }
    }
    int k = 0;
    for (; k + 4 <= K; k += 4) {
        float4 xv[TM];
        for (int r = 0; r < TM; r++) {
            xv[r] = vload4(0, xr[r] + k);
        }
        for (int c = 0; c < TN; c++) {
            float4 wv = LDW4(wr[c], k);
            for (int r = 0; r < TM; r++) {
                acc[r][c] = fma(xv[r], wv, acc[r][c]);
            }
        }
    }
    float s[TM][TN];
    for (int r = 0; r < TM; r++) {
        for (int c = 0; c < TN; c++) {
            s[r][c] = (acc[r][c].x + acc[r][c].y) + (acc[r][c].z + acc[r][c].w);
        }
    }
    for (; k < K; k++) {
        for (int c = 0; c < TN; c++) {
            float wv = LDW1(wr[c], k);
            for (int r = 0; r < TM; r++) {
                s[r][c] = fma(xr[r][k], wv, s[r][c]);
            }
        }
    }
    for (int c = 0; c < TN; c++) {
        int n = n0 + c;
        if (n < N) {
            float bias = hasBias ? nb_ldf(b, bdt, n) : 0.0f;
            for (int r = 0; r < TM; r++) {
                int m = m0 + r;
                if (m < M) {
                    y[(size_t) m * N + n] = nb_act(s[r][c] + bias, act);
                }
            }
        }
    }
}

// ---- CPU-device kernels (Tuning.cpuKernels: PoCL and other OpenCL-on-CPU runtimes) ------------
// The weights are packed once (linear_pack, cached by the host while the weight memory keeps its
// contents) into panels of LC_NR = 32 output channels, k-major: wp[p][k][c] = w[p·32 + c][k], zero
// past N, in the weight's own storage type. A work-item owns one panel and a run of MC rows; for
// every LC_MR rows it keeps an LC_MR x 32 block of y in 2·LC_MR float16 registers, and each k costs
// two contiguous 16-wide weight loads, LC_MR broadcasts of x and 2·LC_MR vector FMAs (LLVM lowers
// float16 to AVX-512 or AVX2 on a CPU). K is summed in slices of LC_KC from zero, each slice then
// added to the running total (a blocked summation: error grows with LC_KC + K/LC_KC, not K).
// Work-groups are single items: no barriers, no local memory.
#define LC_NR 32
#define LC_MR 8
#define LC_KC 256

// Packs w (element (n, k) at n·strideN + k·strideK: [N, K] weights have (K, 1), a [K, N] matrix
// (SVDQ's proj_down) has (1, N)) into panels; one item a panel. Does nothing while state[0] == 0
// (the packed copy is current: see pack.cl).
__kernel void linear_pack(__global const uint* state, __global const W_BITS* w, long wo, __global W_BITS* wp,
                          int N, int K, int strideN, int strideK) {
    if (state[0] == 0) {
        return;
    }
    const int p = get_global_id(0);
    w += wo;
    __global W_BITS* dst = wp + (size_t) p * K * LC_NR;
    for (int k0 = 0; k0 < K; k0 += 64) {
        const int k1 = min(K, k0 + 64);
        for (int c = 0; c < LC_NR; c++) {
            const int n = p * LC_NR + c;
            if (n < N) {
                const __global W_BITS* src = w + (size_t) n * strideN;
                for (int k = k0; k < k1; k++) {
                    dst[(size_t) k * LC_NR + c] = src[(size_t) k * strideK];
                }
            } else {
                for (int k = k0; k < k1; k++) {
                    dst[(size_t) k * LC_NR + c] = 0;
                }
            }
        }
    }
}

// y[m, p·32 ..] for rows [gid1·MC, +MC) of panel p = gid0.
__kernel void linear_cpu(__global const float* x, long xo, __global const W_T* wp,
                         __global const uchar* b, long bo, int bdt,
                         __global float* y, long yo, int M, int N, int K, int hasBias, int act, int MC) {
    const int p = get_global_id(0);
    const int mBeg = get_global_id(1) * MC;
    const int mEnd = min(M, mBeg + MC);
    if (mBeg >= mEnd) {
        return;
    }
    x += xo;
    b += bo;
    y += yo;
    const int n0 = p * LC_NR;
    const __global W_T* panel = wp + (size_t) p * K * LC_NR;
    float bias[LC_NR];
    for (int c = 0; c < LC_NR; c++) {
        bias[c] = hasBias && n0 + c < N ? nb_ldf(b, bdt, n0 + c) : 0.0f;
    }
    const float16 bias0 = vload16(0, bias), bias1 = vload16(1, bias);
    for (int m0 = mBeg; m0 < mEnd; m0 += LC_MR) {
        const __global float* xr[LC_MR];
        float16 s0[LC_MR], s1[LC_MR];
        _Pragma("unroll") for (int r = 0; r < LC_MR; r++) {
            xr[r] = x + (size_t) min(m0 + r, M - 1) * K;
            s0[r] = (float16) (0.0f);
            s1[r] = (float16) (0.0f);
        }
        for (int kc = 0; kc < K; kc += LC_KC) {
            const int kEnd = min(K, kc + LC_KC);
            float16 a0[LC_MR], a1[LC_MR];
            _Pragma("unroll") for (int r = 0; r < LC_MR; r++) {
                a0[r] = (float16) (0.0f);
                a1[r] = (float16) (0.0f);
            }
            const __global W_T* wk = panel + (size_t) kc * LC_NR;
            for (int k = kc; k < kEnd; k++, wk += LC_NR) {
                const float16 w0 = LDW16(wk, 0), w1 = LDW16(wk, 16);
                _Pragma("unroll") for (int r = 0; r < LC_MR; r++) {
                    const float16 xv = (float16) (xr[r][k]);
                    a0[r] = fma(xv, w0, a0[r]);
                    a1[r] = fma(xv, w1, a1[r]);
                }
            }
            _Pragma("unroll") for (int r = 0; r < LC_MR; r++) {
                s0[r] += a0[r];
                s1[r] += a1[r];
            }
        }
        _Pragma("unroll") for (int r = 0; r < LC_MR; r++) {
            const int m = m0 + r;
            if (m < mEnd) {
                __global float* yr = y + (size_t) m * N + n0;
                nb_store_row32(yr, nb_act16(s0[r] + bias0, act), nb_act16(s1[r] + bias1, act), N - n0);
            }
        }
    }
}

// ---- local-memory tiled kernel (devices with on-chip local memory) ------------------------------
// A 16x16 work-group computes a 64x64 tile of y, 4x4 outputs per item; K advances in slices of 16
// staged in local memory (x and w tiles, w widened to float on the way in). Loads are coalesced
// along K, which is contiguous in both operands.
#define LT_TILE 64
#define LT_K 16
#define LT_WG 16
#define LT_R (LT_TILE / LT_WG)

__kernel __attribute__((reqd_work_group_size(LT_WG, LT_WG, 1)))
void linear_tiled(__global const float* x, long xo, __global const W_T* w, long wo,
                  __global const uchar* b, long bo, int bdt,
                  __global float* y, long yo, int M, int N, int K, int hasBias, int act) {
    __local float xs[LT_K][LT_TILE + 1];
    __local float ws[LT_K][LT_TILE + 1];
    x += xo;
    w += wo;
    b += bo;
    y += yo;
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int tid = ty * LT_WG + tx;
    const int nBase = get_group_id(0) * LT_TILE, mBase = get_group_id(1) * LT_TILE;
    float acc[LT_R][LT_R];
    for (int r = 0; r < LT_R; r++) {
        for (int c = 0; c < LT_R; c++) {
            acc[r][c] = 0.0f;
        }
    }
    for (int k0 = 0; k0 < K; k0 += LT_K) {
        for (int e = tid; e < LT_TILE * LT_K; e += LT_WG * LT_WG) {
            int row = e / LT_K, kk = e % LT_K;
            int k = k0 + kk;
            int m = mBase + row, n = nBase + row;
            xs[kk][row] = (m < M && k < K) ? x[(size_t) m * K + k] : 0.0f;
            ws[kk][row] = (n < N && k < K) ? LDW1(w, (size_t) n * K + k) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int kk = 0; kk < LT_K; kk++) {
            float a[LT_R], bb[LT_R];
            for (int r = 0; r < LT_R; r++) {
                a[r] = xs[kk][ty + r * LT_WG];
                bb[r] = ws[kk][tx + r * LT_WG];
            }
            for (int r = 0; r < LT_R; r++) {
                for (int c = 0; c < LT_R; c++) {
                    acc[r][c] = fma(a[r], bb[c], acc[r][c]);
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int c = 0; c < LT_R; c++) {
        int n = nBase + tx + c * LT_WG;
        if (n < N) {
            float bias = hasBias ? nb_ldf(b, bdt, n) : 0.0f;
            for (int r = 0; r < LT_R; r++) {
                int m = mBase + ty + r * LT_WG;
                if (m < M) {
                    y[(size_t) m * N + n] = nb_act(acc[r][c] + bias, act);
                }
            }
        }
    }
}
