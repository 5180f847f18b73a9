#version 460
// Nearest-neighbour 2x upsampling of [planes, H, W] (bit-exact).
#include "common.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params { uint64_t src; uint64_t dst; uint planes; uint h; uint w; } p;
void main() {
    uint ow = 2u * p.w;
    uint n = p.planes * 4u * p.h * p.w;
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
        uint ox = i % ow;
        uint t = i / ow;
        uint oy = t % (2u * p.h);
        uint pl = t / (2u * p.h);
        BufU32(p.dst).d[i] = BufU32(p.src).d[(pl * p.h + oy / 2u) * p.w + ox / 2u];
    }
}
