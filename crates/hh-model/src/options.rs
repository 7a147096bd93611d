//! The batch simulator's two options: the lanes' [`Precision`] and which [`Kernel`] runs a
//! batch.

use crate::error::{Error, Result};

/// The floating-point precision of the batch lanes.
///
/// ```
/// use hh_model::Precision;
/// assert_eq!("f32".parse::<Precision>()?, Precision::F32);
/// assert_eq!(Precision::default().to_string(), "f64");
/// assert!("f16".parse::<Precision>().is_err());
/// # Ok::<(), hh_model::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Precision {
    /// Double precision, 16 lanes with AVX-512 (two registers), else 8 (the default).
    #[default]
    F64,
    /// Single precision, 16 lanes: about twice the throughput, about 7 significant digits.
    F32,
}

impl Precision {
    /// `f64` or `f32`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F64 => "f64",
            Precision::F32 => "f32",
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Precision {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "f64" => Ok(Precision::F64),
            "f32" => Ok(Precision::F32),
            other => Err(Error::UnknownPrecision(other.to_owned())),
        }
    }
}

/// Which code runs a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Kernel {
    /// SIMD lanes on the best instruction set of this CPU (the default); on a CPU without AVX2,
    /// where lanes do not pay, the scalar path.
    #[default]
    Simd,
    /// SIMD lanes compiled for the target's baseline only (x86-64: SSE2), whatever the CPU:
    /// the portable lane code, for comparison and tests (no fused multiply-adds, so it differs
    /// from [`Kernel::Simd`] on an FMA machine at rounding level; the spike counts agree).
    Portable,
    /// One trace at a time with the C library's `exp`, in f64 whatever the precision: the
    /// reference path, bit for bit what [`sbi_core::Simulator::simulate`] gives.
    Scalar,
}

impl Kernel {
    /// Every kernel, in a fixed order.
    pub const ALL: [Kernel; 3] = [Kernel::Simd, Kernel::Portable, Kernel::Scalar];

    /// `simd`, `portable` or `scalar`.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Simd => "simd",
            Kernel::Portable => "portable",
            Kernel::Scalar => "scalar",
        }
    }
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Kernel {
    type Err = Error;

    /// ```
    /// assert_eq!("portable".parse::<hh_model::Kernel>()?, hh_model::Kernel::Portable);
    /// # Ok::<(), hh_model::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        Kernel::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| Error::UnknownKernel(s.to_owned()))
    }
}
