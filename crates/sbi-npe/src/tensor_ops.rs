//! Two tensor operations burn 0.22 lacks: a stable log-sum-exp (the MDN's mixture) and a
//! sorted-bin search (the tensor form of the spline, [`crate::spline`]'s reference in tests;
//! training evaluates splines on the host).

use burn::tensor::Tensor;
#[cfg(test)]
use burn::tensor::{Device, TensorData};

/// ln Σⱼ exp(tᵢⱼ) over dimension 1 of `t` (`[n, k]` → `[n, 1]`), shifted by the detached row
/// maximum so that nothing overflows (a row whose every entry is −∞ gives NaN: callers bound
/// their inputs below).
pub(crate) fn log_sum_exp(t: Tensor<2>) -> Tensor<2> {
    let m = t.clone().max_dim(1).detach();
    (t - m.clone()).exp().sum_dim(1).log() + m
}

/// The bin of each value among sorted edges, as a one-hot mask: `x` `[n, 1]`, `left` `[n, k]`
/// the left edges of k bins per row (increasing along the row) → `[n, k]` with a 1 in the
/// column of the last edge ≤ x (column 0 for x below every edge). Built from comparisons and
/// a shift, so exactly one column is 1 in every row, and it carries no gradient.
#[cfg(test)]
pub(crate) fn bin_one_hot(x: Tensor<2>, left: Tensor<2>, search: &BinSearch) -> Tensor<2> {
    // ge[j] = x ≥ left[j], with left[0] pushed to −∞ so that ge[0] = 1: monotone in j.
    let ge = x
        .greater_equal(left.detach() + search.first.clone())
        .float();
    // one_hot[j] = ge[j] − ge[j + 1] (ge[k] = 0).
    ge.clone() - ge.matmul(search.shift.clone())
}

/// Constants of [`bin_one_hot`] for k bins.
#[cfg(test)]
#[derive(Debug, Clone)]
pub(crate) struct BinSearch {
    /// `[1, k]`: −10³⁰ in column 0, 0 elsewhere.
    first: Tensor<2>,
    /// `[k, k]`: column j picks entry j + 1.
    shift: Tensor<2>,
}

#[cfg(test)]
impl BinSearch {
    pub(crate) fn new(k: usize, device: &Device) -> Self {
        let mut first = vec![0f32; k];
        first[0] = -1e30;
        let mut shift = vec![0f32; k * k];
        for j in 0..k.saturating_sub(1) {
            shift[(j + 1) * k + j] = 1.0;
        }
        Self {
            first: Tensor::<2>::from_data(TensorData::new(first, [1, k]), device),
            shift: Tensor::<2>::from_data(TensorData::new(shift, [k, k]), device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::plain_device;

    fn tensor(v: Vec<f32>, shape: [usize; 2]) -> Tensor<2> {
        Tensor::<2>::from_data(TensorData::new(v, shape), &plain_device())
    }

    fn values(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_into_vec::<f32>().unwrap()
    }

    #[test]
    fn log_sum_exp_is_stable_and_exact() {
        let t = tensor(vec![0.0, 0.0, 1000.0, 1000.0, -1000.0, 0.5], [3, 2]);
        let got = values(log_sum_exp(t));
        let want = [
            std::f32::consts::LN_2,
            1000.0 + std::f32::consts::LN_2,
            0.5 + (-1000.5f32).exp().ln_1p(),
        ];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-4, "{g} vs {w}");
        }
    }

    /// Against a scalar search on every row, edges included, and values below and above all
    /// edges.
    #[test]
    fn bin_one_hot_matches_a_scalar_search() {
        let k = 4;
        let left_row = [-3.0f32, -1.0, 0.5, 2.0];
        let xs = [-5.0f32, -3.0, -2.0, -1.0, 0.0, 0.5, 1.9, 2.0, 10.0];
        let n = xs.len();
        let left = tensor(left_row.repeat(n), [n, k]);
        let search = BinSearch::new(k, &plain_device());
        let got = values(bin_one_hot(tensor(xs.to_vec(), [n, 1]), left, &search));
        for (i, x) in xs.iter().enumerate() {
            let want = left_row.iter().rposition(|l| x >= l).unwrap_or(0);
            let row = &got[i * k..(i + 1) * k];
            for (j, v) in row.iter().enumerate() {
                assert_eq!(*v, f32::from(u8::from(j == want)), "x {x}: row {row:?}");
            }
        }
    }
}
