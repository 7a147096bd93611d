/*
 * The C reference of hh-sbi's batch simulator, measured beside it by `cargo bench --bench
 * batch` (benches/build.rs compiles it with -O3 -march=native).
 *
 * The notebook protocol (classic HH, forward Euler in pyHH's order, 200 ms at dt 0.01 ms,
 * pulse 70-130 ms, v_rest 0, no noise) for many amplitudes at once, written the way a careful
 * C programmer writes a batch kernel: GCC vector types across traces (8 f64 or 16 f32 lanes:
 * one AVX-512 register, or two AVX2 ones), a branch-free polynomial exp (the Cody-Waite
 * reduction and Taylor polynomial of hh-model's fast_exp), the removable singularities of
 * alpha_m and alpha_n and the clamps by bit selects, and the spike count (upward crossings of
 * 50 mV, re-armed 20 mV below) fused into the step loop.
 *
 * hh_ref_f64(amps, n, spikes) and hh_ref_f32(...) simulate n traces (the last group padded)
 * and write each trace's spike count.
 */
#include <stddef.h>
#include <stdint.h>

#define STEPS 20000
#define ON 7000
#define OFF 13000

typedef double vd __attribute__((vector_size(64)));
typedef int64_t vld __attribute__((vector_size(64)));
typedef float vf __attribute__((vector_size(64)));
typedef int32_t vlf __attribute__((vector_size(64)));

#define DEFINE(SUF, T, V, I, L, MAGIC, LOG2E, LN2HI, LN2LO, CLAMP, BIAS, MANT, SERIES_BELOW)     \
    static inline V sel_##SUF(I m, V a, V b) { return (V)(((I)a & m) | ((I)b & ~m)); }          \
    static inline V abs_##SUF(V x) { return sel_##SUF(x < (T)0, -x, x); }                       \
    static inline V exp_##SUF(V x, const T *c, int nc) {                                        \
        V zero = {0}, lo = zero - (T)CLAMP, hi = zero + (T)CLAMP;                               \
        x = sel_##SUF(x < lo, lo, x);                                                           \
        x = sel_##SUF(x > hi, hi, x);                                                           \
        V t = x * (T)LOG2E + (T)MAGIC;                                                          \
        V n = t - (T)MAGIC;                                                                     \
        V r = (x - n * (T)LN2HI) - n * (T)LN2LO;                                                \
        V p = zero + c[0];                                                                      \
        for (int i = 1; i < nc; i++) p = p * r + c[i];                                          \
        V scale = (V)(((I)t + BIAS) << MANT);                                                   \
        return p * scale;                                                                       \
    }                                                                                           \
    static void group_##SUF(const T *amp, uint32_t *spikes, const T *c, int nc) {               \
        V v = {0}, m = v + (T)0.052932485257250, h = v + (T)0.596120753508460;                  \
        V n = v + (T)0.317676914060697, cnt = v, above = v, a;                                  \
        for (int k = 0; k < L; k++) a[k] = amp[k];                                              \
        const T dt = (T)0.01;                                                                   \
        for (int s = 0; s < STEPS; s++) {                                                       \
            V stim = (s >= ON && s < OFF) ? a : (V){0};                                         \
            V e80 = exp_##SUF(v * (T)(-1.0 / 80.0), c, nc);                                     \
            V e40 = e80 * e80, e20 = e40 * e40, e10 = e20 * e20;                                \
            V e18 = exp_##SUF(v * (T)(-1.0 / 18.0), c, nc);                                     \
            V um = ((T)25 - v) * (T)0.1, un = ((T)10 - v) * (T)0.1;                             \
            V dm = um / ((T)12.182493960703473 * e10 - (T)1);                                   \
            V dn = un / ((T)2.718281828459045 * e10 - (T)1);                                    \
            V sm = (T)1 - um * ((T)0.5 - um / (T)12), sn = (T)1 - un * ((T)0.5 - un / (T)12);   \
            V am = sel_##SUF(abs_##SUF(um) < (T)SERIES_BELOW, sm, dm);                          \
            V an = (T)0.1 * sel_##SUF(abs_##SUF(un) < (T)SERIES_BELOW, sn, dn);                 \
            V bm = (T)4 * e18, ah = (T)0.07 * e20;                                              \
            V bh = (T)1 / ((T)20.085536923187668 * e10 + (T)1), bn = (T)0.125 * e80;            \
            V n2 = n * n;                                                                       \
            V iion = m * m * m * (T)120 * h * (v - (T)115) + n2 * n2 * (T)36 * (v + (T)12) +    \
                     (T)0.3 * (v - (T)10.6);                                                    \
            V vn = v + dt * (stim - iion);                                                      \
            n = n + dt * (an * ((T)1 - n) - bn * n);                                            \
            m = m + dt * (am * ((T)1 - m) - bm * m);                                            \
            h = h + dt * (ah * ((T)1 - h) - bh * h);                                            \
            v = vn;                                                                             \
            V zero = {0}, one = zero + (T)1;                                                    \
            V up = sel_##SUF(v >= (T)50, one, zero);                                            \
            V hold = sel_##SUF(v >= (T)30, above, zero);                                        \
            cnt = cnt + up * ((T)1 - above);                                                    \
            above = sel_##SUF(up > hold, up, hold);                                             \
        }                                                                                       \
        for (int k = 0; k < L; k++) spikes[k] = (uint32_t)cnt[k];                               \
    }                                                                                           \
    void hh_ref_##SUF(const double *amps, size_t count, uint32_t *spikes) {                     \
        for (size_t i = 0; i < count; i += L) {                                                 \
            T amp[L];                                                                           \
            uint32_t out[L];                                                                    \
            for (int k = 0; k < L; k++) amp[k] = (T)(i + k < count ? amps[i + k] : 0.0);        \
            group_##SUF(amp, out, COEFFS_##SUF, sizeof(COEFFS_##SUF) / sizeof(T));              \
            for (int k = 0; k < L && i + k < count; k++) spikes[i + k] = out[k];                \
        }                                                                                       \
    }

/* 1/k! for k = 13 (f64) or 7 (f32) down to 0. */
static const double COEFFS_f64[] = {
    1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
    1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0};
static const float COEFFS_f32[] = {1.0f / 5040.0f, 1.0f / 720.0f, 1.0f / 120.0f, 1.0f / 24.0f,
                                   1.0f / 6.0f, 0.5f, 1.0f, 1.0f};

DEFINE(f64, double, vd, vld, 8, 6755399441055744.0, 1.4426950408889634, 0.6931471803691238,
       1.9082149292705877e-10, 700.0, 1023, 52, 1e-4)
DEFINE(f32, float, vf, vlf, 16, 12582912.0f, 1.44269504f, 0.6933594f, -2.1219444e-4f, 87.0f, 127,
       23, 0.1f)
