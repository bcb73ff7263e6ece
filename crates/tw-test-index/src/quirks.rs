//! Damage done to built archives after writing, for integrity tests
//! ([`Release::wrong_metadata_crc`](crate::Release::wrong_metadata_crc)).

/// A central directory file header's signature and fixed length (APPNOTE 4.3.12).
const CENTRAL_SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
const CENTRAL_LEN: usize = 46;

/// Flip every bit of the CRC-32 recorded in the central directory header of each member whose
/// name ends with `suffix`; the local header and the data stay as written.
pub(crate) fn flip_member_crc(zip: &mut [u8], suffix: &str) {
    let mut at = 0;
    while let Some(found) = zip.get(at..).and_then(|rest| {
        rest.windows(4)
            .position(|window| window == CENTRAL_SIGNATURE)
    }) {
        at += found;
        let name_len = zip
            .get(at + 28..at + 30)
            .map_or(0, |len| usize::from(u16::from_le_bytes([len[0], len[1]])));
        let named = zip
            .get(at + CENTRAL_LEN..at + CENTRAL_LEN + name_len)
            .is_some_and(|name| name.ends_with(suffix.as_bytes()));
        if named && let Some(crc) = zip.get_mut(at + 16..at + 20) {
            for byte in crc.iter_mut() {
                *byte ^= 0xff;
            }
        }
        at += 4;
    }
}
