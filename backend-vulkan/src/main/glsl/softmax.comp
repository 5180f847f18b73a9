#version 460
//!variant sg -DUSE_SUBGROUP
// Numerically stable softmax over rows of length d, one workgroup per row.
#include "common.glsl"
#include "math.glsl"
#define WG_SIZE 256u
layout(local_size_x = 256) in;
#include "reduce.glsl"
layout(push_constant) uniform Params { uint64_t x; uint64_t y; uint rows; uint d; } p;
void main() {
    uint l = gl_LocalInvocationIndex;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        uint base = row * p.d;
        float m = -NB_INF;
        for (uint i = l; i < p.d; i += WG_SIZE) m = max(m, BufF32(p.x).d[base + i]);
        m = wg_max(m);
        float s = 0.0;
        for (uint i = l; i < p.d; i += WG_SIZE) s += exp_acc(BufF32(p.x).d[base + i] - m);
        float inv = 1.0 / wg_sum(s);
        for (uint i = l; i < p.d; i += WG_SIZE) {
            BufF32(p.y).d[base + i] = exp_acc(BufF32(p.x).d[base + i] - m) * inv;
        }
    }
}
