//! The lock readers (pins of a `pylock.toml` or `requirements.txt`, and the whole
//! `pylock.toml` that `tailwheel download` reads) on arbitrary text. The readers take paths,
//! so each input is written to a file in a per-process scratch folder first.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tw-fuzz-lock-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let pylock = scratch().join("pylock.toml");
    let requirements = scratch().join("requirements.txt");
    if std::fs::write(&pylock, data).is_ok() {
        let _ = tw_lock::read_pins(&pylock);
        let _ = tw_lock::read_pylock(&pylock);
    }
    if std::fs::write(&requirements, data).is_ok() {
        let _ = tw_lock::read_pins(&requirements);
    }
});
