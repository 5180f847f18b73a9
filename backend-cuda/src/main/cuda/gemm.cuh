// Linear (y = act(x·wᵀ + b)) and Conv2d (implicit GEMM) as tiled FP32 SGEMMs: 64x64 output tiles,
// K in steps of 16 through shared memory, 256 threads with a 4x4 register tile each. Weights are
// F32, F16 or BF16 and are widened to float as they are staged (the template parameter W).
#pragma once
#include "common.cuh"

#define GB_M 64
#define GB_N 64
#define GB_K 16
#define GB_PAD 4

// The shared 4x4 inner product over one staged K slice.
__device__ __forceinline__ void gb_mac(float (&acc)[4][4], const float (*As)[GB_M + GB_PAD],
                                       const float (*Bs)[GB_N + GB_PAD], int ty, int tx) {
#pragma unroll
    for (int kk = 0; kk < GB_K; kk++) {
        float4 a4 = *reinterpret_cast<const float4*>(&As[kk][ty * 4]);
        float4 b4 = *reinterpret_cast<const float4*>(&Bs[kk][tx * 4]);
        float a[4] = {a4.x, a4.y, a4.z, a4.w};
        float b[4] = {b4.x, b4.y, b4.z, b4.w};
#pragma unroll
        for (int i = 0; i < 4; i++) {
#pragma unroll
            for (int j = 0; j < 4; j++) {
                acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
            }
        }
    }
}

// x [M, K] F32, w [N, K] of type W, bias [N] (any float type, or null). Grid (ceil(N/64), ceil(M/64)).
template <class W>
__device__ __forceinline__ void gb_linear(const float* __restrict__ x, const void* __restrict__ w, const void* bias, int bdt,
                                          float* __restrict__ y, int M, int N, int K, int act) {
    __shared__ __align__(16) float As[GB_K][GB_M + GB_PAD];
    __shared__ __align__(16) float Bs[GB_K][GB_N + GB_PAD];
    int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    int m0 = blockIdx.y * GB_M, n0 = blockIdx.x * GB_N;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < K; k0 += GB_K) {
        int gk = k0 + tx;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int r = ty + 16 * i;
            int gm = m0 + r, gn = n0 + r;
            As[tx][r] = (gm < M && gk < K) ? x[(i64) gm * K + gk] : 0.f;
            Bs[tx][r] = (gn < N && gk < K) ? W::ld(w, (i64) gn * K + gk) : 0.f;
        }
        __syncthreads();
        gb_mac(acc, As, Bs, ty, tx);
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int gm = m0 + ty * 4 + i;
        if (gm >= M) {
            continue;
        }
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int gn = n0 + tx * 4 + j;
            if (gn < N) {
                float v = acc[i][j] + nb_ldf_or(bias, bdt, gn, 0.f);
                y[(i64) gm * N + gn] = nb_act_call(act, v);
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(256) nb_linear_f32(const float* x, const void* w, const void* bias, int bdt,
                                                                float* y, int M, int N, int K, int act) {
    gb_linear<WF32>(x, w, bias, bdt, y, M, N, K, act);
}
extern "C" __global__ void __launch_bounds__(256) nb_linear_f16(const float* x, const void* w, const void* bias, int bdt,
                                                                float* y, int M, int N, int K, int act) {
    gb_linear<WF16>(x, w, bias, bdt, y, M, N, K, act);
}
extern "C" __global__ void __launch_bounds__(256) nb_linear_bf16(const float* x, const void* w, const void* bias, int bdt,
                                                                 float* y, int M, int N, int K, int act) {
    gb_linear<WBF16>(x, w, bias, bdt, y, M, N, K, act);
}

// Conv2d NCHW as C[O, B·OH·OW] = W[O, C·KH·KW] · im2col(x). Grid (ceil(B·OH·OW/64), ceil(O/64)).
// Index arithmetic is 32-bit (the host checks that B·OH·OW, C·KH·KW and the tensor sizes fit).
struct NbConv {
    int B, C, H, W, O, KH, KW, OH, OW, sh, sw, pt, pl;
};

template <class WT>
__device__ __forceinline__ void gb_conv(const float* __restrict__ x, const void* __restrict__ w, const void* bias, int bdt,
                                        float* __restrict__ y, NbConv p) {
    __shared__ __align__(16) float As[GB_K][GB_M + GB_PAD];
    __shared__ __align__(16) float Bs[GB_K][GB_N + GB_PAD];
    int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    const int M = p.O;
    const int Kc = p.C * p.KH * p.KW;
    const int KHW = p.KH * p.KW;
    const int N = p.B * p.OH * p.OW;
    const int m0 = blockIdx.y * GB_M;
    const int n0 = blockIdx.x * GB_N;
    // the output pixel this thread stages for B (column n0 + (tid & 63)), fixed over the K loop
    const int bn = tid & 63;
    const int gnB = n0 + bn;
    const bool colOk = gnB < N;
    int pb = 0, poy = 0, pox = 0;
    if (colOk) {
        pox = gnB % p.OW;
        int t = gnB / p.OW;
        poy = t % p.OH;
        pb = t / p.OH;
    }
    const int iy0 = poy * p.sh - p.pt, ix0 = pox * p.sw - p.pl;
    const float* xb = x + (i64) pb * p.C * p.H * p.W;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < Kc; k0 += GB_K) {
        int gk = k0 + tx;
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int r = ty + 16 * i;
            int gm = m0 + r;
            As[tx][r] = (gm < M && gk < Kc) ? WT::ld(w, (i64) gm * Kc + gk) : 0.f;
        }
#pragma unroll 1
        for (int i = 0; i < 4; i++) {
            int kk = (tid >> 6) + 4 * i;
            int k = k0 + kk;
            float v = 0.f;
            if (colOk && k < Kc) {
                int c = k / KHW;
                int rem = k - c * KHW;
                int ky = rem / p.KW;
                int kx = rem - ky * p.KW;
                int iy = iy0 + ky, ix = ix0 + kx;
                if (iy >= 0 && iy < p.H && ix >= 0 && ix < p.W) {
                    v = xb[((i64) c * p.H + iy) * p.W + ix];
                }
            }
            Bs[kk][bn] = v;
        }
        __syncthreads();
        gb_mac(acc, As, Bs, ty, tx);
        __syncthreads();
    }
    const int ohw = p.OH * p.OW;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int o = m0 + ty * 4 + i;
        if (o >= M) {
            continue;
        }
        float bv = nb_ldf_or(bias, bdt, o, 0.f);
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int gn = n0 + tx * 4 + j;
            if (gn < N) {
                int b = gn / ohw;
                int pix = gn - b * ohw;
                y[((i64) b * p.O + o) * ohw + pix] = acc[i][j] + bv;
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(256) nb_conv2d_f32(const float* x, const void* w, const void* bias, int bdt,
                                                                float* y, NbConv p) {
    gb_conv<WF32>(x, w, bias, bdt, y, p);
}
extern "C" __global__ void __launch_bounds__(256) nb_conv2d_f16(const float* x, const void* w, const void* bias, int bdt,
                                                                float* y, NbConv p) {
    gb_conv<WF16>(x, w, bias, bdt, y, p);
}
extern "C" __global__ void __launch_bounds__(256) nb_conv2d_bf16(const float* x, const void* w, const void* bias, int bdt,
                                                                 float* y, NbConv p) {
    gb_conv<WBF16>(x, w, bias, bdt, y, p);
}
