#version 460
//!variant sg -DUSE_SUBGROUP
// Reduce SUM/MEAN/MAX/MIN (fn = ReduceFn ordinal) along one axis of [outer, len, inner].
// rows = 1 (inner == 1): one workgroup per row with a tree reduction; rows = 0: one invocation per
// output with a compensated (Kahan) sum. MAX/MIN propagate NaN.
#include "common.glsl"
#define WG_SIZE 256u
layout(local_size_x = 256) in;
#include "reduce.glsl"
layout(push_constant) uniform Params { uint64_t x; uint64_t y; uint outer; uint len; uint inner; int fn; int rows; } p;
#define FN p.fn
#define ROWS p.rows

#define INF uintBitsToFloat(0x7f800000u)

float combine(float acc, float v) {
    if (FN == 2) return (isnan(v) || v > acc) ? v : acc;
    if (FN == 3) return (isnan(v) || v < acc) ? v : acc;
    return acc + v;
}

float init() {
    return FN == 2 ? -INF : (FN == 3 ? INF : 0.0);
}

void main() {
    if (ROWS == 1) {
        uint l = gl_LocalInvocationIndex;
        for (uint row = gl_WorkGroupID.x; row < p.outer; row += gl_NumWorkGroups.x) {
            uint base = row * p.len;
            float acc = init();
            for (uint i = l; i < p.len; i += WG_SIZE) acc = combine(acc, BufF32(p.x).d[base + i]);
            float r;
            if (FN == 0 || FN == 1) {
                r = wg_sum(acc);
                if (FN == 1) r /= float(p.len);
            } else {
                // NaN-propagating tree through shared memory (the subgroup max makes no NaN promise)
                nb_red[l] = acc;
                barrier();
                if (l == 0u) {
                    float t = nb_red[0];
                    for (uint i = 1u; i < WG_SIZE; i++) t = combine(t, nb_red[i]);
                    nb_red[0] = t;
                }
                barrier();
                r = nb_red[0];
                barrier();
            }
            if (l == 0u) BufF32(p.y).d[row] = r;
        }
    } else {
        uint n = p.outer * p.inner;
        uint stride = gl_NumWorkGroups.x * WG_SIZE;
        for (uint o = gl_GlobalInvocationID.x; o < n; o += stride) {
            uint a = o / p.inner, i = o - (o / p.inner) * p.inner;
            uint base = a * p.len * p.inner + i;
            if (FN == 0 || FN == 1) {
                precise float s = 0.0;
                precise float c = 0.0;
                for (uint k = 0u; k < p.len; k++) {
                    precise float yv = BufF32(p.x).d[base + k * p.inner] - c;
                    precise float t = s + yv;
                    c = (t - s) - yv;
                    s = t;
                }
                BufF32(p.y).d[o] = FN == 1 ? s / float(p.len) : s;
            } else {
                float acc = init();
                for (uint k = 0u; k < p.len; k++) acc = combine(acc, BufF32(p.x).d[base + k * p.inner]);
                BufF32(p.y).d[o] = acc;
            }
        }
    }
}
