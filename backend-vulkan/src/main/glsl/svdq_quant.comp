#version 460
//!variant f64 -DNB_F64
// SvdqLinear, pass 1 (DESIGN.md §3): one workgroup per row of x reads the row once, in chunks of CH
// values (a multiple of both G and 8) through shared memory, and produces
//   sx[m, g] = max|x̂| / 7 over each group of G of x̂ = x / smooth  (float32, as the reference),
//   qx[m, :]  = clamp(roundEven(x̂ / sx), −8, 7), packed 8 nibbles per word (k = 8w + i in nibble i),
//   t[m, :]   = x[m, :] · proj_down     (the low-rank branch's down-projection, fused: same read of x).
// The three divisions must round exactly as the reference's float32 ones (a code that flips at a .5
// step changes y by a whole scale step), and Vulkan promises only 2.5 ulp for '/' (drivers turn
// x / 7 into x · (1/7)): div_rn is exact — through float64 in the "_f64" variant (devices with
// shaderFloat64), else by choosing among the quotient's neighbours the one with the least exact residual.
#include "common.glsl"
#ifdef NB_F64
#extension GL_EXT_shader_explicit_arithmetic_types_float64 : require
#endif
#include "math.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 0) const uint CH = 256u;  // chunk length
layout(constant_id = 1) const uint G = 64u;    // group size
layout(constant_id = 2) const uint JQ = 1u;    // ceil(rank / 32)
layout(push_constant) uniform Params {
    uint64_t x; uint64_t smoothF; uint64_t down; uint64_t qx; uint64_t sx; uint64_t t;
    uint M; uint K; uint Kp; uint r; uint KW; int sdt; int ddt; // dtypes of smooth_factor and proj_down
} p;
#define SDT p.sdt
#define DDT p.ddt

shared float xs[CH];
shared float xh[CH];
shared float sxs[CH / G];
shared float tred[8u * 32u * JQ];

int quant(float v, float s) {
    if (s == 0.0) return 0;
    float q = roundEven(div_rn(v, s));
    return int(clamp(q, -8.0, 7.0));
}

void main() {
    uint l = gl_LocalInvocationIndex;
    uint jl = l % 32u, part = l / 32u;
    uint groups = p.Kp / G;
    for (uint row = gl_WorkGroupID.x; row < p.M; row += gl_NumWorkGroups.x) {
        float tacc[JQ];
        for (uint q = 0u; q < JQ; q++) tacc[q] = 0.0;
        for (uint c0 = 0u; c0 < p.Kp; c0 += CH) {
            barrier();
            for (uint e = l; e < CH; e += 256u) {
                uint k = c0 + e;
                float xv = 0.0, hv = 0.0;
                if (k < p.K) {
                    xv = BufF32(p.x).d[row * p.K + k];
                    hv = div_rn(xv, load_f(p.smoothF, k, SDT));
                }
                xs[e] = xv;
                xh[e] = hv;
            }
            barrier();
            for (uint gl = l; gl < CH / G; gl += 256u) {
                float amax = 0.0;
                for (uint e = gl * G; e < (gl + 1u) * G; e++) amax = max(amax, abs(xh[e]));
                float s = div_rn(amax, 7.0);
                sxs[gl] = s;
                uint gi = c0 / G + gl;
                if (gi < groups) BufF32(p.sx).d[row * groups + gi] = s;
            }
            barrier();
            for (uint w = l; w < CH / 8u; w += 256u) {
                uint gw = c0 / 8u + w;
                if (gw < p.KW) {
                    uint word = 0u;
                    for (uint i = 0u; i < 8u; i++) {
                        uint e = 8u * w + i;
                        word |= (uint(quant(xh[e], sxs[e / G])) & 0xfu) << (4u * i);
                    }
                    BufU32(p.qx).d[row * p.KW + gw] = word;
                }
            }
            uint lim = min(CH, p.K > c0 ? p.K - c0 : 0u);
            for (uint e = part; e < lim; e += 8u) {
                float xv = xs[e];
                uint drow = (c0 + e) * p.r;
                for (uint q = 0u; q < JQ; q++) {
                    uint j = jl + 32u * q;
                    if (j < p.r) tacc[q] = fma(xv, load_f(p.down, drow + j, DDT), tacc[q]);
                }
            }
        }
        for (uint q = 0u; q < JQ; q++) tred[(part * JQ + q) * 32u + jl] = tacc[q];
        barrier();
        if (part == 0u) {
            for (uint q = 0u; q < JQ; q++) {
                uint j = jl + 32u * q;
                if (j < p.r) {
                    float s = 0.0;
                    for (uint pp = 0u; pp < 8u; pp++) s += tred[(pp * JQ + q) * 32u + jl];
                    BufF32(p.t).d[row * p.r + j] = s;
                }
            }
        }
        barrier();
    }
}
