// common.cl: prepended to every Nibble OpenCL program (OpenCL C 1.2, no extensions required).
//
// Conventions: every buffer argument is followed by a long offset in elements of its pointer type
// (DeviceBuffer slices share one cl_mem); shapes are int arguments; indices are int (tensors have
// fewer than 2^31 elements), with size_t products where a row times a length could overflow.

#define NB_CAT_(a, b) a##b
#define NB_CAT(a, b) NB_CAT_(a, b)

#ifndef NB_LOCAL_TILES
#define NB_LOCAL_TILES 0
#endif

// ---- float storage types: 0 = F32, 1 = F16 (storage only: vload_half), 2 = BF16 (upper half of a float)
#define NB_T_0 float
#define NB_T_1 half
#define NB_T_2 ushort
#define NB_LD1_0(p, i) ((p)[i])
#define NB_LD1_1(p, i) vload_half((i), (p))
#define NB_LD1_2(p, i) nb_bf16((p)[i])
#define NB_LD4_0(p, i) vload4(0, (p) + (i))
#define NB_LD4_1(p, i) vload_half4(0, (p) + (i))
#define NB_LD4_2(p, i) nb_bf16x4(vload4(0, (p) + (i)))
#define NB_LD16_0(p, i) vload16(0, (p) + (i))
#define NB_LD16_1(p, i) vload_half16(0, (p) + (i))
#define NB_LD16_2(p, i) as_float16(convert_uint16(vload16(0, (p) + (i))) << (uint16) (16u))
// the same types as raw bits (copies that never look at the value: packing)
#define NB_BITS_0 uint
#define NB_BITS_1 ushort
#define NB_BITS_2 ushort

inline float nb_bf16(ushort b) {
    return as_float(((uint) b) << 16);
}

inline float4 nb_bf16x4(ushort4 b) {
    return as_float4(convert_uint4(b) << (uint4) (16u));
}

// float -> bfloat16, round to nearest even, NaN kept quiet (as Tensor.floatToBf16)
inline ushort nb_to_bf16(float v) {
    uint u = as_uint(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
        return (ushort) ((u >> 16) | 0x40u);
    }
    return (ushort) ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// A float of runtime dtype dt (0/1/2) at element i of a byte pointer already offset to the tensor.
inline float nb_ldf(__global const uchar* p, int dt, size_t i) {
    if (dt == 0) {
        return ((__global const float*) p)[i];
    }
    if (dt == 1) {
        return vload_half(i, (__global const half*) p);
    }
    return nb_bf16(((__global const ushort*) p)[i]);
}

// ---- activations (UnaryFn codes): 0 IDENTITY, 1 GELU (erf), 2 GELU_TANH, 3 QUICK_GELU, 4 SILU,
//      5 RELU, 6 SIGMOID, 7 TANH, 8 EXP
inline float nb_sigmoid(float x) {
    float e = exp(-fabs(x));
    float r = 1.0f / (1.0f + e);
    return x >= 0.0f ? r : e * r;
}

inline float4 nb_sigmoid4(float4 x) {
    float4 e = exp(-fabs(x));
    float4 r = 1.0f / (1.0f + e);
    return select(e * r, r, x >= (float4) (0.0f));
}

inline float nb_act(float x, int fn) {
    switch (fn) {
        case 1: return 0.5f * x * erfc(-x * 0.70710678118654752f);
        case 2: {
            // 0.5·x·(1 + tanh(u)) = x·sigmoid(2u): no cancellation in the negative tail
            float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
            return x * nb_sigmoid(2.0f * u);
        }
        case 3: return x * nb_sigmoid(1.702f * x);
        case 4: return x * nb_sigmoid(x);
        case 5: return (x > 0.0f || isnan(x)) ? x : 0.0f;
        case 6: return nb_sigmoid(x);
        case 7: return tanh(x);
        case 8: return exp(x);
        default: return x;
    }
}

inline float4 nb_act4(float4 x, int fn) {
    switch (fn) {
        case 1: return 0.5f * x * erfc(-x * 0.70710678118654752f);
        case 2: {
            float4 u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
            return x * nb_sigmoid4(2.0f * u);
        }
        case 3: return x * nb_sigmoid4(1.702f * x);
        case 4: return x * nb_sigmoid4(x);
        case 5: return select((float4) (0.0f), x, (x > (float4) (0.0f)) | isnan(x));
        case 6: return nb_sigmoid4(x);
        case 7: return tanh(x);
        case 8: return exp(x);
        default: return x;
    }
}

inline float16 nb_sigmoid16(float16 x) {
    float16 e = exp(-fabs(x));
    float16 r = 1.0f / (1.0f + e);
    return select(e * r, r, x >= (float16) (0.0f));
}

inline float16 nb_act16(float16 x, int fn) {
    switch (fn) {
        case 1: return 0.5f * x * erfc(-x * 0.70710678118654752f);
        case 2: {
            float16 u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
            return x * nb_sigmoid16(2.0f * u);
        }
        case 3: return x * nb_sigmoid16(1.702f * x);
        case 4: return x * nb_sigmoid16(x);
        case 5: return select((float16) (0.0f), x, (x > (float16) (0.0f)) | isnan(x));
        case 6: return nb_sigmoid16(x);
        case 7: return tanh(x);
        case 8: return exp(x);
        default: return x;
    }
}

// One output row of a 32-channel panel (the CPU-device GEMMs): both halves with vector stores, or the first
// `cols` (< 32) through a private copy at the right edge of the matrix.
inline void nb_store_row32(__global float* yr, float16 v0, float16 v1, int cols) {
    if (cols >= 32) {
        vstore16(v0, 0, yr);
        vstore16(v1, 1, yr);
    } else {
        float t[32];
        vstore16(v0, 0, t);
        vstore16(v1, 1, t);
        for (int c = 0; c < cols; c++) {
            yr[c] = t[c];
        }
    }
}

// ---- compensated (Kahan) accumulation, so long rows sum as accurately as the double reference
typedef struct { float s; float c; } nb_kahan;

inline void nb_kadd(nb_kahan* k, float v) {
    float y = v - k->c;
    float t = k->s + y;
    k->c = (t - k->s) - y;
    k->s = t;
}

// ---- int8 dot products of 16 lanes (exact): cl_khr_integer_dot_product where present, else short math
// Σ a·b over 16 lanes, |a|,|b| <= 8: products fit a short; the sum of 16 fits an int.
inline int nb_dot16(char16 a, char16 b) {
#ifdef NB_INT_DOT
    return dot(a.s0123, b.s0123) + dot(a.s4567, b.s4567) + dot(a.s89ab, b.s89ab) + dot(a.scdef, b.scdef);
#else
    short16 p = convert_short16(a) * convert_short16(b);
    short8 s8 = p.lo + p.hi;
    int4 s4 = convert_int4(s8.lo) + convert_int4(s8.hi);
    int2 s2 = s4.lo + s4.hi;
    return s2.x + s2.y;
#endif
}
