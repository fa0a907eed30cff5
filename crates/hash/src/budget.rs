//! The memory one decode may take ([`Limits::max_memory_bytes`]), counted as a decoder plans
//! its buffers from the header, before it allocates them.

use crate::pdq::Filter;
use crate::{Error, ErrorKind, Limits};

/// What a decode has planned to allocate, against its limit.
#[derive(Debug)]
pub(crate) struct Budget {
    max: u64,
    planned: u64,
}

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Self {
        Self::with_max(limits.max_memory_bytes)
    }

    pub(crate) fn with_max(max: u64) -> Self {
        Budget { max, planned: 0 }
    }

    /// The limit.
    pub(crate) fn max(&self) -> u64 {
        self.max
    }

    /// What is not planned yet: what a decoder with its own limit may be given.
    pub(crate) fn left(&self) -> u64 {
        self.max.saturating_sub(self.planned)
    }

    /// Plans `bytes` more for `what` (described for the error, e.g. "a 9999x9999 interlaced
    /// PNG held whole"), or refuses them.
    pub(crate) fn take(&mut self, bytes: u64, what: impl FnOnce() -> String) -> Result<(), Error> {
        let total = self.planned.saturating_add(bytes);
        if total > self.max {
            return Err(Error::new(ErrorKind::MemoryLimit {
                what: what(),
                needed: Some(total),
                max_memory_bytes: self.max,
            }));
        }
        self.planned = total;
        Ok(())
    }

    /// Plans the PDQ filter for a `width x height` image.
    pub(crate) fn take_filter(&mut self, width: u32, height: u32) -> Result<(), Error> {
        let bytes = Filter::memory_bytes(width as usize, height as usize);
        self.take(bytes, || format!("the hashing filter for a {width}x{height} image"))
    }

    /// The error for a decoder that stopped on the limit it was given.
    pub(crate) fn exceeded(&self, what: impl Into<String>) -> Error {
        Error::new(ErrorKind::MemoryLimit { what: what.into(), needed: None, max_memory_bytes: self.max })
    }
}
