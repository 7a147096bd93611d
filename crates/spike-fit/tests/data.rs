//! Measured data: the study's file, and errors on bad data.

use spike_fit::{Error, Loss, Mode, SpikeData, SpikeModel, Study};

#[test]
fn reads_the_studys_measurements() {
    let d = SpikeData::measured();
    assert_eq!(d.len(), 11);
    assert_eq!(d.x()[5], 1.0);
    assert_eq!(d.fractions()[5], 0.5);
    assert!(d.trials().iter().all(|n| *n == 1000));
    assert_eq!((d.x()[0], d.spiking()[0]), (0.92, 150));
    assert_eq!((d.x()[10], d.spiking()[10]), (1.09, 840));
    // The same text with a UTF-8 byte-order mark (as Excel writes it) reads the same.
    let text = include_str!("../data/measured_spike_fractions.csv");
    let bom = format!("\u{feff}{text}");
    assert_eq!(SpikeData::parse_csv(&bom, "bom.csv").unwrap(), d);
}

#[test]
fn bad_data_are_errors() {
    assert!(matches!(
        SpikeData::from_fractions(vec![], vec![]),
        Err(Error::InvalidData(_))
    ));
    assert!(SpikeData::from_fractions(vec![1.0, 1.1], vec![0.5]).is_err());
    assert!(SpikeData::from_fractions(vec![1.0], vec![-0.1]).is_err());
    assert!(SpikeData::from_fractions(vec![1.0], vec![1.01]).is_err());
    assert!(SpikeData::from_fractions(vec![1.0], vec![f64::NAN]).is_err());
    assert!(SpikeData::from_fractions(vec![f64::NAN], vec![0.5]).is_err());
    assert!(SpikeData::from_counts(vec![1.0], vec![11], vec![10]).is_err());
    assert!(SpikeData::from_counts(vec![1.0], vec![0], vec![0]).is_err());
    assert!(SpikeData::from_counts(vec![1.0, 2.0], vec![1, 2], vec![10]).is_err());
    let dir = std::env::temp_dir().join(format!("spike-fit-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.csv");
    std::fs::write(&p, "relative_stimulus,spiking_trials,trials\n1.0,x,1000\n").unwrap();
    assert!(matches!(SpikeData::read_csv(&p), Err(Error::InvalidData(m)) if m.contains("line 2")));
    std::fs::write(&p, "x,y\n").unwrap();
    assert!(SpikeData::read_csv(&p).is_err());
    assert!(matches!(
        SpikeData::read_csv(&dir.join("missing.csv")),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn predictions_are_reproducible_and_parameters_checked() {
    let d = SpikeData::from_fractions(vec![0.9, 1.0, 1.1], vec![0.1, 0.5, 0.9]).unwrap();
    let study = Study::new(SpikeModel::new(Mode::Corrected), d)
        .unwrap()
        .with_trials(200);
    // Common random numbers: the same parameters give the same prediction, hence loss.
    let a = study.predict(2.0, 3.5).unwrap();
    assert_eq!(a, study.predict(2.0, 3.5).unwrap());
    assert!(a[0] <= a[2], "more stimulus, more spikes: {a:?}");
    assert!(study.loss(Loss::Mse, &a).unwrap().is_finite());
    assert!(
        study
            .loss(Loss::BinomialNll, &[0.0, 1.0, 0.5])
            .unwrap()
            .is_finite()
    );
    assert!(study.predict(-1.0, 0.0).is_err());
    assert!(study.predict(0.0, f64::NAN).is_err());
}
