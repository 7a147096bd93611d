//! Joins the ranks' shares into the run's [`Dataset`], each row placed by its global index.

use std::collections::BTreeMap;

use sbi_core::RowMatrix;
use sbi_inference::{Dataset, Failure, simulations_failed};

use crate::error::{Error, Result};

/// What a rank sends rank 0 beside its features.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Share {
    /// The pieces `(first, rows)` in the order their features are sent, and their failures.
    Done {
        pieces: Vec<(usize, usize)>,
        failures: Vec<Failure>,
    },
    /// The rank failed with this message.
    #[cfg_attr(not(feature = "mpi"), allow(dead_code))]
    Failed(String),
}

/// The run's dataset from every rank's share (rank order) and features (`dx` per row, in the
/// order of the share's pieces). The pieces must tile `0 … theta.nrows()` exactly.
///
/// # Errors
/// [`Error::RankFailed`] for the first rank that failed; [`Error::Incomplete`] when rows are
/// missing, repeated or misplaced; [`sbi_inference::Error::SimulationsFailed`] when fewer than two
/// simulations succeeded (as the pipeline).
pub(crate) fn assemble(
    theta: RowMatrix,
    dx: usize,
    shares: Vec<(Share, Vec<f64>)>,
    feature_names: Vec<String>,
    settings: BTreeMap<String, String>,
) -> Result<Dataset> {
    let size = shares.len();
    let n = theta.nrows();
    let incomplete = |m: String| Error::Incomplete(m);
    let mut placed: Vec<(usize, usize, usize, usize)> = Vec::new(); // first, rows, share, offset
    let mut failures: Vec<Failure> = Vec::new();
    let mut done = Vec::with_capacity(size);
    // A failed rank first: the others' features were then not sent.
    if let Some((rank, message)) = shares.iter().enumerate().find_map(|(r, (s, _))| match s {
        Share::Failed(m) => Some((r, m.clone())),
        Share::Done { .. } => None,
    }) {
        return Err(Error::RankFailed {
            rank,
            size,
            message,
        });
    }
    for (rank, (share, x)) in shares.into_iter().enumerate() {
        let Share::Done {
            pieces,
            failures: f,
        } = share
        else {
            continue; // none left: failed shares are returned above
        };
        let rows: usize = pieces.iter().map(|p| p.1).sum();
        if rows.checked_mul(dx) != Some(x.len()) {
            return Err(incomplete(format!(
                "rank {rank} sent {} values for {rows} rows of {dx} features",
                x.len()
            )));
        }
        let mut offset = 0;
        for &(first, len) in &pieces {
            placed.push((first, len, done.len(), offset));
            offset += len * dx;
        }
        if let Some(bad) = f
            .iter()
            .find(|f| !pieces.iter().any(|&(a, l)| (a..a + l).contains(&f.index)))
        {
            return Err(incomplete(format!(
                "rank {rank} reports simulation {} failed, which it did not run",
                bad.index
            )));
        }
        failures.extend(f);
        done.push(x);
    }
    placed.sort_unstable();
    let mut expected = 0;
    for &(first, len, _, _) in &placed {
        if first != expected {
            return Err(incomplete(format!(
                "rows from {} are missing or repeated (a piece starts at {first})",
                first.min(expected)
            )));
        }
        expected = first + len;
    }
    if expected != n {
        return Err(incomplete(format!("the ranks sent {expected} rows of {n}")));
    }
    let mut x = Vec::with_capacity(n * dx);
    for &(_, len, share, offset) in &placed {
        x.extend_from_slice(&done[share][offset..offset + len * dx]);
    }
    failures.sort_by_key(|f| f.index);
    if n - failures.len() < 2 {
        return Err(simulations_failed(&failures, &theta, n).into());
    }
    let x = RowMatrix::from_vec(n, dx, x)?;
    Ok(Dataset::from_parts(theta, x, failures, feature_names)?.with_settings(settings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbi_inference::FailureStage;

    fn theta(n: usize) -> RowMatrix {
        RowMatrix::from_vec(n, 1, (0..n).map(|i| i as f64).collect()).unwrap()
    }

    fn done(pieces: Vec<(usize, usize)>, failures: Vec<Failure>) -> Share {
        Share::Done { pieces, failures }
    }

    #[test]
    fn rows_are_placed_by_index_whatever_the_order() {
        let fail = Failure {
            index: 1,
            stage: FailureStage::Simulator,
            message: "diverged".into(),
        };
        let shares = vec![
            (done(vec![(3, 2), (0, 1)], vec![]), vec![3.0, 4.0, 0.0]),
            (done(vec![(1, 2)], vec![fail.clone()]), vec![f64::NAN, 2.0]),
        ];
        let d = assemble(theta(5), 1, shares, vec!["v".into()], BTreeMap::new()).unwrap();
        assert_eq!(d.x().row(4), [4.0]);
        assert_eq!(d.x().row(0), [0.0]);
        assert!(d.x().row(1)[0].is_nan());
        assert_eq!(d.failures(), [fail]);
    }

    #[test]
    fn gaps_overlaps_and_failed_ranks_are_errors() {
        let n = || theta(4);
        let one = |p: Vec<(usize, usize)>, len| (done(p, vec![]), vec![0.5; len]);
        let gap = assemble(
            n(),
            1,
            vec![one(vec![(0, 1), (2, 2)], 3)],
            vec![],
            BTreeMap::new(),
        );
        assert!(matches!(gap, Err(Error::Incomplete(_))), "{gap:?}");
        let overlap = assemble(
            n(),
            1,
            vec![one(vec![(0, 3)], 3), one(vec![(2, 2)], 2)],
            vec![],
            BTreeMap::new(),
        );
        assert!(matches!(overlap, Err(Error::Incomplete(_))));
        let short = assemble(n(), 1, vec![one(vec![(0, 3)], 3)], vec![], BTreeMap::new());
        assert!(matches!(short, Err(Error::Incomplete(_))));
        let wrong_len = assemble(n(), 1, vec![one(vec![(0, 4)], 3)], vec![], BTreeMap::new());
        assert!(matches!(wrong_len, Err(Error::Incomplete(_))));
        let failed = assemble(
            n(),
            1,
            // When a rank failed, the others' features are not sent.
            vec![
                one(vec![(0, 2)], 0),
                (Share::Failed("out of memory".into()), vec![]),
            ],
            vec![],
            BTreeMap::new(),
        );
        assert!(
            matches!(&failed, Err(Error::RankFailed { rank: 1, size: 2, message }) if message == "out of memory")
        );
    }
}
