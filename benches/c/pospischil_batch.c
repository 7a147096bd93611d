/*
 * The C reference of hh-sbi's batch simulator on the Pospischil model, measured beside it by
 * `cargo bench --bench batch` (benches/build.rs compiles it with -O3 -march=native).
 *
 * Gonçalves et al. (2020)'s model and protocol: sodium (m^3 h), delayed rectifier (n^4),
 * M-current (p) and leak, exponential Euler in the published simulator's staggered order (V
 * first, exactly over the step for the old gates' conductances; then every gate relaxed at the
 * new V), 120 ms at dt 0.01 ms, 3.248 uA/cm2 on steps 1000..11000, no noise. All seven of the
 * paper's parameters (g_Na, g_K, g_leak, g_M, tau_max, V_T, E_leak) are per-lane values, as in
 * an SBI batch. Written as a careful C programmer writes a batch kernel: GCC vector types
 * across traces (8 f64 or 16 f32 lanes), the branch-free polynomial exp of hh-model's
 * fast_exp, exponentials shared where the rates allow (one exp((V - V_T)/40) gives the four
 * sodium and potassium rates that are not exp((17 - V + V_T)/18)), the removable 0/0 of efun
 * by selects, and the spike count (upward crossings of -20 mV, re-armed 20 mV below) fused
 * into the step loop.
 *
 * pospischil_ref_f64(theta, n, spikes) and pospischil_ref_f32(...) simulate n traces (theta:
 * n rows of the 7 parameters; the last group padded with the first row) and write each
 * trace's spike count.
 */
#include <stddef.h>
#include <stdint.h>

#define STEPS 12000
#define ON 1000
#define OFF 11000
#define NPAR 7

typedef double vd __attribute__((vector_size(64)));
typedef int64_t vld __attribute__((vector_size(64)));
typedef float vf __attribute__((vector_size(64)));
typedef int32_t vlf __attribute__((vector_size(64)));

