#version 460
// GEGLU: y[r, j] = x[r, j] · gelu(x[r, n + j]) over rows of 2n.
#include "common.glsl"
#include "math.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params { uint64_t x; uint64_t y; uint rows; uint n; } p;
void main() {
    uint total = p.rows * p.n;
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < total; i += stride) {
        uint r = i / p.n, j = i - (i / p.n) * p.n;
        uint base = r * 2u * p.n;
        BufF32(p.y).d[i] = BufF32(p.x).d[base + j] * gelu_acc(BufF32(p.x).d[base + p.n + j]);
    }
}
