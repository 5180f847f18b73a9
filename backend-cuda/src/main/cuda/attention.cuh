// Scaled dot-product attention, flash style: no Lq x Lk matrix. A block takes 32 queries of one
// (batch, head) and walks the keys in tiles of 32 with an online softmax (running max and sum);
// 8 threads share a query row (each holds Dv/8 output accumulators). FP32 throughout, expf.
#pragma once
#include "common.cuh"

#define AT_BQ 32
#define AT_BK 32

// q [B,H,Lq,D], k [B,H,Lk,D], v [B,H,Lk,Dv], mask (nullable) read at b·msb + h·msh + i·msq + j·msk
// (0 strides broadcast). Dynamic shared memory: (BQ·(D+1) + BK·(max(D,Dv)+1) + BQ·(BK+1)) floats.
template <int DVPT>
__device__ __forceinline__ void at_body(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                                        const float* __restrict__ mask, float* __restrict__ out, int H, int Lq, int Lk,
                                        int D, int Dv, float scale, int causal, i64 msb, i64 msh, i64 msq, i64 msk) {
    extern __shared__ float at_smem[];
    const int QS = D + 1;
    const int KS = max(D, Dv) + 1;
    const int PS = AT_BK + 1;
    float* Qs = at_smem;
    float* KVs = Qs + AT_BQ * QS;
    float* Ps = KVs + AT_BK * KS;

    int bh = blockIdx.y;
    int b = bh / H, h = bh % H;
    int q0 = blockIdx.x * AT_BQ;
    const float* qb = q + (i64) bh * Lq * D;
    const float* kb = k + (i64) bh * Lk * D;
    const float* vb = v + (i64) bh * Lk * Dv;
    int tid = threadIdx.x, qi = tid >> 3, sub = tid & 7;
    int qrow = q0 + qi;

    for (int idx = tid; idx < AT_BQ * D; idx += blockDim.x) {
        int r = idx / D, c = idx % D;
        Qs[r * QS + c] = (q0 + r < Lq) ? qb[(i64) (q0 + r) * D + c] : 0.f;
    }

    float mrun = -INFINITY, lrun = 0.f;
    float o[DVPT];
#pragma unroll
    for (int t = 0; t < DVPT; t++) {
        o[t] = 0.f;
    }
    const float* mrow = mask == nullptr ? nullptr : mask + b * msb + h * msh + (i64) min(qrow, Lq - 1) * msq;
    int kend = causal ? min(Lk, q0 + AT_BQ) : Lk;

    for (int k0 = 0; k0 < kend; k0 += AT_BK) {
        __syncthreads(); // Q staged / previous V tile consumed
        for (int idx = tid; idx < AT_BK * D; idx += blockDim.x) {
            int r = idx / D, c = idx % D;
            KVs[r * KS + c] = (k0 + r < Lk) ? kb[(i64) (k0 + r) * D + c] : 0.f;
        }
        __syncthreads();
        float s[4];
        float tmax = -INFINITY;
#pragma unroll
        for (int u = 0; u < 4; u++) {
            int key = sub + 8 * u;
            int j = k0 + key;
            bool valid = j < Lk && qrow < Lq && (!causal || j <= qrow);
            float dot = 0.f;
            const float* qr = Qs + qi * QS;
            const float* kr = KVs + key * KS;
            for (int d = 0; d < D; d++) {
                dot = fmaf(qr[d], kr[d], dot);
            }
            float val = dot * scale;
            if (valid && mrow != nullptr) {
                val += mrow[(i64) j * msk];
            }
            s[u] = valid ? val : -INFINITY;
            tmax = fmaxf(tmax, s[u]);
        }
        tmax = fmaxf(tmax, __shfl_xor_sync(NB_FULL_MASK, tmax, 1));
        tmax = fmaxf(tmax, __shfl_xor_sync(NB_FULL_MASK, tmax, 2));
        tmax = fmaxf(tmax, __shfl_xor_sync(NB_FULL_MASK, tmax, 4));
        float mnew = fmaxf(mrun, tmax);
        float alpha = 1.f, psum = 0.f;
        float p[4];
        if (mnew == -INFINITY) {
#pragma unroll
            for (int u = 0; u < 4; u++) {
                p[u] = 0.f;
            }
        } else {
            alpha = expf(mrun - mnew); // exp(-inf) = 0 on the first live tile
#pragma unroll
            for (int u = 0; u < 4; u++) {
                p[u] = expf(s[u] - mnew);
                psum += p[u];
            }
        }
        psum += __shfl_xor_sync(NB_FULL_MASK, psum, 1);
        psum += __shfl_xor_sync(NB_FULL_MASK, psum, 2);
        psum += __shfl_xor_sync(NB_FULL_MASK, psum, 4);
        lrun = lrun * alpha + psum;
        mrun = mnew;
#pragma unroll
        for (int u = 0; u < 4; u++) {
            Ps[qi * PS + sub + 8 * u] = p[u];
        }
        __syncthreads(); // scores written, K no longer needed
        for (int idx = tid; idx < AT_BK * Dv; idx += blockDim.x) {
            int r = idx / Dv, c = idx % Dv;
            KVs[r * KS + c] = (k0 + r < Lk) ? vb[(i64) (k0 + r) * Dv + c] : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int t = 0; t < DVPT; t++) {
            o[t] *= alpha;
        }
        const float* pr = Ps + qi * PS;
        for (int key = 0; key < AT_BK; key++) {
            float pk = pr[key];
            const float* vr = KVs + key * KS;
#pragma unroll
            for (int t = 0; t < DVPT; t++) {
                int d = sub + 8 * t;
                if (d < Dv) {
                    o[t] = fmaf(pk, vr[d], o[t]);
                }
            }
        }
    }
    if (qrow < Lq) {
        float* orow = out + ((i64) bh * Lq + qrow) * Dv;
#pragma unroll
        for (int t = 0; t < DVPT; t++) {
            int d = sub + 8 * t;
            if (d < Dv) {
                orow[d] = lrun > 0.f ? o[t] / lrun : 0.f;
            }
        }
    }
}

#define NB_ATTN(NAME, DVPT)                                                                                               \
    extern "C" __global__ void __launch_bounds__(256) NAME(                                                              \
        const float* q, const float* k, const float* v, const float* mask, float* out, int H, int Lq, int Lk, int D,     \
        int Dv, float scale, int causal, i64 msb, i64 msh, i64 msq, i64 msk) {                                           \
        at_body<DVPT>(q, k, v, mask, out, H, Lq, Lk, D, Dv, scale, causal, msb, msh, msq, msk);                          \
    }

NB_ATTN(nb_attention_64, 8)    // Dv <= 64
NB_ATTN(nb_attention_128, 16)  // Dv <= 128
NB_ATTN(nb_attention_256, 32)  // Dv <= 256
