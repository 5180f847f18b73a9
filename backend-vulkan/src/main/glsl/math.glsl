// Accurate float transcendentals (the GLSL built-ins carry no accuracy guarantee good enough for
// the conformance tolerances on every driver), and the UnaryFn activations.

#define NB_INF uintBitsToFloat(0x7f800000u)

// The rounding error of a·b, exactly, without relying on fma (which Vulkan does not promise to fuse):
// Veltkamp splitting and Dekker's product, all of it 'precise' so no compiler reassociates it.
float two_prod_err(float a, float b, float p) {
    precise float ca = 4097.0 * a;
    precise float ah = ca - (ca - a);
    precise float al = a - ah;
    precise float cb = 4097.0 * b;
    precise float bh = cb - (cb - b);
    precise float bl = b - bh;
    precise float e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return e;
}

// |a − q·b| with q·b split exactly (a − p is exact by Sterbenz when q is within a few ulp of a/b)
float div_residual(float a, float b, float q) {
    precise float p = q * b;
    float e = two_prod_err(q, b, p);
    precise float d = (a - p) - e;
    return abs(d);
}

// a / b rounded to nearest even, as IEEE division (Vulkan allows '/' 2.5 ulp)
float div_rn(float a, float b) {
#ifdef NB_F64
    return float(double(a) / double(b));
#else
    precise float q = a / b;
    if (isnan(q) || isinf(q) || q == 0.0 || isinf(b)) {
        return q;
    }
    float best = q;
    float bestR = div_residual(a, b, q);
    uint bits = floatBitsToUint(q);
    for (int d = -2; d <= 2; d++) {
        if (d == 0) continue;
        float c = uintBitsToFloat(uint(int(bits) + d));
        float r = div_residual(a, b, c);
        if (r < bestR) {
            best = c;
            bestR = r;
        }
    }
    return best;
#endif
}

// e^x to about 1 ulp: x = n·ln2 + r, |r| <= ln2/2, Taylor to degree 7, scaled by 2^n in two steps
float exp_acc(float x) {
    if (isnan(x)) {
        return x;
    }
    if (x > 88.72283935546875) {
        return NB_INF;
    }
    if (x < -103.972084045410) {
        return 0.0;
    }
    float n = roundEven(x * 1.4426950408889634);
    float r = x - n * 0.693145751953125;     // ln2 high part: n·hi is exact
    r = r - n * 1.428606765330187e-06;       // ln2 low part
    float p = 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int ni = int(n);
    int n1 = ni / 2;
    int n2 = ni - n1;
    return p * uintBitsToFloat(uint(n1 + 127) << 23) * uintBitsToFloat(uint(n2 + 127) << 23);
}

// erfc(z), relative error about 4e-7 where the result is a normal float. |z| < 1: 1 ∓ z·P(z²);
// above: e^(−z²)·h(1/z)/z with h fitted on [0.1, 1] (both fits made for this file, least squares
// on Chebyshev nodes against mpmath); z² is split into a rounded part and its fma residual.
float erf_small(float a) { // erf(a) for |a| < 1
    float s = a * a;
    float p = 1.0557122323007206e-06;
    p = p * s - 1.3896336895413697e-05;
    p = p * s + 0.00011954431101912633;
    p = p * s - 0.0008542455616407096;
    p = p * s + 0.005223774816840887;
    p = p * s - 0.026866130530834198;
    p = p * s + 0.11283791065216064;
    p = p * s - 0.37612637877464294;
    p = p * s + 1.128379225730896;
    return a * p;
}

// h(t) = z·e^(z²)·erfc(z) at t = 1/z, fitted on t in [0.1, 1] (z in [1, 10])
float erfc_h(float t) {
    float h = -0.04480389505624771;
    h = h * t + 0.21680748462677002;
    h = h * t - 0.35930460691452026;
    h = h * t + 0.04057278111577034;
    h = h * t + 0.7280293107032776;
    h = h * t - 1.193063735961914;
    h = h * t + 0.8313813209533691;
    h = h * t - 0.08376718312501907;
    h = h * t - 0.27177926898002625;
    h = h * t - 0.0006980277830734849;
    h = h * t + 0.5642094016075134;
    return h;
}

// erfc(a) for a >= 1 given a² as hi + lo (lo: the rounding residual of hi)
float erfc_tail_sq(float a, float zz, float lo) {
    if (a >= 9.2) {
        return 0.0;
    }
    float t = 1.0 / a;
    return exp_acc(-zz) * (1.0 - lo) * erfc_h(t) * t;
}

float erfc_tail(float a) { // erfc(a) for a >= 1
    precise float zz = a * a;
    return erfc_tail_sq(a, zz, two_prod_err(a, a, zz));
}

float erfc_acc(float z) {
    if (isnan(z)) {
        return z;
    }
    float a = abs(z);
    if (a < 1.0) {
        float e = erf_small(a);
        return z < 0.0 ? 1.0 + e : 1.0 - e;
    }
    float r = erfc_tail(a);
    return z < 0.0 ? 2.0 - r : r;
}

