//! The training loop: z-scoring, seeded initialisation and split, Adam with global-norm
//! clipping, early stopping with best-weight restoration, recovery from non-finite steps,
//! progress per epoch.

use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use rand::seq::SliceRandom;
use rand::{Rng, RngExt, SeedableRng};
use sbi_core::{EpochReport, Progress, RowMatrix, SeedRng};
use serde::{Deserialize, Serialize};

use crate::architecture::{Architecture, param_ids};
use crate::config::{MdnConfig, TrainConfig};
use crate::error::{Error, Result};
use crate::mlp::{Dense, Weights, tri};
use crate::network::{plain_device, training_device};
use crate::standardize::ZScore;

/// What a training run did. Equality ignores the wall-clock time (`seconds`): two runs with
/// the same seed did the same thing.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// `true` when early stopping ended training, `false` when `max_epochs` did (or
    /// [`TrainingReport::stopped_because`] says what else).
    pub converged: bool,
    /// Optimiser steps skipped because the batch loss or its gradient was not finite (the
    /// weights were left as they were).
    #[serde(default)]
    pub skipped_steps: usize,
    /// Times the best weights were restored and the learning rate halved after repeated
    /// non-finite losses.
    #[serde(default)]
    pub learning_rate_reductions: usize,
    /// Why training stopped before converging or reaching `max_epochs`, if it did (the best
    /// network so far was returned).
    #[serde(default)]
    pub stopped_because: Option<String>,
    /// Wall-clock training time, s.
    pub seconds: f64,
}

impl PartialEq for TrainingReport {
    fn eq(&self, other: &Self) -> bool {
        let Self {
            epochs,
            best_epoch,
            best_validation_loss,
            num_train,
            num_validation,
            num_dropped,
            converged,
            skipped_steps,
            learning_rate_reductions,
            stopped_because,
            seconds: _,
        } = self;
        (
            *epochs,
            *best_epoch,
            best_validation_loss.to_bits(),
            *num_train,
            *num_validation,
            *num_dropped,
            *converged,
            *skipped_steps,
            *learning_rate_reductions,
            stopped_because,
        ) == (
            other.epochs,
            other.best_epoch,
            other.best_validation_loss.to_bits(),
            other.num_train,
            other.num_validation,
            other.num_dropped,
            other.converged,
            other.skipped_steps,
            other.learning_rate_reductions,
            &other.stopped_because,
        )
    }
}

/// A trained network with its standardisation.
pub(crate) struct Trained<W> {
    pub weights: W,
    pub theta_z: ZScore,
    pub x_z: ZScore,
    pub report: TrainingReport,
}

