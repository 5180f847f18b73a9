// SVDQuant W4A4 linear (DESIGN.md §3), in two kernels:
//
//  1. nb_svdq_quantize: one read of X. x̂ = x / smooth; per (row, group of G): sx = max|x̂| / 7,
//     qx = clamp(rint(x̂ / sx), -8, 7) packed two per byte like qweight (low nibble = even k);
//     and the low-rank down projection t = X · proj_down (λ is folded into proj_down).
//  2. a 4-bit GEMM whose epilogue adds t · proj_upᵀ, the bias and the activation (one write of Y):
//       nb_svdq_gemm_s4     tensor cores, mma.m16n8k64 s4 (sm_80 .. sm_89: native INT4)
//       nb_svdq_gemm_s8     tensor cores, 4-bit storage unpacked to int8 in registers,
//                           mma.m16n8k32 s8 (sm_90 and later: no INT4 tensor-core path there)
//       nb_svdq_gemm_simple CUDA cores, dp4a on unpacked nibbles (any even G; sm_75, odd shapes)
//     The host picks one from the compute capability (overridable, see SvdqOp.java).
//
// Scratch layouts (allocated by the host, rows/cols padded so the tensor-core tiles need no bounds
// checks on loads): qact [Mpad, Kp/2] bytes; ascale [Kp/G, Mpad] f32 (group-major);
// lowrank [Mpad, rpad] f32; wscale [Kp/G, Npad] f32; upf [Npad, rpad] f32; biasf [Npad] f32.
// Mpad, Npad: multiples of 128; rpad: a multiple of 16 (padding columns are zero).
#pragma once
#include "common.cuh"

#define SQ_ROWS 8

// Quantises SQ_ROWS rows per block (256 threads) and projects them onto proj_down.
extern "C" __global__ void __launch_bounds__(256) nb_svdq_quantize(
    const float* __restrict__ x, const void* __restrict__ smooth, int sdt, const void* __restrict__ down, int ddt,
    uint8_t* __restrict__ qact, float* __restrict__ ascale, float* __restrict__ lowrank,
    int M, int K, int Kp, int G, int r, int Mpad, int rpad) {
    __shared__ float red[8][SQ_ROWS][32];
    int m0 = blockIdx.x * SQ_ROWS;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int ngroups = Kp / G;
    int iters = (G + 31) / 32;
    i64 rowBytes = Kp / 2;

    // 1. quantisation: a warp per (row, group)
    for (int task = warp; task < SQ_ROWS * ngroups; task += 8) {
        int rr = task / ngroups, g = task % ngroups;
        int m = m0 + rr;
        if (m >= M) {
            continue; // uniform across the warp
        }
        const float* xr = x + (i64) m * K;
        float amax = 0.f;
        for (int it = 0; it < iters; it++) {
            int e = lane + 32 * it;
            int kk = g * G + e;
            float xh = (e < G && kk < K) ? __fdiv_rn(xr[kk], nb_ldf(smooth, sdt, kk)) : 0.f;
            amax = fmaxf(amax, fabsf(xh));
        }
        amax = nb_warp_maxf(amax);
        float s = __fdiv_rn(amax, 7.0f);
        if (lane == 0) {
            ascale[(i64) g * Mpad + m] = s;
        }
        for (int it = 0; it < iters; it++) {
            int e = lane + 32 * it;
            int kk = g * G + e;
            float xh = (e < G && kk < K) ? __fdiv_rn(xr[kk], nb_ldf(smooth, sdt, kk)) : 0.f;
            int qv = 0;
            if (s != 0.f) {
                float t = rintf(__fdiv_rn(xh, s));
                qv = t > 7.f ? 7 : (t < -8.f ? -8 : (int) t);
            }
            int nib = qv & 15;
            int other = __shfl_xor_sync(NB_FULL_MASK, nib, 1);
            if ((lane & 1) == 0 && e < G) {
                qact[(i64) m * rowBytes + (g * G + e) / 2] = (uint8_t) (nib | (other << 4));
            }
        }
    }

    // 2. low-rank branch: lane = column j of proj_down, warps split K, 8 rows share each load of proj_down
    for (int j0 = 0; j0 < rpad; j0 += 32) {
        int j = j0 + lane;
        float acc[SQ_ROWS];
#pragma unroll
        for (int rr = 0; rr < SQ_ROWS; rr++) {
            acc[rr] = 0.f;
        }
        if (j < r) {
            for (int kk = warp; kk < K; kk += 8) {
                float dv = nb_ldf(down, ddt, (i64) kk * r + j);
#pragma unroll
                for (int rr = 0; rr < SQ_ROWS; rr++) {
                    int m = min(m0 + rr, M - 1);
                    acc[rr] = fmaf(x[(i64) m * K + kk], dv, acc[rr]);
                }
            }
        }
#pragma unroll
        for (int rr = 0; rr < SQ_ROWS; rr++) {
            red[warp][rr][lane] = acc[rr];
        }
        __syncthreads();
        {
            int rr = threadIdx.x >> 5, ln = threadIdx.x & 31;
            float sum = 0.f;
#pragma unroll
            for (int w = 0; w < 8; w++) {
                sum += red[w][rr][ln];
            }
            int m = m0 + rr, jj = j0 + ln;
            if (m < Mpad && jj < rpad) {
                lowrank[(i64) m * rpad + jj] = jj < r ? sum : 0.f;
            }
        }
        __syncthreads();
    }
}

