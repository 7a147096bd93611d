//! The training loop: z-scoring, seeded initialisation and split, Adam with global-norm
//! clipping, early stopping with best-weight restoration, progress callbacks.

use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::{Rng, RngExt, SeedableRng};
use sbi_core::{RowMatrix, SeedRng};
use serde::{Deserialize, Serialize};

use crate::config::{MdnConfig, TrainConfig};
use crate::error::{Error, Result};
use crate::host::{Dense, Weights, tri};
use crate::network::{Layout, MdnNet, plain_device, training_device};

/// Standardisation with statistics of the training split: per dimension
/// `z = (v − mean)/std`, optionally followed by whitening `z ← W·z` (W = C^(−1/2) for the
/// covariance C of the per-dimension z-scores), which decorrelates the features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZScore {
    /// Means.
    pub mean: Vec<f64>,
    /// Standard deviations (a dimension with std below 1e-14·(1 + |mean|) gets 1: constant
    /// features pass through unscaled instead of dividing by zero).
    pub std: Vec<f64>,
    /// Whitening matrix W (d × d, row-major), if any.
    #[serde(default)]
    pub whitening: Option<Vec<f64>>,
}

impl ZScore {
    fn fit(m: &RowMatrix, rows: &[usize]) -> Self {
        let d = m.ncols();
        let n = rows.len() as f64;
        let mut mean = vec![0.0; d];
        for &r in rows {
            for (a, v) in mean.iter_mut().zip(m.row(r)) {
                *a += v / n;
            }
        }
        let mut var = vec![0.0; d];
        for &r in rows {
            for ((s, v), mu) in var.iter_mut().zip(m.row(r)).zip(&mean) {
                *s += (v - mu).powi(2);
            }
        }
        let denom = (n - 1.0).max(1.0);
        let std = var
            .iter()
            .zip(&mean)
            .map(|(s, mu)| {
                let sd = (s / denom).sqrt();
                if sd < 1e-14 * (1.0 + mu.abs()) {
                    1.0
                } else {
                    sd
                }
            })
            .collect();
        Self {
            mean,
            std,
            whitening: None,
        }
    }

    /// Per-dimension standardisation, then whitening: W = C^(−1/2) from the eigen-decomposition
    /// of the covariance C of the standardised rows, eigenvalues floored at 10⁻¹²·max (so
    /// exactly collinear features are not blown up without bound).
    fn fit_whitened(m: &RowMatrix, rows: &[usize]) -> Self {
        let mut z = Self::fit(m, rows);
        let d = m.ncols();
        let mut c = nalgebra::DMatrix::<f64>::zeros(d, d);
        let mut buf = vec![0.0; d];
        for &r in rows {
            z.apply(m.row(r), &mut buf);
            let v = nalgebra::DVector::from_row_slice(&buf);
            c += &v * v.transpose();
        }
        c /= rows.len() as f64;
        let e = c.symmetric_eigen();
        let floor = 1e-12 * e.eigenvalues.max().max(1e-300);
        let mut w = nalgebra::DMatrix::<f64>::zeros(d, d);
        for k in 0..d {
            let u = e.eigenvectors.column(k);
            w += u * u.transpose() / e.eigenvalues[k].max(floor).sqrt();
        }
        z.whitening = Some((0..d * d).map(|i| w[(i / d, i % d)]).collect());
        z
    }

    /// Standardises `v` into `out`.
    pub fn apply(&self, v: &[f64], out: &mut [f64]) {
        for (((o, x), m), s) in out.iter_mut().zip(v).zip(&self.mean).zip(&self.std) {
            *o = (x - m) / s;
        }
        if let Some(w) = &self.whitening {
            let d = out.len();
            let z = out.to_vec();
            for (i, o) in out.iter_mut().enumerate() {
                *o = w[i * d..(i + 1) * d]
                    .iter()
                    .zip(&z)
                    .map(|(a, b)| a * b)
                    .sum();
            }
        }
    }

