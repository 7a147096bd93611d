//! [`Dense`]: one dense layer on the host, in f64 from f32 weights — the building block of the
//! trained networks (the MDN, the flows' conditioners, the C2ST classifier) outside burn.
//! Inference needs no tensor backend: each call is a small dense forward pass.

use multiversion::multiversion;
use serde::{Deserialize, Serialize};

/// The largest weight magnitude a saved network may hold (10⁶): training moves a weight by
/// about the learning rate (10⁻³) per step, so trained networks stay orders of magnitude
/// below; a larger one is an edited file whose density would collapse to a point.
pub(crate) const MAX_WEIGHT: f32 = 1e6;

use crate::error::{Error, Result};

/// `out += Σᵢ xᵢ·rows[i]` for the `x.len()` rows of `out.len()` weights each: the inner loop
/// of every dense layer on the host, compiled for AVX-512 and AVX2 and chosen at run time.
/// Each output adds its terms in the order of i whatever the instruction set (no fused
/// multiply-adds, no reassociation), so results are bit-identical on every machine.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
fn axpy_rows(rows: &[f32], x: &[f64], out: &mut [f64]) {
    let n = out.len();
    for (xi, row) in x.iter().zip(rows.chunks_exact(n)) {
        for (o, w) in out.iter_mut().zip(row) {
            *o += xi * f64::from(*w);
        }
    }
}

/// `c` (m × n) += `a` (m × k) · `b` (k × n), all row-major f64: nalgebra's `gemm` on the
/// transposed (column-major) views, which runs `matrixmultiply`'s kernels once every dimension
/// exceeds 5 and its own loops below. A row's result can therefore differ in the last bits
/// between a batch of one and a larger batch; each is deterministic.
fn gemm_add(m: usize, k: usize, n: usize, a: &[f64], b: &[f64], c: &mut [f64]) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let at = nalgebra::DMatrixView::from_slice(a, k, m);
    let bt = nalgebra::DMatrixView::from_slice(b, n, k);
    let mut ct = nalgebra::DMatrixViewMut::from_slice(c, n, m);
    ct.gemm(1.0, &bt, &at, 1.0);
}

/// One dense layer, `y = x·W + b`, weights `d_in × d_out` row-major (burn's row layout).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Dense {
    pub d_in: usize,
    pub d_out: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

impl Dense {
    /// A layer with weights and biases drawn from U(−bound, bound) (PyTorch's `Linear`
    /// initialisation for bound = 1/√d_in), weights first, row by row.
    pub(crate) fn uniform<R: rand::Rng + ?Sized>(
        d_in: usize,
        d_out: usize,
        bound: f64,
        rng: &mut R,
    ) -> Self {
        use rand::RngExt;
        let mut draw = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| rng.random_range(-bound..bound) as f32)
                .collect()
        };
        let weight = draw(d_in * d_out);
        let bias = draw(d_out);
        Self {
            d_in,
            d_out,
            weight,
            bias,
        }
    }

    /// `out += Σᵢ xᵢ·W[first_row + i]`: part of the product, for inputs split in pieces.
    pub(crate) fn accumulate(&self, first_row: usize, x: &[f64], out: &mut [f64]) {
        let start = first_row * self.d_out;
        let rows = &self.weight[start..start + x.len() * self.d_out];
        axpy_rows(rows, x, out);
    }

    /// `out` (n × d_out, row-major) += `x` (n × k) · W[first_row … first_row + k]: the
    /// rows of a batch through part of the layer, as one matrix product (`w64` holds the
    /// rows of W in f64).
    pub(crate) fn accumulate_rows(
        &self,
        first_row: usize,
        x: &[f64],
        out: &mut [f64],
        w64: &mut Vec<f64>,
    ) {
        let n = out.len() / self.d_out;
        if n == 0 {
            return;
        }
        let k = x.len() / n;
        let start = first_row * self.d_out;
        w64.clear();
        w64.extend(
            self.weight[start..start + k * self.d_out]
                .iter()
                .map(|w| f64::from(*w)),
        );
        gemm_add(n, k, self.d_out, x, w64, out);
    }

    /// `out` = the layer on each row of `x` (n × d_in, row-major), ReLU'd if `relu`.
    pub(crate) fn forward_rows(
        &self,
        x: &[f64],
        relu: bool,
        out: &mut Vec<f64>,
        w64: &mut Vec<f64>,
    ) {
        let n = x.len() / self.d_in;
        out.clear();
        for _ in 0..n {
            out.extend(self.bias.iter().map(|b| f64::from(*b)));
        }
        self.accumulate_rows(0, x, out, w64);
        if relu {
            out.iter_mut().for_each(|o| *o = o.max(0.0));
        }
    }

    /// Checks shapes, and that every weight is finite and within ±[`MAX_WEIGHT`].
    pub(crate) fn check(&self, what: &str) -> Result<()> {
        if self.weight.len() != self.d_in * self.d_out || self.bias.len() != self.d_out {
            return Err(Error::InvalidFile(format!(
                "{what}: weight shapes do not match"
            )));
        }
        if self.weight.iter().chain(&self.bias).any(|w| !w.is_finite()) {
            return Err(Error::InvalidFile(format!("{what}: non-finite weight")));
        }
        if self
            .weight
            .iter()
            .chain(&self.bias)
            .any(|w| w.abs() > MAX_WEIGHT)
        {
            return Err(Error::InvalidFile(format!(
                "{what}: a weight beyond ±{MAX_WEIGHT:e}, which no training reaches (Adam moves \
                 a weight by about the learning rate per step)"
            )));
        }
        Ok(())
    }

    pub(crate) fn forward(&self, x: &[f64], relu: bool, out: &mut Vec<f64>) {
        out.clear();
        out.extend(self.bias.iter().map(|b| f64::from(*b)));
        axpy_rows(&self.weight[..x.len() * self.d_out], x, out);
        if relu {
            out.iter_mut().for_each(|o| *o = o.max(0.0));
        }
    }
}
