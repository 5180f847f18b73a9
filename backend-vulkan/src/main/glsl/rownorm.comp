#version 460
//!variant sg -DUSE_SUBGROUP
// LayerNorm (rms = 0: two-pass mean/variance) or RmsNorm (rms = 1) over rows of length d; one
// workgroup per row. Optional weight (wdt >= 0) and bias (bdt >= 0) of any float type.
#include "common.glsl"
#define WG_SIZE 256u
layout(local_size_x = 256) in;
#include "reduce.glsl"
layout(push_constant) uniform Params { uint64_t x; uint64_t w; uint64_t b; uint64_t y; uint rows; uint d; float eps; int rms; int wdt; int bdt; } p;
void main() {
    uint l = gl_LocalInvocationIndex;
    for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
        uint base = row * p.d;
        float mean = 0.0;
        if (p.rms == 0) {
            float s = 0.0;
            for (uint i = l; i < p.d; i += WG_SIZE) s += BufF32(p.x).d[base + i];
            mean = wg_sum(s) / float(p.d);
        }
        float v = 0.0;
        for (uint i = l; i < p.d; i += WG_SIZE) {
            float t = BufF32(p.x).d[base + i] - mean;
            v = fma(t, t, v);
        }
        float inv = 1.0 / sqrt(wg_sum(v) / float(p.d) + p.eps);
        for (uint i = l; i < p.d; i += WG_SIZE) {
            float r = (BufF32(p.x).d[base + i] - mean) * inv;
            if (p.wdt >= 0) r *= load_f(p.w, i, p.wdt);
            if (p.bdt >= 0) r += load_f(p.b, i, p.bdt);
            BufF32(p.y).d[base + i] = r;
        }
    }
}
