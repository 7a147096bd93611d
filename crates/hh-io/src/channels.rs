//! [`ChannelChoice`]: which of a file's channels hold the membrane potential and the injected
//! current, when the reader's own choice (by units and pairing) is not the right one.

/// Channels named by the user, each by its name as the file writes it or by its position
/// (from 0). `None` keeps the reader's choice.
///
/// ```
/// let choice = hh_io::ChannelChoice::default().with_voltage("IN 2").with_current("Cmd 1");
/// assert_eq!(choice.voltage.as_deref(), Some("IN 2"));
/// assert!(!choice.is_default() && hh_io::ChannelChoice::default().is_default());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelChoice {
    /// The membrane potential: an input channel in a voltage unit.
    pub voltage: Option<String>,
    /// The injected current: an input channel in a current unit, or a command (output)
    /// channel, whose waveform is rebuilt from the file's epoch table.
    pub current: Option<String>,
}

impl ChannelChoice {
    /// Names the membrane-potential channel.
    pub fn with_voltage(mut self, channel: impl Into<String>) -> Self {
        self.voltage = Some(channel.into());
        self
    }

    /// Names the current channel.
    pub fn with_current(mut self, channel: impl Into<String>) -> Self {
        self.current = Some(channel.into());
        self
    }

    /// Whether nothing is named.
    pub fn is_default(&self) -> bool {
        self.voltage.is_none() && self.current.is_none()
    }
}

/// The position of the channel `spec` names among `names`: an exact name (trimmed), else a
/// position written as a number.
pub(crate) fn position<'a>(names: impl Iterator<Item = &'a str>, spec: &str) -> Option<usize> {
    let names: Vec<&str> = names.collect();
    let spec = spec.trim();
    names
        .iter()
        .position(|n| n.trim() == spec)
        .or_else(|| spec.parse::<usize>().ok().filter(|&i| i < names.len()))
}
