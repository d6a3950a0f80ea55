//! Page geometry: page sizes, the trailer, and how much payload a page holds.

use crate::error::Error;
use crate::suite::{Suite, TAG_LEN};

/// Smallest supported page size in bytes.
pub const MIN_PAGE_SIZE: usize = 512;
/// Largest supported page size in bytes.
pub const MAX_PAGE_SIZE: usize = 65536;
/// Length of the key epoch field of a trailer.
pub const EPOCH_LEN: usize = 4;

/// Checks that `page_size` is a power of two from 512 to 65536.
pub const fn check_page_size(page_size: usize) -> Result<(), Error> {
    if page_size.is_power_of_two() && page_size >= MIN_PAGE_SIZE && page_size <= MAX_PAGE_SIZE {
        Ok(())
    } else {
        Err(Error::InvalidPageSize { size: page_size })
    }
}

/// Bytes at the end of every page that are not payload: key epoch, nonce
/// and tag for keyed suites (`4 + nonce + 16`), the tag alone for
/// `checksum`.
pub const fn trailer_len(suite: Suite) -> usize {
    if suite.is_keyed() {
        EPOCH_LEN + suite.nonce_len() + TAG_LEN
    } else {
        TAG_LEN
    }
}

/// Payload bytes a page of `page_size` holds under `suite`.
///
/// ```
/// use pageseal_core::{payload_len, Suite};
/// assert_eq!(payload_len(Suite::Aes256Gcm, 4096), Ok(4064));
/// assert_eq!(payload_len(Suite::Aegis256, 4096), Ok(4044));
/// assert!(payload_len(Suite::Aegis128L, 1000).is_err());
/// ```
pub const fn payload_len(suite: Suite, page_size: usize) -> Result<usize, Error> {
    match check_page_size(page_size) {
        Ok(()) => Ok(page_size - trailer_len(suite)),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes() {
        let mut size = 512;
        while size <= 65536 {
            assert!(check_page_size(size).is_ok());
            assert!(check_page_size(size + 1).is_err());
            assert!(check_page_size(size - 1).is_err());
            size *= 2;
        }
        for bad in [0, 1, 256, 131072, usize::MAX] {
            assert_eq!(
                check_page_size(bad),
                Err(Error::InvalidPageSize { size: bad })
            );
        }
    }

    #[test]
    fn trailers() {
        assert_eq!(trailer_len(Suite::Aes128Gcm), 32);
        assert_eq!(trailer_len(Suite::ChaCha20Poly1305), 32);
        assert_eq!(trailer_len(Suite::Aegis128X4), 36);
        assert_eq!(trailer_len(Suite::Aegis256X2), 52);
        assert_eq!(trailer_len(Suite::Checksum), 16);
        assert_eq!(payload_len(Suite::Checksum, 512), Ok(496));
    }
}
