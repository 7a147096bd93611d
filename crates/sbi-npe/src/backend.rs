//! The tensor backend: the CPU device of the backend this crate's cargo features select
//! (`flex` by default, or `ndarray`), with or without autodiff, and the conversions between
//! burn's dense layers and the host's ([`Dense`]).

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};

use crate::dense::Dense;
use crate::error::{Error, Result};

/// The CPU device of the selected backend (`flex` by default, or `ndarray`), without autodiff.
pub(crate) fn plain_device() -> Device {
    #[cfg(feature = "flex")]
    {
        Device::flex()
    }
    #[cfg(all(feature = "ndarray", not(feature = "flex")))]
    {
        #[allow(deprecated)]
        Device::ndarray()
    }
}

/// The same device with autodiff, for training.
pub(crate) fn training_device() -> Device {
    plain_device().autodiff()
}

#[cfg(not(any(feature = "flex", feature = "ndarray")))]
compile_error!("sbi-npe needs a CPU backend: enable its `flex` (default) or `ndarray` feature");

/// A host layer as a burn `Linear` on `device`.
pub(crate) fn dense_to_linear(l: &Dense, device: &Device) -> Linear {
    let w = Tensor::<2>::from_data(TensorData::new(l.weight.clone(), [l.d_in, l.d_out]), device);
    let b = Tensor::<1>::from_data(TensorData::new(l.bias.clone(), [l.d_out]), device);
    Linear {
        weight: Param::from_tensor(w),
        bias: Some(Param::from_tensor(b)),
    }
}

/// A tensor's values on the host.
pub(crate) fn to_host<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    t.into_data()
        .try_into_vec::<f32>()
        .map_err(|e| Error::Backend(format!("{e:?}")))
}

/// A burn `Linear` back on the host.
pub(crate) fn linear_to_dense(l: &Linear) -> Result<Dense> {
    let w = l.weight.val();
    let [d_in, d_out] = w.dims();
    let weight = to_host(w)?;
    let bias = match &l.bias {
        Some(b) => to_host(b.val())?,
        None => vec![0.0; d_out],
    };
    Ok(Dense {
        d_in,
        d_out,
        weight,
        bias,
    })
}
