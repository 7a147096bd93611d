//! # hh-sbi-examples — helpers shared by the runnable examples
//!
//! The examples themselves live next to this crate (`examples/*.rs`) and are run with
//! `cargo run --release --example <name> -- …`. This library holds what several of them need:
//! reading and writing traces as CSV ([`csv`]), SVG pictures ([`plot`]) and small
//! command-line helpers ([`cli`]).
//!
//! ## Quick start
//!
//! ```
//! use hh_sbi_examples::csv::{read_trace_csv, write_trace_csv};
//! let trace = sbi_core::Trace::new(0.01, 0.0, vec![0.0, 1.5, -2.25])?;
//! let path = std::env::temp_dir().join("hh_sbi_examples_doc.csv");
//! write_trace_csv(&path, &trace)?;
//! let back = read_trace_csv(&path)?;
//! assert_eq!(back.values(), trace.values());
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```
#![deny(missing_docs)]

pub mod cli;
pub mod csv;
pub mod plot;
