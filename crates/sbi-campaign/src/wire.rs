//! A rank's share of a campaign as bytes: the pieces it simulated (first row, row count) and
//! their failures, or the error that stopped it; the features travel apart, as f64.

use sbi_inference::{Failure, FailureStage};

use crate::assemble::Share;
use crate::error::{Error, Result};

fn stage_code(stage: FailureStage) -> u8 {
    match stage {
        FailureStage::Simulator => 0,
        FailureStage::Summary => 1,
        FailureStage::NonFinite => 2,
    }
}

fn stage_from(code: u8) -> Option<FailureStage> {
    [
        FailureStage::Simulator,
        FailureStage::Summary,
        FailureStage::NonFinite,
    ]
    .into_iter()
    .find(|s| stage_code(*s) == code)
}

fn put(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u64).to_le_bytes());
}

impl Share {
    /// The bytes (little-endian): tag 0, pieces, failures; or tag 1 and the message.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Self::Done { pieces, failures } => {
                out.push(0);
                put(&mut out, pieces.len());
                for &(first, rows) in pieces {
                    put(&mut out, first);
                    put(&mut out, rows);
                }
                put(&mut out, failures.len());
                for f in failures {
                    put(&mut out, f.index);
                    out.push(stage_code(f.stage));
                    put(&mut out, f.message.len());
                    out.extend_from_slice(f.message.as_bytes());
                }
            }
            Self::Failed(message) => {
                out.push(1);
                out.extend_from_slice(message.as_bytes());
            }
        }
        out
    }

    /// Reads what [`Share::encode`] wrote.
    ///
    /// # Errors
    /// [`Error::Incomplete`] for bytes that are not a share (cut short, unknown tag or stage,
    /// a message that is not UTF-8).
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let bad = |what: &str| Error::Incomplete(format!("a rank's share is damaged: {what}"));
        let mut r = Reader { bytes, at: 0 };
        match r.byte().ok_or_else(|| bad("empty"))? {
            0 => {
                let num_pieces = r.count().ok_or_else(|| bad("no piece count"))?;
                let mut pieces = Vec::new();
                for _ in 0..num_pieces {
                    let first = r.count().ok_or_else(|| bad("a piece is cut short"))?;
                    let rows = r.count().ok_or_else(|| bad("a piece is cut short"))?;
                    pieces.push((first, rows));
                }
                let num_failures = r.count().ok_or_else(|| bad("no failure count"))?;
                let mut failures = Vec::new();
                for _ in 0..num_failures {
                    let index = r.count().ok_or_else(|| bad("a failure is cut short"))?;
                    let stage = r
                        .byte()
                        .and_then(stage_from)
                        .ok_or_else(|| bad("a failure's stage"))?;
                    let len = r.count().ok_or_else(|| bad("a failure is cut short"))?;
                    let message = r.text(len).ok_or_else(|| bad("a failure's message"))?;
                    failures.push(Failure {
                        index,
                        stage,
                        message,
                    });
                }
                if r.at != bytes.len() {
                    return Err(bad("bytes after the last failure"));
                }
                Ok(Self::Done { pieces, failures })
            }
            1 => Ok(Self::Failed(
                r.text(bytes.len() - 1)
                    .ok_or_else(|| bad("the error message"))?,
            )),
            _ => Err(bad("unknown tag")),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn count(&mut self) -> Option<usize> {
        let b: [u8; 8] = self.take(8)?.try_into().ok()?;
        usize::try_from(u64::from_le_bytes(b)).ok()
    }
    fn text(&mut self, len: usize) -> Option<String> {
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_trip_and_damage_is_an_error() {
        let share = Share::Done {
            pieces: vec![(10, 5), (0, 3)],
            failures: vec![Failure {
                index: 12,
                stage: FailureStage::Summary,
                message: "no spike (µ)".into(),
            }],
        };
        let bytes = share.encode();
        assert_eq!(Share::decode(&bytes).unwrap(), share);
        let failed = Share::Failed("the simulator diverged".into());
        assert_eq!(Share::decode(&failed.encode()).unwrap(), failed);
        for cut in 0..bytes.len() {
            assert!(Share::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Share::decode(&longer).is_err());
        assert!(Share::decode(&[7]).is_err());
    }
}
