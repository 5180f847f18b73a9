#version 460
// Element-wise F32: a UnaryFn (mode = its ordinal), Affine (mode 100: x·a + b) or Clamp (mode 101).
#include "common.glsl"
#include "math.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params { uint64_t x; uint64_t y; uint n; int mode; float a; float b; } p;
void main() {
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        float v = BufF32(p.x).d[i];
        float r;
        if (p.mode == 100) {
            r = fma(v, p.a, p.b);
        } else if (p.mode == 101) {
            r = isnan(v) ? v : min(max(v, p.a), p.b);
        } else {
            r = act(p.mode, v);
        }
        BufF32(p.y).d[i] = r;
    }
}