#define DEFINE(SUF, T, V, I, L, MAGIC, LOG2E, LN2HI, LN2LO, CLAMP, BIAS, MANT, SERIES_BELOW)     \
    static inline V psel_##SUF(I m, V a, V b) { return (V)(((I)a & m) | ((I)b & ~m)); }         \
    static inline V pabs_##SUF(V x) { return psel_##SUF(x < (T)0, -x, x); }                     \
    static inline V pexp_##SUF(V x, const T *c, int nc) {                                       \
        V zero = {0}, lo = zero - (T)CLAMP, hi = zero + (T)CLAMP;                               \
        x = psel_##SUF(x < lo, lo, x);                                                          \
        x = psel_##SUF(x > hi, hi, x);                                                          \
        V t = x * (T)LOG2E + (T)MAGIC;                                                          \
        V n = t - (T)MAGIC;                                                                     \
        V r = (x - n * (T)LN2HI) - n * (T)LN2LO;                                                \
        V p = zero + c[0];                                                                      \
        for (int i = 1; i < nc; i++) p = p * r + c[i];                                          \
        V scale = (V)(((I)t + BIAS) << MANT);                                                   \
        return p * scale;                                                                       \
    }                                                                                           \
    /* z / (e^z - 1) given e^z, its series 1 - z/2 + z^2/12 near 0. */                          \
    static inline V efun_##SUF(V z, V ez) {                                                     \
        V series = (T)1 - z * ((T)0.5 - z / (T)12);                                             \
        return psel_##SUF(pabs_##SUF(z) < (T)SERIES_BELOW, series, z / (ez - (T)1));            \
    }                                                                                           \
    /* x relaxed towards a/(a + b) over dt. */                                                  \
    static inline V relax_##SUF(V x, V a, V b, T dt, const T *c, int nc) {                      \
        V k = a + b, inf = a / k;                                                               \
        return inf + (x - inf) * pexp_##SUF(-dt * k, c, nc);                                    \
    }                                                                                           \
    static void pgroup_##SUF(const T *th, uint32_t *spikes, const T *c, int nc) {               \
        V p[NPAR] = {{0}};                                                                      \
        for (int j = 0; j < NPAR; j++)                                                          \
            for (int k = 0; k < L; k++) p[j][k] = th[k * NPAR + j];                             \
        V gna = p[0], gk = p[1], gl = p[2], gm = p[3], tmax = p[4], vt = p[5], el = p[6];       \
        const T dt = (T)0.01, ena = (T)53, ek = (T)-107, amp = (T)3.2480600630999046;           \
        V zero = {0}, one = zero + (T)1;                                                        \
        V v = zero - (T)70, m, h, n, q;                                                         \
        /* Gates at steady state at V0 (rates as in the loop). */                               \
        {                                                                                       \
            V v1 = v - vt, g = pexp_##SUF(v1 * (T)(1.0 / 40.0), c, nc);                         \
            V g2 = g * g, g4 = g2 * g2, g8 = g4 * g4;                                           \
            V zm = ((T)13 - v1) * (T)0.25, zb = (v1 - (T)40) * (T)0.2;                          \
            V ezb = (T)3.3546262790251185e-4 * g8, zn = ((T)15 - v1) * (T)0.2;                  \
            V am = (T)1.28 * efun_##SUF(zm, (T)25.790339917193062 / (g8 * g2));                 \
            V bm = (T)1.4 * efun_##SUF(zb, ezb);                                                \
            V ah = (T)0.128 * pexp_##SUF(((T)17 - v1) * (T)(1.0 / 18.0), c, nc);                \
            V bh = (T)4 * ezb / (ezb + (T)1);                                                   \
            V an = (T)0.16 * efun_##SUF(zn, (T)20.085536923187668 / g8);                        \
            V bn = (T)0.6420127083438707 / g;                                                   \
            V e = pexp_##SUF((v + (T)35) * (T)0.05, c, nc), e2 = e * e;                         \
            m = am / (am + bm);                                                                 \
            h = ah / (ah + bh);                                                                 \
            n = an / (an + bn);                                                                 \
            q = e2 / (e2 + (T)1);                                                               \
        }                                                                                       \
        V cnt = zero, above = zero;                                                             \
        for (int s = 0; s < STEPS; s++) {                                                       \
            V stim = zero + ((s >= ON && s < OFF) ? amp : (T)0);                                \
            V n2 = n * n;                                                                       \
            V gn = m * m * m * gna * h, gkd = n2 * n2 * gk, gmq = gm * q;                       \
            V gsum = gn + gkd + gl + gmq;                                                       \
            V vinf = (gn * ena + gkd * ek + gl * el + gmq * ek + stim) / gsum;                  \
            v = vinf + (v - vinf) * pexp_##SUF(-dt * gsum, c, nc);                              \
            V v1 = v - vt, g = pexp_##SUF(v1 * (T)(1.0 / 40.0), c, nc);                         \
            V g2 = g * g, g4 = g2 * g2, g8 = g4 * g4;                                           \
            V zm = ((T)13 - v1) * (T)0.25, zb = (v1 - (T)40) * (T)0.2;                          \
            V ezb = (T)3.3546262790251185e-4 * g8, zn = ((T)15 - v1) * (T)0.2;                  \
            V am = (T)1.28 * efun_##SUF(zm, (T)25.790339917193062 / (g8 * g2));                 \
            V bm = (T)1.4 * efun_##SUF(zb, ezb);                                                \
            V ah = (T)0.128 * pexp_##SUF(((T)17 - v1) * (T)(1.0 / 18.0), c, nc);                \
            V bh = (T)4 * ezb / (ezb + (T)1);                                                   \
            V an = (T)0.16 * efun_##SUF(zn, (T)20.085536923187668 / g8);                        \
            V bn = (T)0.6420127083438707 / g;                                                   \
            V e = pexp_##SUF((v + (T)35) * (T)0.05, c, nc), e2 = e * e;                         \
            V qinf = e2 / (e2 + (T)1), tau = tmax * e / ((T)3.3 * e2 + (T)1);                  \
            m = relax_##SUF(m, am, bm, dt, c, nc);                                              \
            h = relax_##SUF(h, ah, bh, dt, c, nc);                                              \
            n = relax_##SUF(n, an, bn, dt, c, nc);                                              \
            q = qinf + (q - qinf) * pexp_##SUF(-dt / tau, c, nc);                               \
            V up = psel_##SUF(v >= (T)-20, one, zero);                                          \
            V hold = psel_##SUF(v >= (T)-40, above, zero);                                      \
            cnt = cnt + up * ((T)1 - above);                                                    \
            above = psel_##SUF(up > hold, up, hold);                                            \
        }                                                                                       \
        for (int k = 0; k < L; k++) spikes[k] = (uint32_t)cnt[k];                               \
    }                                                                                           \
    void pospischil_ref_##SUF(const double *theta, size_t count, uint32_t *spikes) {            \
        for (size_t i = 0; i < count; i += L) {                                                 \
            T th[L * NPAR];                                                                     \
            uint32_t out[L];                                                                    \
            for (int k = 0; k < L; k++) {                                                       \
                size_t row = i + k < count ? i + k : 0;                                         \
                for (int j = 0; j < NPAR; j++) th[k * NPAR + j] = (T)theta[row * NPAR + j];     \
            }                                                                                   \
            pgroup_##SUF(th, out, PCOEFFS_##SUF, sizeof(PCOEFFS_##SUF) / sizeof(T));            \
            for (int k = 0; k < L && i + k < count; k++) spikes[i + k] = out[k];                \
        }                                                                                       \
    }

/* 1/k! for k = 13 (f64) or 7 (f32) down to 0. */
static const double PCOEFFS_f64[] = {
    1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
    1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
static const float PCOEFFS_f32[] = {1.0f / 5040.0f, 1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f,
                                    1.0f / 6.0f, 0.5f, 1.0f, 1.0f};

DEFINE(f64, double, vd, vld, 8, 6755399441055744.0, 1.4426950408889634, 0.6931471803691238,
       1.9082149292705877e-10, 700.0, 1023, 52, 1e-4)
DEFINE(f32, float, vf, vlf, 16, 12582912.0f, 1.44269504f, 0.6933594f, -2.1219444e-4f, 87.0f, 127,
       23, 0.1f)
