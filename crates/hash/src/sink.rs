//! Where decoders send their pixels: the PDQ filter (hashing) or a downscaler (thumbnails).
//!
//! Every decoder plans its memory from the header, then hands rows of 8-bit pixels to a
//! [`RowSink`] as it decodes them. What the sink itself takes is planned by its [`Target`],
//! against the same budget as the decoder's own buffers, so a thumbnail is decoded under the
//! same limits as a hash and by the same code.

use crate::budget::Budget;
use crate::decode::narrow16;
use crate::pdq::{Filter, Luminance, luma_row_gray, luma_row_rgb};
use crate::{Error, Format};

/// Takes an image's rows of 8-bit pixels, top to bottom.
pub(crate) trait RowSink {
    /// One row of `width` pixels of `channels` bytes each: 1 (grey), 2 (grey and alpha), 3
    /// (RGB) or 4 (RGBA). Alpha is ignored, as by the reference.
    fn push(&mut self, row: &[u8], channels: usize);
}

/// What a decode produces: plans the sink's memory, then makes it.
pub(crate) trait Target {
    /// The sink rows go to.
    type Sink: RowSink;

    /// Plans the sink's memory for a `width x height` image, or refuses it.
    fn plan(&self, budget: &mut Budget, width: u32, height: u32) -> Result<(), Error>;

    /// The sink for a `width x height` image (planned first).
    fn sink(&self, width: u32, height: u32) -> Self::Sink;

    /// How 16-bit samples of `format` become 8-bit ones.
    fn narrow16(&self, format: Format) -> fn(u16) -> u8;
}

/// The PDQ filter, for hashing.
pub(crate) struct HashTarget;

impl Target for HashTarget {
    type Sink = Filter;

    fn plan(&self, budget: &mut Budget, width: u32, height: u32) -> Result<(), Error> {
        budget.take_filter(width, height)
    }

    fn sink(&self, width: u32, height: u32) -> Filter {
        Filter::new(width as usize, height as usize, Luminance::OfPixels)
    }

    fn narrow16(&self, format: Format) -> fn(u16) -> u8 {
        narrow16(format)
    }
}

impl RowSink for Filter {
    #[inline]
    fn push(&mut self, row: &[u8], channels: usize) {
        let out = self.next_row_mut();
        if channels >= 3 {
            luma_row_rgb(row, channels, out)
        } else {
            luma_row_gray(row, channels, out)
        }
        self.commit_row();
    }
}