// dst[rp, cp] (rowsPad x colsPad, f32) = src[rows, cols] (any float type), zero outside.
extern "C" __global__ void nb_svdq_prep(const void* __restrict__ src, int dt, float* __restrict__ dst,
                                        int rows, int cols, int rowsPad, int colsPad) {
    i64 n = (i64) rowsPad * colsPad;
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        int rr = (int) (i / colsPad), c = (int) (i % colsPad);
        dst[i] = (rr < rows && c < cols) ? nb_ldf(src, dt, (i64) rr * cols + c) : 0.f;
    }
}

// Sign-extends the 4 low nibbles (even k) / 4 high nibbles (odd k) of the bytes of w into 4 int8.
__device__ __forceinline__ uint32_t sq_lo8(uint32_t w) {
    uint32_t t = w & 0x0F0F0F0Fu;
    return t | ((t & 0x08080808u) * 0x1Eu);
}
__device__ __forceinline__ uint32_t sq_hi8(uint32_t w) {
    uint32_t t = (w >> 4) & 0x0F0F0F0Fu;
    return t | ((t & 0x08080808u) * 0x1Eu);
}
__device__ __forceinline__ int sq_sext4(int v) {
    return (v ^ 8) - 8;
}

__device__ __forceinline__ float sq_epilogue(float acc, const float* __restrict__ lowrank, const float* __restrict__ upf,
                                             int m, int n, int rpad) {
    const float* t = lowrank + (i64) m * rpad;
    const float* u = upf + (i64) n * rpad;
    float lr = 0.f;
    for (int j = 0; j < rpad; j++) {
        lr = fmaf(t[j], u[j], lr);
    }
    return acc + lr;
}

// One thread per output; words != 0 when G % 8 == 0 and qweight rows are 4-byte aligned (dp4a on
// unpacked nibbles), else byte by byte. Block 16x16, grid (ceil(N/16), ceil(M/16)).
extern "C" __global__ void nb_svdq_gemm_simple(
    const uint8_t* __restrict__ qact, const float* __restrict__ ascale, const uint8_t* __restrict__ qw,
    const float* __restrict__ wscale, const float* __restrict__ lowrank, const float* __restrict__ upf,
    const float* __restrict__ biasf, float* __restrict__ y,
    int M, int N, int Kp, int G, int Mpad, int Npad, int rpad, int act, int words) {
    int n = blockIdx.x * blockDim.x + threadIdx.x;
    int m = blockIdx.y * blockDim.y + threadIdx.y;
    if (m >= M || n >= N) {
        return;
    }
    int ngroups = Kp / G;
    i64 rowBytes = Kp / 2;
    const uint8_t* ar = qact + (i64) m * rowBytes;
    const uint8_t* wr = qw + (i64) n * rowBytes;
    float acc = 0.f;
    for (int g = 0; g < ngroups; g++) {
        int dot = 0;
        int b0 = g * G / 2, b1 = b0 + G / 2;
        if (words) {
            for (int bb = b0; bb < b1; bb += 4) {
                uint32_t a = *reinterpret_cast<const uint32_t*>(ar + bb);
                uint32_t w = *reinterpret_cast<const uint32_t*>(wr + bb);
                dot = __dp4a((int) sq_lo8(a), (int) sq_lo8(w), dot);
                dot = __dp4a((int) sq_hi8(a), (int) sq_hi8(w), dot);
            }
        } else {
            for (int bb = b0; bb < b1; bb++) {
                int a = ar[bb], w = wr[bb];
                dot += sq_sext4(a & 15) * sq_sext4(w & 15) + sq_sext4(a >> 4) * sq_sext4(w >> 4);
            }
        }
        acc = fmaf((float) dot * ascale[(i64) g * Mpad + m], wscale[(i64) g * Npad + n], acc);
    }
    float v = sq_epilogue(acc, lowrank, upf, m, n, rpad);
    if (biasf != nullptr) {
        v += biasf[n];
    }
    y[(i64) m * N + n] = nb_act_call(act, v);
}