float erf_acc(float z) {
    float a = abs(z);
    float r = a < 1.0 ? erf_small(a) : 1.0 - erfc_tail(a);
    return z < 0.0 ? -r : r;
}

// σ(hi + lo) for a small correction lo (an argument known more precisely than one float)
float sigmoid2_acc(float hi, float lo) {
    if (hi >= 0.0) {
        return 1.0 / (1.0 + exp_acc(-hi) * (1.0 - lo));
    }
    float e = exp_acc(hi) * (1.0 + lo);
    return e / (1.0 + e);
}

float sigmoid_acc(float x) {
    if (x >= 0.0) {
        return 1.0 / (1.0 + exp_acc(-x));
    }
    float e = exp_acc(x);
    return e / (1.0 + e);
}

// e^x − 1 without cancellation near 0: Taylor to degree 9 below |x| = 0.35
float expm1_acc(float x) {
    if (abs(x) >= 0.35) {
        return exp_acc(x) - 1.0;
    }
    float p = 1.0 / 362880.0;
    p = p * x + 1.0 / 40320.0;
    p = p * x + 1.0 / 5040.0;
    p = p * x + 1.0 / 720.0;
    p = p * x + 1.0 / 120.0;
    p = p * x + 1.0 / 24.0;
    p = p * x + 1.0 / 6.0;
    p = p * x + 0.5;
    return x + x * x * p;
}

float tanh_acc(float x) {
    float a = abs(x);
    float r;
    if (a < 0.175) {
        float e = expm1_acc(2.0 * a);
        r = e / (e + 2.0);
    } else if (a > 9.1) {
        r = 1.0;
    } else {
        r = 1.0 - 2.0 / (exp_acc(2.0 * a) + 1.0);
    }
    return x < 0.0 ? -r : (isnan(x) ? x : r);
}

// exact GELU x·Φ(x) = x/2 · erfc(−x/√2); in the negative tail z² = x²/2 comes from an exact split
// of x², so the rounding of −x/√2 is not amplified by e^(−z²)
float gelu_acc(float x) {
    if (x >= -1.4142135623730951 || isnan(x)) {
        return 0.5 * x * erfc_acc(-x * 0.7071067811865476);
    }
    precise float xx = x * x;
    float lo = two_prod_err(x, x, xx);
    return 0.5 * x * erfc_tail_sq(-x * 0.7071067811865476, 0.5 * xx, 0.5 * lo);
}

// x·σ(1.702·x) with the product's rounding (and 1.702's) carried as a correction
float quick_gelu_acc(float x) {
    precise float hi = 1.702 * x;
    float lo = two_prod_err(1.702, x, hi) - 2.1934509277e-8 * x;
    return x * sigmoid2_acc(hi, lo);
}

// the UnaryFn ordinals: IDENTITY, GELU, GELU_TANH, QUICK_GELU, SILU, RELU, SIGMOID, TANH, EXP
float act(int fn, float x) {
    switch (fn) {
        case 1: return gelu_acc(x);
        case 2: return x * sigmoid_acc(1.5957691216057308 * (x + 0.044715 * x * x * x)); // 1 + tanh(u) = 2σ(2u)
        case 3: return quick_gelu_acc(x);
        case 4: return x * sigmoid_acc(x);
        case 5: return x > 0.0 ? x : (isnan(x) ? x : 0.0);
        case 6: return sigmoid_acc(x);
        case 7: return tanh_acc(x);
        case 8: return exp_acc(x);
        default: return x;
    }
}

// sin and cos of x to about 1 ulp for |x| up to ~1e5: Cody–Waite reduction by π/2 in three parts
// (the first two with 12 significant bits, so n·C1 and n·C2 are exact), Taylor polynomials on |r| <= π/4
void sincos_acc(float x, out float s, out float c) {
    float n = roundEven(x * 0.6366197466850281);
    float r = x - n * 1.5703125;
    r = r - n * 0.0004837512969970703;
    r = r - n * 7.549790126404332e-08;
    float r2 = r * r;
    float sp = 1.0 / 362880.0;
    sp = sp * r2 - 1.0 / 5040.0;
    sp = sp * r2 + 1.0 / 120.0;
    sp = sp * r2 - 1.0 / 6.0;
    sp = r + r * r2 * sp;
    float cp = -1.0 / 3628800.0;
    cp = cp * r2 + 1.0 / 40320.0;
    cp = cp * r2 - 1.0 / 720.0;
    cp = cp * r2 + 1.0 / 24.0;
    cp = cp * r2 - 0.5;
    cp = 1.0 + r2 * cp;
    int q = int(n) & 3;
    if (q == 0) {
        s = sp; c = cp;
    } else if (q == 1) {
        s = cp; c = -sp;
    } else if (q == 2) {
        s = -sp; c = -cp;
    } else {
        s = -cp; c = sp;
    }
}
