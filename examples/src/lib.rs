//! # hh-sbi-examples — helpers shared by the runnable examples
//!
//! The examples themselves live next to this crate (`examples/*.rs`) and are run with
//! `cargo run --release --example <name> -- …`. This library holds what several of them need:
//! SVG pictures ([`plot`]), small command-line helpers ([`cli`]) and the terminal display of
//! long runs ([`progress`]). (Traces are read and written as CSV by `sbi_core::Trace::read_csv`
//! / `write_csv`.)
//!
//! ## Quick start
//!
//! ```
//! use hh_sbi_examples::plot::{PALETTE, Series, plot_traces};
//! let trace = sbi_core::Trace::new(0.1, 0.0, vec![0.0, 1.5, 80.0, -2.25, 0.0])?;
//! let path = std::env::temp_dir().join("hh_sbi_examples_doc.svg");
//! let series = [Series { label: "v".into(), trace: &trace, color: PALETTE[0], width: 2 }];
//! plot_traces(&path, "a trace", &series, None)?;
//! assert!(std::fs::read_to_string(&path)?.starts_with("<svg"));
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```
#![deny(missing_docs)]

pub mod cell_model;
pub mod cli;
pub mod corner;
pub mod explorer;
pub mod goncalves;
pub mod http;
pub mod model_check;
pub mod notebook;
pub mod plot;
pub mod posterior;
pub mod predictive_check;
pub mod progress;
pub mod recording;
pub mod sbc;
pub mod spikes;