// ---- tensor-core kernels (sm_80+) ----
#define TC_BM 128
#define TC_BN 128
#define TC_STAGES 3
#define TC_ROWB 48                                  // smem row stride in bytes: 32 payload (k64) + 16 pad
#define TC_TILEB (TC_BM * TC_ROWB)                  // 6144
#define TC_STAGEB (2 * TC_TILEB + (TC_BM + TC_BN) * 4) // A, B, sx[128], ws[128] = 13312
#define TC_LRS 17                                   // epilogue row stride (floats) of the low-rank tiles

__device__ __forceinline__ void tc_cp16(void* smem, const void* gmem) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    unsigned s = (unsigned) __cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
#endif
}
__device__ __forceinline__ void tc_commit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("cp.async.commit_group;\n" ::);
#endif
}
template <int N>
__device__ __forceinline__ void tc_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
#endif
}

__device__ __forceinline__ void tc_mma_s4(int (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("mma.sync.aligned.m16n8k64.row.col.s32.s4.s4.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

__device__ __forceinline__ void tc_mma_s8(int (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

__device__ __forceinline__ uint32_t tc_lds32(const uint8_t* p) {
    return *reinterpret_cast<const uint32_t*>(p);
}

// 128x128 output tile per block, 8 warps as 2 (M) x 4 (N), a 64x32 warp tile = 4 x 4 mma tiles.
// K advances 64 nibbles per stage (3-stage cp.async pipeline); after the last stage of each group
// the int32 accumulators are folded into float ones with sx[m,g]·wscale[g,n]. Requires G % 64 == 0,
// qw 16-byte aligned (host-checked), scratch laid out as described at the top of this file.
// MODE 0: mma.m16n8k64 s4 on the packed bytes as they are. MODE 1: each 32-bit word (8 nibbles) is
// unpacked into two words of 4 int8 (even / odd k) and fed to mma.m16n8k32 s8. A and B are unpacked
// alike, so each product still pairs the same k of activation and weight: only the order of the
// terms within a group changes, and integer sums do not depend on it.
template <int MODE>
__device__ __forceinline__ void tc_body(
    const uint8_t* __restrict__ qact, const float* __restrict__ ascale, const uint8_t* __restrict__ qw,
    const float* __restrict__ wscale, const float* __restrict__ lowrank, const float* __restrict__ upf,
    const float* __restrict__ biasf, float* __restrict__ y,
    int M, int N, int Kp, int G, int Mpad, int Npad, int rpad, int act) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    __shared__ __align__(16) uint8_t smem[TC_STAGES * TC_STAGEB];
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int gq = lane >> 2, tig = lane & 3;
    const int wm = warp >> 2, wn = warp & 3;
    const int m0 = blockIdx.y * TC_BM, n0 = blockIdx.x * TC_BN;
    const i64 rowBytes = Kp >> 1;
    const int nsteps = Kp >> 6;
    const int spg = G >> 6;

    int iacc[4][4][4];
    float facc[4][4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                iacc[i][j][e] = 0;
                facc[i][j][e] = 0.f;
            }

    const int lrow = tid >> 1, lch = tid & 1;
    const uint8_t* aSrc = qact + (i64) (m0 + lrow) * rowBytes + lch * 16;
    const uint8_t* bSrc = qw + (i64) min(n0 + lrow, N - 1) * rowBytes + lch * 16;

    auto load = [&](int s, int st) {
        uint8_t* As = smem + st * TC_STAGEB;
        uint8_t* Bs = As + TC_TILEB;
        float* sxs = reinterpret_cast<float*>(Bs + TC_TILEB);
        float* wss = sxs + TC_BM;
        tc_cp16(As + lrow * TC_ROWB + lch * 16, aSrc + s * 32);
        tc_cp16(Bs + lrow * TC_ROWB + lch * 16, bSrc + s * 32);
        int g = s / spg;
        if (tid < 32) {
            tc_cp16(sxs + tid * 4, ascale + (i64) g * Mpad + m0 + tid * 4);
        } else if (tid < 64) {
            tc_cp16(wss + (tid - 32) * 4, wscale + (i64) g * Npad + n0 + (tid - 32) * 4);
        }
    };

#pragma unroll
    for (int s = 0; s < TC_STAGES - 1; s++) {
        if (s < nsteps) {
            load(s, s);
        }
        tc_commit();
    }

    for (int s = 0; s < nsteps; s++) {
        tc_wait<TC_STAGES - 2>();
        __syncthreads();
        {
            int sn = s + TC_STAGES - 1;
            if (sn < nsteps) {
                load(sn, sn % TC_STAGES);
            }
            tc_commit();
        }
        const int st = s % TC_STAGES;
        const uint8_t* As = smem + st * TC_STAGEB;
        const uint8_t* Bs = As + TC_TILEB;
        if (MODE == 0) {
            uint32_t a[4][4], b[4][2];
#pragma unroll
            for (int mt = 0; mt < 4; mt++) {
                const uint8_t* r0 = As + (wm * 64 + mt * 16 + gq) * TC_ROWB + tig * 4;
                a[mt][0] = tc_lds32(r0);
                a[mt][1] = tc_lds32(r0 + 8 * TC_ROWB);
                a[mt][2] = tc_lds32(r0 + 16);
                a[mt][3] = tc_lds32(r0 + 8 * TC_ROWB + 16);
            }
#pragma unroll
            for (int nt = 0; nt < 4; nt++) {
                const uint8_t* c0 = Bs + (wn * 32 + nt * 8 + gq) * TC_ROWB + tig * 4;
                b[nt][0] = tc_lds32(c0);
                b[nt][1] = tc_lds32(c0 + 16);
            }
#pragma unroll
            for (int mt = 0; mt < 4; mt++)
#pragma unroll
                for (int nt = 0; nt < 4; nt++) {
                    tc_mma_s4(iacc[mt][nt], a[mt], b[nt]);
                }
        } else {
#pragma unroll
            for (int half = 0; half < 2; half++) {
                const int off = half * 16 + tig * 4;
                uint32_t a[4][4], b[4][2];
#pragma unroll
                for (int mt = 0; mt < 4; mt++) {
                    const uint8_t* r0 = As + (wm * 64 + mt * 16 + gq) * TC_ROWB + off;
                    uint32_t w0 = tc_lds32(r0), w1 = tc_lds32(r0 + 8 * TC_ROWB);
                    a[mt][0] = sq_lo8(w0);
                    a[mt][1] = sq_lo8(w1);
                    a[mt][2] = sq_hi8(w0);
                    a[mt][3] = sq_hi8(w1);
                }
#pragma unroll
                for (int nt = 0; nt < 4; nt++) {
                    uint32_t w = tc_lds32(Bs + (wn * 32 + nt * 8 + gq) * TC_ROWB + off);
                    b[nt][0] = sq_lo8(w);
                    b[nt][1] = sq_hi8(w);
                }
#pragma unroll
                for (int mt = 0; mt < 4; mt++)
#pragma unroll
                    for (int nt = 0; nt < 4; nt++) {
                        tc_mma_s8(iacc[mt][nt], a[mt], b[nt]);
                    }
            }
        }
        if ((s + 1) % spg == 0) {
            const float* sxs = reinterpret_cast<const float*>(Bs + TC_TILEB);
            const float* wss = sxs + TC_BM;
#pragma unroll
            for (int mt = 0; mt < 4; mt++) {
                float s0 = sxs[wm * 64 + mt * 16 + gq];
                float s1 = sxs[wm * 64 + mt * 16 + gq + 8];
#pragma unroll
                for (int nt = 0; nt < 4; nt++) {
                    int cc = wn * 32 + nt * 8 + tig * 2;
                    float w0 = wss[cc], w1 = wss[cc + 1];
                    int* ia = iacc[mt][nt];
                    float* fa = facc[mt][nt];
                    fa[0] = fmaf((float) ia[0] * s0, w0, fa[0]);
                    fa[1] = fmaf((float) ia[1] * s0, w1, fa[1]);
                    fa[2] = fmaf((float) ia[2] * s1, w0, fa[2]);
                    fa[3] = fmaf((float) ia[3] * s1, w1, fa[3]);
                    ia[0] = ia[1] = ia[2] = ia[3] = 0;
                }
            }
        }
    }
    tc_wait<0>();
    __syncthreads();

    // epilogue: + lowrank · upᵀ (16 columns of r at a time through shared memory), + bias, activation
    float* ts = reinterpret_cast<float*>(smem);
    float* us = ts + TC_BM * TC_LRS;
    for (int j0 = 0; j0 < rpad; j0 += 16) {
        for (int idx = tid; idx < TC_BM * 16; idx += 256) {
            int rr = idx >> 4, c = idx & 15;
            ts[rr * TC_LRS + c] = lowrank[(i64) (m0 + rr) * rpad + j0 + c];
            us[rr * TC_LRS + c] = upf[(i64) (n0 + rr) * rpad + j0 + c];
        }
        __syncthreads();
#pragma unroll 4
        for (int c = 0; c < 16; c++) {
            float tv[4][2], uv[4][2];
#pragma unroll
            for (int mt = 0; mt < 4; mt++) {
                tv[mt][0] = ts[(wm * 64 + mt * 16 + gq) * TC_LRS + c];
                tv[mt][1] = ts[(wm * 64 + mt * 16 + gq + 8) * TC_LRS + c];
            }
#pragma unroll
            for (int nt = 0; nt < 4; nt++) {
                uv[nt][0] = us[(wn * 32 + nt * 8 + tig * 2) * TC_LRS + c];
                uv[nt][1] = us[(wn * 32 + nt * 8 + tig * 2 + 1) * TC_LRS + c];
            }
#pragma unroll
            for (int mt = 0; mt < 4; mt++)
#pragma unroll
                for (int nt = 0; nt < 4; nt++) {
                    float* fa = facc[mt][nt];
                    fa[0] = fmaf(tv[mt][0], uv[nt][0], fa[0]);
                    fa[1] = fmaf(tv[mt][0], uv[nt][1], fa[1]);
                    fa[2] = fmaf(tv[mt][1], uv[nt][0], fa[2]);
                    fa[3] = fmaf(tv[mt][1], uv[nt][1], fa[3]);
                }
        }
        __syncthreads();
    }
#pragma unroll
    for (int mt = 0; mt < 4; mt++) {
#pragma unroll
        for (int hr = 0; hr < 2; hr++) {
            int row = m0 + wm * 64 + mt * 16 + gq + hr * 8;
            if (row >= M) {
                continue;
            }
#pragma unroll
            for (int nt = 0; nt < 4; nt++) {
#pragma unroll
                for (int hc = 0; hc < 2; hc++) {
                    int col = n0 + wn * 32 + nt * 8 + tig * 2 + hc;
                    if (col < N) {
                        float v = facc[mt][nt][hr * 2 + hc];
                        if (biasf != nullptr) {
                            v += biasf[col];
                        }
                        y[(i64) row * N + col] = nb_act_call(act, v);
                    }
                }
            }
        }
    }
#else
    __trap(); // the host never selects the tensor-core kernels below sm_80
#endif
}

extern "C" __global__ void __launch_bounds__(256, 1) nb_svdq_gemm_s4(
    const uint8_t* qact, const float* ascale, const uint8_t* qw, const float* wscale, const float* lowrank,
    const float* upf, const float* biasf, float* y, int M, int N, int Kp, int G, int Mpad, int Npad, int rpad, int act) {
    tc_body<0>(qact, ascale, qw, wscale, lowrank, upf, biasf, y, M, N, Kp, G, Mpad, Npad, rpad, act);
}

extern "C" __global__ void __launch_bounds__(256, 1) nb_svdq_gemm_s8(
    const uint8_t* qact, const float* ascale, const uint8_t* qw, const float* wscale, const float* lowrank,
    const float* upf, const float* biasf, float* y, int M, int N, int Kp, int G, int Mpad, int Npad, int rpad, int act) {
    tc_body<1>(qact, ascale, qw, wscale, lowrank, upf, biasf, y, M, N, Kp, G, Mpad, Npad, rpad, act);
}
