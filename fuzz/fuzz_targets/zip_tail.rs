//! The zip tail reader on arbitrary bytes: any tail, any total size, any extra segment.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tw_metadata::{Step, Window, read_metadata};

fuzz_target!(|data: &[u8]| {
    // First 8 bytes: how much bigger the "file" is than the bytes we hold.
    if data.len() < 8 {
        return;
    }
    let (head, tail) = data.split_at(8);
    let extra = u64::from_le_bytes(head.try_into().unwrap_or([0; 8])) % (1 << 40);
    let total = tail.len() as u64 + extra;
    let mut window = Window::new(extra, tail.to_vec(), total);
    for _ in 0..4 {
        match read_metadata(&window, &|_| true) {
            Ok(Step::Need(range)) => {
                // Serve zeros for anything asked, bounded, to drive the later steps.
                let len = (range.end.saturating_sub(range.start)).min(1 << 16);
                window.add(range.start, vec![0; usize::try_from(len).unwrap_or(0)]);
            }
            Ok(Step::Done(..)) | Err(_) => break,
        }
    }
});