/// Seeded initialisation: hidden layers as PyTorch's `Linear` (U(±1/√fan_in)); the output layer
/// starts near a uniform mixture (logit weights ±10⁻³, biases 0) with near-identity precision
/// factors (weights ±10⁻³, diagonal biases softplus⁻¹(1), off-diagonal 0) and means that
/// depend on x from the start (PyTorch's default bounds).
pub(crate) fn init_mdn_weights<R: Rng + ?Sized>(
    cfg: &MdnConfig,
    dx: usize,
    d: usize,
    rng: &mut R,
) -> Weights {
    let mut hidden = Vec::new();
    let mut d_in = dx;
    for _ in 0..cfg.num_hidden_layers {
        let bound = 1.0 / (d_in as f64).sqrt();
        let h = cfg.hidden_features;
        hidden.push(Dense::uniform(d_in, h, bound, rng));
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

/// Scales all gradients by `max_norm / ‖g‖` when their global 2-norm exceeds `max_norm > 0`
/// (PyTorch's `clip_grad_norm_`, which sbi uses; burn's own clipping is per parameter).
/// Returns the norm before clipping (NaN or ∞ when a gradient is not finite: nothing is
/// scaled then, and the caller skips the step).
fn clip_global_norm<M: Module>(grads: &mut GradientsParams, net: &M, max_norm: f64) -> Result<f64> {
    let ids = param_ids(net);
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
    let Some(total) = total else { return Ok(0.0) };
    let norm = scalar(total)?.sqrt();
    if max_norm > 0.0 && norm.is_finite() && norm > max_norm {
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
    Ok(norm)
}

/// Non-finite batch losses in a row before the best weights are restored.
const BAD_STEPS_BEFORE_RECOVERY: usize = 5;
/// Learning-rate halvings before training gives up and returns the best network.
const MAX_LR_REDUCTIONS: usize = 6;

/// Restores the best weights and halves the learning rate; `false` once that has been done
/// [`MAX_LR_REDUCTIONS`] times.
fn recover<M: Clone>(net: &mut M, best: &M, lr: &mut f64, reductions: &mut usize) -> bool {
    if *reductions >= MAX_LR_REDUCTIONS {
        return false;
    }
    *reductions += 1;
    *lr *= 0.5;
    *net = best.clone();
    true
}

/// Where a warm-started training begins: a previous fit's weights and standardisation.
pub(crate) struct Warm<'a, W> {
    pub weights: &'a W,
    pub theta_z: &'a ZScore,
    pub x_z: &'a ZScore,
}

/// Trains q(θ | x) on the rows of `theta` and `x` with seed `seed`, reporting each epoch;
/// from `warm`'s weights and standardisation when given (its shapes checked by the caller),
/// else from a seeded initialisation and the training rows' statistics.
pub(crate) fn train<A: Architecture>(
    theta: &RowMatrix,
    x: &RowMatrix,
    arch: &A,
    tc: &TrainConfig,
    seed: u64,
    progress: &mut dyn Progress,
    warm: Option<Warm<'_, A::Weights>>,
) -> Result<Trained<A::Weights>> {
    let start = Instant::now();
    arch.validate()?;
    tc.validate()?;
    if theta.nrows() != x.nrows() {
        return Err(Error::RowMismatch {
            theta: theta.nrows(),
            x: x.nrows(),
        });
    }
    if theta.ncols() == 0 || x.ncols() == 0 {
        return Err(Error::Empty {
            what: "training data: θ and x need at least one column".into(),
        });
    }
    theta.check_finite()?;
    let finite: Vec<usize> = (0..x.nrows())
        .filter(|&r| x.row(r).iter().all(|v| v.is_finite()))
        .collect();
    let num_dropped = x.nrows() - finite.len();
    if finite.len() < 2 {
        return Err(Error::Empty {
            what: format!(
                "training data: {} rows with finite x ({} dropped); need at least 2",
                finite.len(),
                num_dropped
            ),
        });
    }
    let mut rng = SeedRng::seed_from_u64(seed);
    let mut rows = finite;
    rows.shuffle(&mut rng);
    let n_val =
        ((rows.len() as f64 * tc.validation_fraction).round() as usize).clamp(1, rows.len() - 1);
    let (val_rows, train_rows) = rows.split_at(n_val);
    let mut train_rows = train_rows.to_vec();
    let (theta_z, x_z) = match &warm {
        Some(w) => (w.theta_z.clone(), w.x_z.clone()),
        None => (
            ZScore::fit(theta, &train_rows),
            if tc.whiten_x && x.ncols() > 1 {
                ZScore::fit_whitened(x, &train_rows)
            } else {
                ZScore::fit(x, &train_rows)
            },
        ),
    };
    let (d, dx) = (theta.ncols(), x.ncols());
    arch.check_size(dx, d)?;
    // Statistics that overflowed (values near ±f64::MAX) would train, save as `null`, and
    // fail to load: refuse them here.
    for (what, z) in [("θ", &theta_z), ("x", &x_z)] {
        let bad_whitening = z
            .whitening
            .as_ref()
            .is_some_and(|w| w.iter().any(|v| !v.is_finite()));
        if let Some(index) = (0..z.mean.len())
            .find(|&j| !(z.mean[j].is_finite() && z.std[j].is_finite()))
            .or(bad_whitening.then_some(0))
        {
            return Err(Error::NonFiniteStatistics { what, index });
        }
    }

    let device = training_device();
    let layout = arch.layout(d, &device);
    let mut net = match &warm {
        Some(w) => arch.build(w.weights, &device),
        None => {
            let init = arch.init(dx, d, &mut rng);
            arch.build(&init, &device)
        }
    };
    // A fresh optimiser (no moments): at the start, and after each recovery.
    let adam = || {
        AdamConfig::new()
            .with_epsilon(tc.adam_epsilon as f32)
            .init()
    };
    let mut optim = adam();
    // Validation data, built once, in chunks, on the plain device: validation runs on
    // `net.valid()`, without building an autodiff graph.
    let plain = plain_device();
    let val_layout = arch.layout(d, &plain);
    let val: Vec<(Tensor<2>, Tensor<2>)> = val_rows
        .chunks(4096)
        .map(|c| {
            (
                batch_tensor(theta, &theta_z, c, &plain),
                batch_tensor(x, &x_z, c, &plain),
            )
        })
        .collect();

    // The best network so far (a cheap handle clone; weights are read out once at the end);
    // the initial network until an epoch validates, so there is always one to fall back to.
    let mut best: (f64, usize, A::Net) = (f64::INFINITY, 0, net.clone());
    let mut since = 0;
    let mut epoch = 0;
    let mut converged = false;
    // Recovery from non-finite losses: a bad step is skipped (the weights stay as they were);
    // `BAD_STEPS_BEFORE_RECOVERY` in a row, or a non-finite validation loss, restore the best
    // weights and halve the learning rate; after `MAX_LR_REDUCTIONS` halvings training stops
    // and returns the best network, saying why in the report.
    let mut lr = tc.learning_rate;
    let (mut skipped_steps, mut bad_in_a_row, mut lr_reductions) = (0usize, 0usize, 0usize);
    let mut stopped_because = None;
    'epochs: while epoch < tc.max_epochs {
        epoch += 1;
        train_rows.shuffle(&mut rng);
        let (mut loss_sum, mut loss_rows) = (0.0, 0usize);
        for chunk in train_rows.chunks(tc.batch_size) {
            let th = batch_tensor(theta, &theta_z, chunk, &device);
            let xs = batch_tensor(x, &x_z, chunk, &device);
            let loss = A::log_prob(&net, th, xs, &layout)?.mean().neg();
            let batch_loss = scalar(loss.clone().detach())?;
            let mut grads = GradientsParams::from_grads(loss.backward(), &net);
            let norm = clip_global_norm(&mut grads, &net, tc.clip_max_norm)?;
            if batch_loss.is_finite() && norm.is_finite() {
                net = optim.step(lr, net, grads);
                loss_sum += batch_loss * chunk.len() as f64;
                loss_rows += chunk.len();
                bad_in_a_row = 0;
                continue;
            }
            skipped_steps += 1;
            bad_in_a_row += 1;
            if bad_in_a_row >= BAD_STEPS_BEFORE_RECOVERY {
                bad_in_a_row = 0;
                if !recover(&mut net, &best.2, &mut lr, &mut lr_reductions) {
                    stopped_because = Some(format!(
                        "non-finite training losses persisted after {MAX_LR_REDUCTIONS} \
                         learning-rate halvings (epoch {epoch})"
                    ));
                    break 'epochs;
                }
                optim = adam();
            }
        }
        let train_loss = if loss_rows > 0 {
            loss_sum / loss_rows as f64
        } else {
            f64::NAN
        };
        let mut val_sum = 0.0;
        let eval = net.valid();
        for (th, xs) in &val {
            let lp = A::log_prob(&eval, th.clone(), xs.clone(), &val_layout)?.sum();
            val_sum -= scalar(lp)?;
        }
        let validation_loss = val_sum / n_val as f64;
        if validation_loss.is_finite() && validation_loss < best.0 {
            best = (validation_loss, epoch, net.clone());
            since = 0;
        } else {
            since += 1;
        }
        if !validation_loss.is_finite() {
            if !recover(&mut net, &best.2, &mut lr, &mut lr_reductions) {
                stopped_because = Some(format!(
                    "the validation loss stayed non-finite after {MAX_LR_REDUCTIONS} \
                     learning-rate halvings (epoch {epoch})"
                ));
                break;
            }
            optim = adam();
        }
        progress.epoch(&EpochReport {
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
    if best_epoch == 0 {
        // Not one epoch gave a finite validation loss: there is no trained network to return.
        return Err(Error::Diverged { epoch });
    }
    let weights = arch.extract(&best_net, d)?;
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
            skipped_steps,
            learning_rate_reductions: lr_reductions,
            stopped_because,
            seconds: start.elapsed().as_secs_f64(),
        },
    })
}