    /// Undoes [`ZScore::apply`] in place (per-dimension part; θ is never whitened).
    pub fn invert(&self, z: &mut [f64]) {
        for ((v, m), s) in z.iter_mut().zip(&self.mean).zip(&self.std) {
            *v = m + s * *v;
        }
    }

    /// Σ ln std: the log-Jacobian from standardised to raw units.
    pub fn log_scale(&self) -> f64 {
        self.std.iter().map(|s| s.ln()).sum()
    }
}

/// One epoch's progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochReport {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss (−ln q per row, standardised units) over the epoch.
    pub train_loss: f64,
    /// Validation loss after the epoch.
    pub validation_loss: f64,
    /// Best validation loss so far.
    pub best_validation_loss: f64,
    /// Epochs since the best validation loss.
    pub epochs_since_improvement: usize,
}

/// What a training run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    /// Epochs run.
    pub epochs: usize,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Its validation loss.
    pub best_validation_loss: f64,
    /// Rows trained on.
    pub num_train: usize,
    /// Rows validated on.
    pub num_validation: usize,
    /// Rows dropped because x was not finite.
    pub num_dropped: usize,
    /// `true` when early stopping ended training, `false` when `max_epochs` did.
    pub converged: bool,
    /// Wall-clock training time, s.
    pub seconds: f64,
}

/// A trained network with its standardisation.
pub(crate) struct Trained {
    pub weights: Weights,
    pub theta_z: ZScore,
    pub x_z: ZScore,
    pub report: TrainingReport,
}

fn uniform_vec<R: Rng + ?Sized>(rng: &mut R, n: usize, bound: f64) -> Vec<f32> {
    (0..n)
        .map(|_| (rng.random_range(-bound..bound)) as f32)
        .collect()
}

/// Seeded initialisation: hidden layers as PyTorch's `Linear` (U(±1/√fan_in)); the output layer
/// starts near a uniform mixture (logit weights ±10⁻³, biases 0) with near-identity precision
/// factors (weights ±10⁻³, diagonal biases softplus⁻¹(1), off-diagonal 0) and means that
/// depend on x from the start (PyTorch's default bounds).
fn init_weights<R: Rng + ?Sized>(cfg: &MdnConfig, dx: usize, d: usize, rng: &mut R) -> Weights {
    let mut hidden = Vec::new();
    let mut d_in = dx;
    for _ in 0..cfg.num_hidden_layers {
        let bound = 1.0 / (d_in as f64).sqrt();
        let h = cfg.hidden_features;
        hidden.push(Dense {
            d_in,
            d_out: h,
            weight: uniform_vec(rng, d_in * h, bound),
            bias: uniform_vec(rng, h, bound),
        });
        d_in = h;
    }
    let (k, t) = (cfg.num_components, tri(d));
    let d_out = k * (1 + d + t);
    let bound = 1.0 / (d_in as f64).sqrt();
    let mut weight = vec![0f32; d_in * d_out];
    let mut bias = vec![0f32; d_out];
    let diag_bias = (std::f64::consts::E - 1.0).ln() as f32; // softplus⁻¹(1)
    for o in 0..d_out {
        let is_mean = o >= k && o < k + k * d;
        let w_bound = if is_mean { bound } else { 1e-3 };
        for i in 0..d_in {
            weight[i * d_out + o] = rng.random_range(-w_bound..w_bound) as f32;
        }
        bias[o] = if is_mean {
            rng.random_range(-bound..bound) as f32
        } else if o >= k + k * d {
            // Factor entry; diagonal entries sit at offsets 0, d, d + (d − 1), … of each block.
            let e = (o - k - k * d) % t;
            let mut diag = 0;
            let mut is_diag = false;
            for i in 0..d {
                if e == diag {
                    is_diag = true;
                }
                diag += d - i;
            }
            if is_diag { diag_bias } else { 0.0 }
        } else {
            0.0
        };
    }
    Weights {
        hidden,
        output: Dense {
            d_in,
            d_out,
            weight,
            bias,
        },
    }
}

