#version 460
// diffusers get_timestep_embedding: y[b, j] = sin/cos(scale·(t[b]·freq[j])) in halves (cos first when
// FLIP), a zero column for odd dims. freq is computed on the host exactly as the reference does.
#include "common.glsl"
#include "math.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params { uint64_t t; uint64_t freq; uint64_t y; uint batch; uint dim; uint halfD; float scale; int flip; } p;
void main() {
    uint total = p.batch * p.dim;
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint e = gl_GlobalInvocationID.x; e < total; e += stride) {
        uint b = e / p.dim, j = e - (e / p.dim) * p.dim;
        float r = 0.0;
        if (j < 2u * p.halfD) {
            uint f = j < p.halfD ? j : j - p.halfD;
            precise float tf = BufF32(p.t).d[b] * BufF32(p.freq).d[f];
            precise float arg = p.scale * tf;
            float s, c;
            sincos_acc(arg, s, c);
            bool first = j < p.halfD;
            r = (first != (p.flip != 0)) ? s : c;
        }
        BufF32(p.y).d[e] = r;
    }
}
