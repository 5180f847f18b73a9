// Shared helpers of the Nibble CUDA kernels: dtype codes, loads and stores of every element type,
// the activation functions (UnaryFn), reductions. Everything computes in IEEE float/double with the
// accurate library functions (never --use_fast_math): the conformance kit compares against a CPU
// reference with tolerances of 1e-5 for transcendentals.
#pragma once
#include <cuda_fp16.h>
#include <stdint.h>

typedef long long i64;

// Element type codes; must match dev.nibble.backend.cuda.DTypeCodes.
enum {
    DT_F32 = 0, DT_F16 = 1, DT_BF16 = 2, DT_I64 = 3, DT_I32 = 4,
    DT_I8 = 5, DT_U8 = 6, DT_I16 = 7, DT_BOOL = 8, DT_F64 = 9
};

// UnaryFn codes; must match dev.nibble.backend.cuda.DTypeCodes.act().
enum {
    ACT_IDENTITY = 0, ACT_GELU = 1, ACT_GELU_TANH = 2, ACT_QUICK_GELU = 3, ACT_SILU = 4,
    ACT_RELU = 5, ACT_SIGMOID = 6, ACT_TANH = 7, ACT_EXP = 8
};

#define NB_MAXR 8
#define NB_FULL_MASK 0xffffffffu

__device__ __forceinline__ float nb_bf16_to_float(uint16_t b) {
    return __uint_as_float(((uint32_t) b) << 16);
}

// Round to nearest even, NaN kept NaN (quiet bit set): the same bits as Tensor.floatToBf16.
__device__ __forceinline__ uint16_t nb_float_to_bf16(float v) {
    uint32_t bits = __float_as_uint(v);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return (uint16_t) ((bits >> 16) | 0x40u);
    }
    uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t) ((bits + rounding) >> 16);
}

__device__ __forceinline__ float nb_half_to_float(uint16_t b) {
    return __half2float(__ushort_as_half(b));
}

__device__ __forceinline__ uint16_t nb_float_to_half(float v) {
    return __half_as_ushort(__float2half_rn(v));
}

// Element i of a tensor of any supported type, as float.
__device__ __forceinline__ float nb_ldf(const void* p, int dt, i64 i) {
    switch (dt) {
        case DT_F32: return ((const float*) p)[i];
        case DT_F16: return nb_half_to_float(((const uint16_t*) p)[i]);
        case DT_BF16: return nb_bf16_to_float(((const uint16_t*) p)[i]);
        case DT_F64: return (float) ((const double*) p)[i];
        case DT_I64: return (float) ((const long long*) p)[i];
        case DT_I32: return (float) ((const int*) p)[i];
        case DT_I16: return (float) ((const short*) p)[i];
        case DT_I8: return (float) ((const signed char*) p)[i];
        default: return (float) ((const unsigned char*) p)[i]; // U8, BOOL
    }
}

// Float parameters that may be absent (bias, norm weights): 'dflt' when p is null.
__device__ __forceinline__ float nb_ldf_or(const void* p, int dt, i64 i, float dflt) {
    return p == nullptr ? dflt : nb_ldf(p, dt, i);
}

// Weight loaders for the templated GEMMs.
struct WF32 {
    static __device__ __forceinline__ float ld(const void* p, i64 i) { return ((const float*) p)[i]; }
};
struct WF16 {
    static __device__ __forceinline__ float ld(const void* p, i64 i) { return nb_half_to_float(((const uint16_t*) p)[i]); }
};
struct WBF16 {
    static __device__ __forceinline__ float ld(const void* p, i64 i) { return nb_bf16_to_float(((const uint16_t*) p)[i]); }
};

__device__ __forceinline__ float nb_sigmoid(float x) {
    if (x >= 0.f) {
        return 1.f / (1.f + expf(-x));
    }
    float e = expf(x);
    return e / (1.f + e);
}

// x·Φ(x) through erfc, which keeps precision in the negative tail.
__device__ __forceinline__ float nb_gelu(float x) {
    return 0.5f * x * erfcf(-x * 0.70710678118654752f);
}

__device__ __forceinline__ float nb_act(int fn, float x) {
    switch (fn) {
        case ACT_IDENTITY: return x;
        case ACT_GELU: return nb_gelu(x);
        case ACT_GELU_TANH: {
            float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
            return 0.5f * x * (1.f + tanhf(u));
        }
        case ACT_QUICK_GELU: return x * nb_sigmoid(1.702f * x);
        case ACT_SILU: return x * nb_sigmoid(x);
        case ACT_RELU: return x > 0.f ? x : (x != x ? x : 0.f);
        case ACT_SIGMOID: return nb_sigmoid(x);
        case ACT_TANH: return tanhf(x);
        case ACT_EXP: return expf(x);
        default: return x;
    }
}

// The activation as a real call: GEMM epilogues apply it to many unrolled accumulators, and
// inlining erfcf/tanhf/expf into each copy would multiply the code size (and the build time).
__device__ __noinline__ float nb_act_call(int fn, float x) {
    return nb_act(fn, x);
}

__device__ __forceinline__ i64 nb_tid() {
    return (i64) blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ i64 nb_stride() {
    return (i64) gridDim.x * blockDim.x;
}

__device__ __forceinline__ double nb_warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(NB_FULL_MASK, v, o);
    }
    return v;
}

__device__ __forceinline__ float nb_warp_maxf(float v) {
    for (int o = 16; o > 0; o >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(NB_FULL_MASK, v, o));
    }
    return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ __forceinline__ double nb_block_sum(double v, double* scratch /* >= 33 doubles */) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = nb_warp_sum(v);
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    if (warp == 0) {
        double t = lane < nw ? scratch[lane] : 0.0;
        t = nb_warp_sum(t);
        if (lane == 0) {
            scratch[32] = t;
        }
    }
    __syncthreads();
    return scratch[32];
}

// Max over the block with NaN propagation; every thread gets the result.
__device__ __forceinline__ float nb_nanmax(float a, float b) {
    return (a != a || b != b) ? __int_as_float(0x7fc00000) : fmaxf(a, b);
}

__device__ __forceinline__ float nb_block_max(float v, float* scratch /* >= 33 floats */) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    for (int o = 16; o > 0; o >>= 1) {
        v = nb_nanmax(v, __shfl_xor_sync(NB_FULL_MASK, v, o));
    }
    __syncthreads();
    if (lane == 0) {
        scratch[warp] = v;
    }
    __syncthreads();
    if (warp == 0) {
        float t = lane < nw ? scratch[lane] : -INFINITY;
        for (int o = 16; o > 0; o >>= 1) {
            t = nb_nanmax(t, __shfl_xor_sync(NB_FULL_MASK, t, o));
        }
        if (lane == 0) {
            scratch[32] = t;
        }
    }
    __syncthreads();
    return scratch[32];
}

// Shapes passed by value (kernel parameters): all fields 64-bit so the Java side can pass a long[].
struct NbBcast {   // Binary: output dims and the element strides of each input (0 where broadcast)
    i64 rank;
    i64 dims[NB_MAXR];
    i64 sa[NB_MAXR];
    i64 sb[NB_MAXR];
};

struct NbPermute { // Permute: output dims and, per output axis, the input stride of that axis
    i64 rank;
    i64 dims[NB_MAXR];
    i64 strides[NB_MAXR];
};

struct NbPad {     // Pad: output dims, input dims, elements before on each axis
    i64 rank;
    i64 out[NB_MAXR];
    i64 in[NB_MAXR];
    i64 before[NB_MAXR];
};