/// Standardised rows `rows` of `m`, as an f32 tensor.
fn batch_tensor(m: &RowMatrix, z: &ZScore, rows: &[usize], device: &Device) -> Tensor<2> {
    let d = m.ncols();
    let mut buf = vec![0.0f64; d];
    let mut data = Vec::with_capacity(rows.len() * d);
    for &r in rows {
        z.apply(m.row(r), &mut buf);
        data.extend(buf.iter().map(|v| *v as f32));
    }
    Tensor::<2>::from_data(TensorData::new(data, [rows.len(), d]), device)
}

fn scalar(t: Tensor<1>) -> Result<f64> {
    let v = t
        .into_data()
        .try_into_vec::<f32>()
        .map_err(|e| Error::Backend(format!("{e:?}")))?;
    Ok(f64::from(v.first().copied().unwrap_or(f32::NAN)))
}

/// Scales all gradients by `max_norm / ‖g‖` when their global 2-norm exceeds `max_norm`
/// (PyTorch's `clip_grad_norm_`, which sbi uses; burn's own clipping is per parameter).
fn clip_global_norm(grads: &mut GradientsParams, net: &MdnNet, max_norm: f64) -> Result<()> {
    let ids = net.param_ids();
    let mut total: Option<Tensor<1>> = None;
    for &(id, rank) in &ids {
        let sq = match rank {
            2 => grads.get::<2>(id).map(|g| g.square().sum()),
            _ => grads.get::<1>(id).map(|g| g.square().sum()),
        };
        if let Some(sq) = sq {
            total = Some(match total {
                Some(t) => t + sq,
                None => sq,
            });
        }
    }
    let Some(total) = total else { return Ok(()) };
    let norm = scalar(total)?.sqrt();
    if norm > max_norm {
        let scale = max_norm / (norm + 1e-6);
        for (id, rank) in ids {
            match rank {
                2 => {
                    if let Some(g) = grads.remove::<2>(id) {
                        grads.register(id, g.mul_scalar(scale));
                    }
                }
                _ => {
                    if let Some(g) = grads.remove::<1>(id) {
                        grads.register(id, g.mul_scalar(scale));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Trains q(θ | x) on the rows of `theta` and `x`.
pub(crate) fn train(
    theta: &RowMatrix,
    x: &RowMatrix,
    mdn: &MdnConfig,
    tc: &TrainConfig,
    progress: &mut dyn FnMut(&EpochReport),
) -> Result<Trained> {
    let start = Instant::now();
    mdn.validate()?;
    tc.validate()?;
    if theta.nrows() != x.nrows() {
        return Err(Error::RowMismatch {
            theta: theta.nrows(),
            x: x.nrows(),
        });
    }
    if theta.ncols() == 0 || x.ncols() == 0 {
        return Err(Error::EmptyTrainingSet(
            "θ and x need at least one column".into(),
        ));
    }
    theta.check_finite()?;
    let finite: Vec<usize> = (0..x.nrows())
        .filter(|&r| x.row(r).iter().all(|v| v.is_finite()))
        .collect();
    let num_dropped = x.nrows() - finite.len();
    if finite.len() < 2 {
        return Err(Error::EmptyTrainingSet(format!(
            "{} rows with finite x ({} dropped); need at least 2",
            finite.len(),
            num_dropped
        )));
    }
    let mut rng = SeedRng::seed_from_u64(tc.seed);
    let mut rows = finite;
    rows.shuffle(&mut rng);
    let n_val =
        ((rows.len() as f64 * tc.validation_fraction).round() as usize).clamp(1, rows.len() - 1);
    let (val_rows, train_rows) = rows.split_at(n_val);
    let mut train_rows = train_rows.to_vec();
    let theta_z = ZScore::fit(theta, &train_rows);
    let x_z = if tc.whiten_x && x.ncols() > 1 {
        ZScore::fit_whitened(x, &train_rows)
    } else {
        ZScore::fit(x, &train_rows)
    };
    let (d, dx) = (theta.ncols(), x.ncols());

    let device = training_device();
    let layout = Layout::new(d, mdn.num_components, mdn.precision_epsilon, &device);
    let init = init_weights(mdn, dx, d, &mut rng);
    let mut net = MdnNet::from_weights(&init, &device);
    drop(init);
    let mut optim = AdamConfig::new()
        .with_epsilon(tc.adam_epsilon as f32)
        .init();
    // Validation data, built once, in chunks, on the plain device: validation runs on
    // `net.valid()`, without building an autodiff graph.
    let plain = plain_device();
    let val_layout = Layout::new(d, mdn.num_components, mdn.precision_epsilon, &plain);
    let val: Vec<(Tensor<2>, Tensor<2>)> = val_rows
        .chunks(4096)
        .map(|c| {
            (
                batch_tensor(theta, &theta_z, c, &plain),
                batch_tensor(x, &x_z, c, &plain),
            )
        })
        .collect();

    // The best network so far (a cheap handle clone; weights are read out once at the end).
    let mut best: (f64, usize, Option<MdnNet>) = (f64::INFINITY, 0, None);
    let mut since = 0;
    let mut epoch = 0;
    let mut converged = false;
    while epoch < tc.max_epochs {
        epoch += 1;
        train_rows.shuffle(&mut rng);
        let mut loss_sum: Option<Tensor<1>> = None;
        for chunk in train_rows.chunks(tc.batch_size) {
            let th = batch_tensor(theta, &theta_z, chunk, &device);
            let xs = batch_tensor(x, &x_z, chunk, &device);
            let loss = net.log_prob(th, xs, &layout).mean().neg();
            let weighted = loss.clone().detach().mul_scalar(chunk.len() as f64);
            loss_sum = Some(match loss_sum {
                Some(s) => s + weighted,
                None => weighted,
            });
            let mut grads = GradientsParams::from_grads(loss.backward(), &net);
            if tc.clip_max_norm > 0.0 {
                clip_global_norm(&mut grads, &net, tc.clip_max_norm)?;
            }
            net = optim.step(tc.learning_rate, net, grads);
        }
        let train_loss = match loss_sum {
            Some(s) => scalar(s)? / train_rows.len() as f64,
            None => f64::NAN,
        };
        let mut val_sum = 0.0;
        let eval = net.valid();
        for (th, xs) in &val {
            let lp = eval.log_prob(th.clone(), xs.clone(), &val_layout).sum();
            val_sum -= scalar(lp)?;
        }
        let validation_loss = val_sum / n_val as f64;
        if !train_loss.is_finite() || !validation_loss.is_finite() {
            return Err(Error::Diverged { epoch });
        }
        if validation_loss < best.0 {
            best = (validation_loss, epoch, Some(net.clone()));
            since = 0;
        } else {
            since += 1;
        }
        progress(&EpochReport {
            epoch,
            train_loss,
            validation_loss,
            best_validation_loss: best.0,
            epochs_since_improvement: since,
        });
        if since >= tc.stop_after_epochs {
            converged = true;
            break;
        }
    }
    let (best_validation_loss, best_epoch, best_net) = best;
    let weights = match best_net {
        Some(n) => n.to_weights()?,
        None => return Err(Error::Diverged { epoch }),
    };
    Ok(Trained {
        weights,
        theta_z,
        x_z,
        report: TrainingReport {
            epochs: epoch,
            best_epoch,
            best_validation_loss,
            num_train: train_rows.len(),
            num_validation: n_val,
            num_dropped,
            converged,
            seconds: start.elapsed().as_secs_f64(),
        },
    })
}
