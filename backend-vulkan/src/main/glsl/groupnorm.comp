#version 460
//!variant sg -DUSE_SUBGROUP
// GroupNorm: one workgroup per (batch, group) — a contiguous run of len = (C/groups)·spatial values;
// two-pass mean and biased variance, then (x − mean)·rsqrt(var + eps)·w[c] + b[c].
#include "common.glsl"
#define WG_SIZE 256u
layout(local_size_x = 256) in;
#include "reduce.glsl"
layout(push_constant) uniform Params {
    uint64_t x; uint64_t w; uint64_t b; uint64_t y; uint count; uint len; uint spatial; uint per; uint groups; float eps;
    int wdt; int bdt; // wdt -1: not affine
} p;
void main() {
    uint l = gl_LocalInvocationIndex;
    for (uint gi = gl_WorkGroupID.x; gi < p.count; gi += gl_NumWorkGroups.x) {
        uint base = gi * p.len;
        uint g = gi % p.groups;
        float s = 0.0;
        for (uint i = l; i < p.len; i += WG_SIZE) s += BufF32(p.x).d[base + i];
        float mean = wg_sum(s) / float(p.len);
        float v = 0.0;
        for (uint i = l; i < p.len; i += WG_SIZE) {
            float d = BufF32(p.x).d[base + i] - mean;
            v = fma(d, d, v);
        }
        float var = wg_sum(v) / float(p.len);
        float inv = 1.0 / sqrt(var + p.eps);
        for (uint i = l; i < p.len; i += WG_SIZE) {
            float r = (BufF32(p.x).d[base + i] - mean) * inv;
            if (p.wdt >= 0) {
                uint ch = g * p.per + i / p.spatial;
                r = fma(r, load_f(p.w, ch, p.wdt), load_f(p.b, ch, p.bdt));
            }
            BufF32(p.y).d[base + i] = r;
        }
    }
}
