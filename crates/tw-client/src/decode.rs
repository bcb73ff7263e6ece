//! Bounded `Content-Encoding: gzip` decoding.
//!
//! reqwest's own decoding is switched off so that the client can refuse a decompression bomb
//! (a few KiB on the wire that inflate to gigabytes) before it fills memory. A gzip body is
//! refused once it inflates past [`MAX_DECODED_BYTES`], or past [`RATIO_FLOOR_BYTES`] at a
//! ratio over [`MAX_RATIO`] to the compressed bytes read so far: real index pages compress
//! 5 to 20 times, a bomb about 1000 times. Bodies without a content coding are not limited
//! here; their size is what the server really sends.

use std::io::Write;

/// The most bytes a compressed body may inflate to.
pub(crate) const MAX_DECODED_BYTES: u64 = 512 * 1024 * 1024;
/// Below this many decoded bytes the ratio is not checked (small pages of repeated markup
/// compress well and are harmless).
pub(crate) const RATIO_FLOOR_BYTES: u64 = 8 * 1024 * 1024;
/// The largest decoded-to-compressed ratio accepted past [`RATIO_FLOOR_BYTES`].
pub(crate) const MAX_RATIO: u64 = 200;

/// Why a body could not be decoded.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// The body inflates past the limits: `decoded` bytes from `compressed`.
    TooLarge { decoded: u64, compressed: u64 },
    /// The gzip stream is corrupt.
    Corrupt(std::io::Error),
}

/// Collects decoded bytes and fails the write that would cross the limits.
struct Capped {
    out: Vec<u8>,
    decoded: u64,
    compressed: u64,
    exceeded: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let decoded = self.decoded + buf.len() as u64;
        let ratio_exceeded =
            decoded > RATIO_FLOOR_BYTES && decoded > self.compressed.saturating_mul(MAX_RATIO);
        if decoded > MAX_DECODED_BYTES || ratio_exceeded {
            self.exceeded = true;
            return Err(std::io::Error::other("decoded body over the limit"));
        }
        self.decoded = decoded;
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An incremental gzip decoder: feed it compressed pieces, take decoded pieces out.
pub(crate) struct GzipBody {
    decoder: flate2::write::MultiGzDecoder<Capped>,
}

impl std::fmt::Debug for GzipBody {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("GzipBody").finish_non_exhaustive()
    }
}

impl GzipBody {
    /// A decoder at the start of a body.
    pub(crate) fn new() -> Self {
        Self {
            decoder: flate2::write::MultiGzDecoder::new(Capped {
                out: Vec::new(),
                decoded: 0,
                compressed: 0,
                exceeded: false,
            }),
        }
    }

    /// Feed one compressed piece; returns the bytes decoded so far and not yet taken.
    pub(crate) fn push(&mut self, compressed: &[u8]) -> Result<Vec<u8>, DecodeError> {
        self.decoder.get_mut().compressed += compressed.len() as u64;
        let written = self.decoder.write_all(compressed);
        self.check(written)?;
        Ok(std::mem::take(&mut self.decoder.get_mut().out))
    }

    /// The body ended: flush what the decoder still holds.
    pub(crate) fn finish(&mut self) -> Result<Vec<u8>, DecodeError> {
        let finished = self.decoder.try_finish();
        self.check(finished)?;
        Ok(std::mem::take(&mut self.decoder.get_mut().out))
    }

    fn check(&mut self, result: std::io::Result<()>) -> Result<(), DecodeError> {
        let sink = self.decoder.get_ref();
        if sink.exceeded {
            return Err(DecodeError::TooLarge {
                decoded: sink.decoded,
                compressed: sink.compressed,
            });
        }
        result.map_err(DecodeError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn decodes_in_pieces() {
        let text = b"<a href=\"x-1.0.tar.gz\">x</a>\n".repeat(1000);
        let compressed = gzip(&text);
        let mut body = GzipBody::new();
        let mut out = Vec::new();
        for piece in compressed.chunks(7) {
            out.extend(body.push(piece).unwrap());
        }
        out.extend(body.finish().unwrap());
        assert_eq!(out, text);
    }

    #[test]
    fn refuses_a_bomb_early() {
        let compressed = gzip(&vec![0; 64 * 1024 * 1024]);
        let mut body = GzipBody::new();
        let mut taken = 0;
        let error = compressed
            .chunks(4096)
            .try_for_each(|piece| {
                taken += body.push(piece)?.len() as u64;
                Ok(())
            })
            .expect_err("the bomb was decoded");
        match error {
            DecodeError::TooLarge { decoded, .. } => {
                assert!(decoded <= RATIO_FLOOR_BYTES + 1024 * 1024, "{decoded}");
            }
            DecodeError::Corrupt(error) => panic!("{error}"),
        }
        assert!(taken <= RATIO_FLOOR_BYTES + 1024 * 1024);
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let mut body = GzipBody::new();
        let result = body.push(b"this is not gzip").and_then(|_| body.finish());
        assert!(matches!(result, Err(DecodeError::Corrupt(_))));
    }
}
