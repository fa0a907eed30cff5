//! How reported media are shown to the people who review them.
//!
//! Reported media may be the worst content there is (killings filmed to be spread). A reviewer
//! sees images and video frames protected first (blurred so that faces and text cannot be made
//! out, and in greyscale), and reveals one at a time. Each reviewer may turn the protections
//! off for themselves; they are on until then.

/// A reviewer's choice of protections for media not yet revealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MediaPreferences {
    /// Blur images and frames until revealed.
    pub blur: bool,
    /// Show them in greyscale until revealed.
    pub greyscale: bool,
}

impl MediaPreferences {
    /// Every protection on: what a reviewer gets until they choose otherwise.
    pub const PROTECTED: MediaPreferences = MediaPreferences { blur: true, greyscale: true };
}

impl Default for MediaPreferences {
    fn default() -> Self {
        Self::PROTECTED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protections_are_on_by_default() {
        assert_eq!(MediaPreferences::default(), MediaPreferences { blur: true, greyscale: true });
    }
}
