#version 460
// FLUX rotary embedding on interleaved pairs of x [BH, L, D] with tables cos/sin [L, D].
#include "common.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params { uint64_t x; uint64_t c; uint64_t s; uint64_t y; uint pairs; uint L; uint D; } p;
void main() {
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < p.pairs; i += stride) {
        uint e = 2u * i;                  // flat index of the even element
        uint t = (e / p.D) % p.L * p.D + e % p.D; // its table index
        float x0 = BufF32(p.x).d[e], x1 = BufF32(p.x).d[e + 1u];
        BufF32(p.y).d[e] = fma(x0, BufF32(p.c).d[t], -x1 * BufF32(p.s).d[t]);
        BufF32(p.y).d[e + 1u] = fma(x1, BufF32(p.c).d[t + 1u], x0 * BufF32(p.s).d[t + 1u]);
    }
}
