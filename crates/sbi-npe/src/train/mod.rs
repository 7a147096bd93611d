//! The training loop: z-scoring, seeded initialisation and split, Adam with global-norm
//! clipping, early stopping with best-weight restoration, recovery from non-finite steps,
//! progress per epoch.

mod clip;
mod config;
mod recovery;

pub use config::TrainConfig;

use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use sbi_core::{
    EpochReport, Progress, RowMatrix, SeedRng, StopReason, TrainingData, TrainingReport,
};

use crate::architecture::Architecture;
use crate::backend::{plain_device, training_device};
use crate::error::{Error, Result};
use crate::zscore::ZScore;
use clip::{clip_global_norm, scalar};
use recovery::{MAX_LR_REDUCTIONS, recover};

/// A trained network with its standardisation.
pub(crate) struct Trained<W> {
    pub weights: W,
    pub theta_z: ZScore,
    pub x_z: ZScore,
    pub report: TrainingReport,
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

/// Where a warm-started training begins: a previous fit's weights and standardisation.
pub(crate) struct Warm<'a, W> {
    pub weights: &'a W,
    pub theta_z: &'a ZScore,
    pub x_z: &'a ZScore,
}

/// Trains q(θ | x) on `data` with seed `seed`, reporting each epoch; from `warm`'s weights
/// and standardisation when given (its shapes checked by the caller), else from a seeded
/// initialisation and the training rows' statistics. Returns the best network and the
/// report, with every epoch's validation loss.
pub(crate) fn train<A: Architecture>(
    data: &TrainingData,
    arch: &A,
    tc: &TrainConfig,
    seed: u64,
    progress: &mut dyn Progress,
    warm: Option<Warm<'_, A::Weights>>,
) -> Result<Trained<A::Weights>> {
    let start = Instant::now();
    arch.validate()?;
    tc.validate()?;
    let (theta, x) = (data.theta(), data.x());
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
    let mut validation_losses = Vec::new();
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
            if bad_in_a_row >= recovery::BAD_STEPS_BEFORE_RECOVERY {
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
        validation_losses.push(validation_loss);
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
            validation_losses,
            num_train: train_rows.len(),
            num_validation: n_val,
            num_dropped,
            stop: match stopped_because {
                Some(why) => StopReason::GaveUp(why),
                None if converged => StopReason::Converged,
                None => StopReason::MaxEpochs,
            },
            skipped_steps,
            learning_rate_reductions: lr_reductions,
            seconds: start.elapsed().as_secs_f64(),
        },
    })
}
