// Data movement and conversions: Copy/Reshape, Concat/Slice (strided rows), Permute, Pad,
// Upsample2x, Cast, Embedding, TimestepEmbedding.
#pragma once
#include "common.cuh"

// Copies 'count' units of 'width' bytes (1, 2, 4, 8 or 16; the host picks the widest that divides
// both addresses and the size).
extern "C" __global__ void nb_copy_bytes(const void* __restrict__ src, void* __restrict__ dst, i64 count, int width) {
    for (i64 i = nb_tid(); i < count; i += nb_stride()) {
        switch (width) {
            case 16: ((uint4*) dst)[i] = ((const uint4*) src)[i]; break;
            case 8: ((uint2*) dst)[i] = ((const uint2*) src)[i]; break;
            case 4: ((uint32_t*) dst)[i] = ((const uint32_t*) src)[i]; break;
            case 2: ((uint16_t*) dst)[i] = ((const uint16_t*) src)[i]; break;
            default: ((uint8_t*) dst)[i] = ((const uint8_t*) src)[i]; break;
        }
    }
}

// rows × rowUnits units of 'width' bytes, from src (row pitch srcPitch units) to dst (dstPitch units).
extern "C" __global__ void nb_copy_rows(const void* __restrict__ src, void* __restrict__ dst, i64 rows, i64 rowUnits,
                                        i64 srcPitch, i64 dstPitch, int width) {
    i64 n = rows * rowUnits;
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        i64 r = i / rowUnits, c = i % rowUnits;
        i64 s = r * srcPitch + c, d = r * dstPitch + c;
        switch (width) {
            case 16: ((uint4*) dst)[d] = ((const uint4*) src)[s]; break;
            case 8: ((uint2*) dst)[d] = ((const uint2*) src)[s]; break;
            case 4: ((uint32_t*) dst)[d] = ((const uint32_t*) src)[s]; break;
            case 2: ((uint16_t*) dst)[d] = ((const uint16_t*) src)[s]; break;
            default: ((uint8_t*) dst)[d] = ((const uint8_t*) src)[s]; break;
        }
    }
}

// Output element i (row-major over p.dims) reads input element Σ idx[a]·p.strides[a]; esize bytes each.
extern "C" __global__ void nb_permute(const void* __restrict__ src, void* __restrict__ dst, i64 n, int esize, NbPermute p) {
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        i64 rem = i, from = 0;
        for (int r = (int) p.rank - 1; r >= 0; r--) {
            from += (rem % p.dims[r]) * p.strides[r];
            rem /= p.dims[r];
        }
        switch (esize) {
            case 8: ((uint64_t*) dst)[i] = ((const uint64_t*) src)[from]; break;
            case 4: ((uint32_t*) dst)[i] = ((const uint32_t*) src)[from]; break;
            case 2: ((uint16_t*) dst)[i] = ((const uint16_t*) src)[from]; break;
            default: ((uint8_t*) dst)[i] = ((const uint8_t*) src)[from]; break;
        }
    }
}

// Constant padding of an F32 tensor; one thread per output element.
extern "C" __global__ void nb_pad(const float* __restrict__ x, float* __restrict__ y, i64 n, float value, NbPad p) {
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        i64 rem = i, from = 0, stride = 1;
        bool inside = true;
        for (int r = (int) p.rank - 1; r >= 0; r--) {
            i64 idx = rem % p.out[r] - p.before[r];
            rem /= p.out[r];
            if (idx < 0 || idx >= p.in[r]) {
                inside = false;
            }
            from += idx * stride;
            stride *= p.in[r];
        }
        y[i] = inside ? x[from] : value;
    }
}

// Nearest-neighbour 2x of [planes, h, w].
extern "C" __global__ void nb_upsample2x(const float* __restrict__ x, float* __restrict__ y, i64 planes, i64 h, i64 w) {
    i64 n = planes * 4 * h * w;
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        i64 ox = i % (2 * w);
        i64 t = i / (2 * w);
        i64 oy = t % (2 * h);
        i64 p = t / (2 * h);
        y[i] = x[(p * h + oy / 2) * w + ox / 2];
    }
}

