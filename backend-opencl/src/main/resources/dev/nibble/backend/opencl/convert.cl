// convert.cl: Cast, Embedding, TimestepEmbedding.

// dtype codes: 0 F32, 1 F16, 2 BF16, 3 I64, 4 I32. Byte pointers with byte offsets.
// Floats round to nearest even; floats to integers truncate toward zero, saturating, NaN -> 0
// (Java's casts); integers to integers wrap; I64 to a float rounds once to float, then to F16/BF16.
__kernel void cast(__global const uchar* x, long xo, int from, __global uchar* y, long yo, int to, int n) {
    const int i = get_global_id(0);
    if (i >= n) {
        return;
    }
    x += xo;
    y += yo;
    if (from <= 2) {
        const float f = nb_ldf(x, from, i);
        switch (to) {
            case 0: ((__global float*) y)[i] = f; break;
            case 1: vstore_half_rte(f, i, (__global half*) y); break;
            case 2: ((__global ushort*) y)[i] = nb_to_bf16(f); break;
            case 3: ((__global long*) y)[i] = convert_long_sat_rtz(f); break;
            default: ((__global int*) y)[i] = convert_int_sat_rtz(f); break;
        }
    } else {
        const long l = from == 3 ? ((__global const long*) x)[i] : (long) ((__global const int*) x)[i];
        switch (to) {
            case 0: ((__global float*) y)[i] = convert_float_rte(l); break;
            case 1: vstore_half_rte(convert_float_rte(l), i, (__global half*) y); break;
            case 2: ((__global ushort*) y)[i] = nb_to_bf16(convert_float_rte(l)); break;
            case 3: ((__global long*) y)[i] = l; break;
            default: ((__global int*) y)[i] = (int) l; break;
        }
    }
}

// Row gather: table [V, D] of float type tdt (byte pointer, byte offset), ids I64 (is64) or I32.
// An id outside [0, V) writes zeros and records the smallest such position in err[0].
__kernel void embedding(__global const uchar* table, long to, int tdt, __global const uchar* ids, long io,
                        int is64, __global float* y, long yo, int n, int D, int V, __global int* err) {
    const int d = get_global_id(0);
    const int r = get_global_id(1);
    if (d >= D || r >= n) {
        return;
    }
    ids += io;
    const long id = is64 ? ((__global const long*) ids)[r] : (long) ((__global const int*) ids)[r];
    float v = 0.0f;
    if (id >= 0 && id < V) {
        v = nb_ldf(table + to, tdt, (size_t) id * D + d);
    } else if (d == 0) {
        atomic_min(err, r);
    }
    y[yo + (size_t) r * D + d] = v;
}

// diffusers get_timestep_embedding with the frequencies precomputed on the host exactly as the
// reference does (float32 exponent, exp rounded to float): arg = scale · (t · freq).
__kernel void timestep(__global const float* t, long tof, __global const float* freq, __global float* y, long yo,
                       int B, int dim, int hd, int flip, float scale) {
    const int j = get_global_id(0);
    const int b = get_global_id(1);
    if (j >= dim || b >= B) {
        return;
    }
    float out = 0.0f;
    if (j < 2 * hd) {
        const int f = j < hd ? j : j - hd;
        const float tt = t[tof + b];
        const float prod = tt * freq[f];
        const float arg = scale * prod;
        const bool wantSin = (j < hd) != (flip != 0);
        out = wantSin ? sin(arg) : cos(arg);
    }
    y[yo + (size_t) b * dim + j] = out;
}
