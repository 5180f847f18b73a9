#version 460
// 2-D max/average pooling of F32 [planes, H, W] -> [planes, OH, OW] (PyTorch, ceil_mode=False), one
// invocation per output. fn 0 = MAX (NaN-propagating; padded positions never take part), 1 = AVG
// over a compensated (Kahan) sum, divided by kh*kw when countPad is set, else by the in-bounds count.
#include "common.glsl"
layout(local_size_x = 256) in;
layout(push_constant) uniform Params {
    uint64_t src; uint64_t dst; uint planes; uint h; uint w; uint oh; uint ow;
    uint kh; uint kw; uint sh; uint sw; uint ph; uint pw; int fn; int countPad;
} p;

#define INF uintBitsToFloat(0x7f800000u)

void main() {
    uint n = p.planes * p.oh * p.ow;
    uint stride = gl_NumWorkGroups.x * 256u;
    for (uint o = gl_GlobalInvocationID.x; o < n; o += stride) {
        uint ox = o % p.ow;
        uint t = o / p.ow;
        uint oy = t % p.oh;
        uint pl = t / p.oh;
        // clip the window to the input once, so the loops below never test bounds
        int y0 = int(oy * p.sh) - int(p.ph);
        int x0 = int(ox * p.sw) - int(p.pw);
        uint ya = uint(max(y0, 0)), yb = uint(min(y0 + int(p.kh), int(p.h)));
        uint xa = uint(max(x0, 0)), xb = uint(min(x0 + int(p.kw), int(p.w)));
        uint base = pl * p.h * p.w;
        float r;
        if (p.fn == 0) {
            r = -INF;
            for (uint iy = ya; iy < yb; iy++) {
                for (uint ix = xa; ix < xb; ix++) {
                    float v = BufF32(p.src).d[base + iy * p.w + ix];
                    r = (isnan(v) || v > r) ? v : r;
                }
            }
        } else {
            // Kahan: the reference sums in double, so keep the float sum's error well under the tolerance
            precise float s = 0.0;
            precise float c = 0.0;
            for (uint iy = ya; iy < yb; iy++) {
                for (uint ix = xa; ix < xb; ix++) {
                    precise float yv = BufF32(p.src).d[base + iy * p.w + ix] - c;
                    precise float st = s + yv;
                    c = (st - s) - yv;
                    s = st;
                }
            }
            uint count = p.countPad != 0 ? p.kh * p.kw : (yb - ya) * (xb - xa);
            r = s / float(count);
        }
        BufF32(p.dst).d[o] = r;
    }
}