// Java's (long) f: truncation, NaN -> 0, saturating.
__device__ __forceinline__ long long nb_f2ll(float f) {
    if (f != f) {
        return 0;
    }
    if (f >= 9.2233720368547758e18f) {
        return 0x7fffffffffffffffLL;
    }
    if (f <= -9.2233720368547758e18f) {
        return (long long) 0x8000000000000000ULL;
    }
    return (long long) f;
}

// Java's (int) f.
__device__ __forceinline__ int nb_f2i(float f) {
    if (f != f) {
        return 0;
    }
    if (f >= 2147483648.0f) {
        return 0x7fffffff;
    }
    if (f <= -2147483648.0f) {
        return (int) 0x80000000u;
    }
    return (int) f;
}

// Cast between F32, F16, BF16, I64, I32 with Java's semantics (the reference kernel's): floats round
// to nearest even; floats to integers truncate (NaN -> 0, saturating); long -> int wraps; integers
// to F16/BF16 round through float.
extern "C" __global__ void nb_cast(const void* __restrict__ src, void* __restrict__ dst, i64 n, int from, int to) {
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        bool intIn = from == DT_I64 || from == DT_I32;
        long long lv = 0;
        float fv = 0.f;
        if (from == DT_I64) {
            lv = ((const long long*) src)[i];
        } else if (from == DT_I32) {
            lv = ((const int*) src)[i];
        } else {
            fv = nb_ldf(src, from, i);
        }
        switch (to) {
            case DT_I64: ((long long*) dst)[i] = intIn ? lv : nb_f2ll(fv); break;
            case DT_I32: ((int*) dst)[i] = intIn ? (int) lv : nb_f2i(fv); break;
            default: {
                float v = intIn ? __ll2float_rn(lv) : fv;
                if (to == DT_F32) {
                    ((float*) dst)[i] = v;
                } else if (to == DT_F16) {
                    ((uint16_t*) dst)[i] = nb_float_to_half(v);
                } else {
                    ((uint16_t*) dst)[i] = nb_float_to_bf16(v);
                }
            }
        }
    }
}

// Row gather: y[i, :] = table[ids[i], :] as F32. An id outside [0, V) yields a NaN row and raises
// *err (the host reports it after the next synchronisation).
extern "C" __global__ void nb_embedding(const void* __restrict__ table, int tdt, const void* __restrict__ ids, int idt,
                                        float* __restrict__ y, i64 nIds, i64 V, i64 D, int* err) {
    i64 n = nIds * D;
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        i64 r = i / D, c = i % D;
        long long id = idt == DT_I64 ? ((const long long*) ids)[r] : (long long) ((const int*) ids)[r];
        if (id < 0 || id >= V) {
            y[i] = __int_as_float(0x7fc00000);
            if (c == 0 && err != nullptr) {
                atomicExch(err, 1);
            }
        } else {
            y[i] = nb_ldf(table, tdt, id * D + c);
        }
    }
}

// diffusers get_timestep_embedding, step for step in float32 like the reference: exponent =
// (negLog·j) / denom, freq = (float) exp(exponent), arg = scale·(t·freq); [sin, cos] or flipped;
// a zero column when dim is odd.
extern "C" __global__ void nb_timestep_embedding(const float* __restrict__ t, float* __restrict__ y, int B, int dim,
                                                 int flip, float negLog, float denom, float scale) {
    int half = dim / 2;
    i64 n = (i64) B * dim;
    for (i64 i = nb_tid(); i < n; i += nb_stride()) {
        int b = (int) (i / dim), c = (int) (i % dim);
        if (c >= 2 * half) {
            y[i] = 0.f;
            continue;
        }
        int j = c < half ? c : c - half;
        bool first = c < half;
        float exponent = __fdiv_rn(__fmul_rn(negLog, (float) j), denom);
        float freq = (float) exp((double) exponent);
        float arg = __fmul_rn(scale, __fmul_rn(t[b], freq));
        bool wantSin = first != (flip != 0);
        y[i] = wantSin ? (float) sin((double) arg) : (float) cos((double) arg);
    }
}
