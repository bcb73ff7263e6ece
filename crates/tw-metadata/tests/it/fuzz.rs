//! A deterministic fuzz of [`tw_metadata::read_metadata`]: every truncation of real wheels
//! (as a tail window and as a cut-short file) and a few thousand random byte changes. The
//! reader may answer `Ok` or `Err`, never panic.

use std::panic::{AssertUnwindSafe, catch_unwind};

use tw_metadata::{Step, Window, read_metadata};
use tw_test_index::{Release, Universe, build_wheel};

/// SplitMix64, so every run tries the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next() % bound.max(1) as u64).expect("below a usize")
    }
}

/// A named wheel layout.
type Shape = (&'static str, fn(&mut Release));

/// Wheels of several layouts, named.
fn wheels() -> Vec<(&'static str, Vec<u8>)> {
    let shapes: [Shape; 6] = [
        ("plain", |_| {}),
        ("zip64", |release| {
            release.zip64();
        }),
        ("metadata-first", |release| {
            release.metadata_first().padding_kib(1);
        }),
        ("many-entries", |release| {
            release.many_entries(12);
        }),
        ("two-dist-info", |release| {
            release.two_dist_info();
        }),
        ("zip64-metadata-first", |release| {
            release.zip64().metadata_first().many_entries(3);
        }),
    ];
    shapes
        .into_iter()
        .map(|(name, shape)| {
            let mut universe = Universe::new();
            let release = universe.version("demo", "1.0").requires("idna>=3");
            shape(release);
            let release = release.clone();
            (name, build_wheel("demo", "1.0", "py3-none-any", &release))
        })
        .collect()
}

fn matches(stem: &str) -> bool {
    stem == "demo-1.0"
}

/// Drive the reader over `file` starting from `window`, serving each `Need` from `file`
/// (clamped to it), for at most eight steps. Returns a panic message if it panicked.
fn drive(file: &[u8], mut window: Window) -> Option<String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        for _ in 0..8 {
            match read_metadata(&window, &matches) {
                Ok(Step::Done(..)) | Err(_) => return,
                Ok(Step::Need(range)) => {
                    let start = usize::try_from(range.start).unwrap_or(usize::MAX);
                    let end = usize::try_from(range.end)
                        .unwrap_or(usize::MAX)
                        .min(file.len());
                    if start >= end {
                        return;
                    }
                    window.add(range.start, file[start..end].to_vec());
                }
            }
        }
    }));
    outcome.err().map(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| {
                payload
                    .downcast_ref::<&str>()
                    .map(|text| (*text).to_string())
            })
            .unwrap_or_else(|| "non-text panic".to_string())
    })
}

/// Cases that panicked: description and message.
#[derive(Default)]
struct Failures(Vec<(String, String)>, usize);

impl Failures {
    fn check(&mut self, description: impl FnOnce() -> String, file: &[u8], window: Window) {
        self.1 += 1;
        if let Some(message) = drive(file, window) {
            self.0.push((description(), message));
        }
    }

    fn assert_none(&self) {
        let shown: Vec<String> = self
            .0
            .iter()
            .take(5)
            .map(|(case, message)| format!("{case}: {message}"))
            .collect();
        assert!(
            self.0.is_empty(),
            "{} of {} cases panicked, first ones:\n{}",
            self.0.len(),
            self.1,
            shown.join("\n")
        );
    }
}

#[test]
fn every_tail_and_every_truncation_is_handled() {
    let mut failures = Failures::default();
    for (name, wheel) in wheels() {
        let total = wheel.len();
        for kept in 0..=total {
            // The last `kept` bytes of the real file.
            let start = total - kept;
            failures.check(
                || format!("{name}: tail of {kept} bytes"),
                &wheel,
                Window::new(start as u64, wheel[start..].to_vec(), total as u64),
            );
            // The file cut short to `kept` bytes, read whole.
            let cut = &wheel[..kept];
            failures.check(
                || format!("{name}: file cut to {kept} bytes"),
                cut,
                Window::new(0, cut.to_vec(), kept as u64),
            );
        }
    }
    failures.assert_none();
}

#[test]
fn random_byte_changes_are_handled() {
    let mut rng = Rng(0x7461_696c_7768_6565);
    let mut failures = Failures::default();
    let wheels = wheels();
    for case in 0..4000 {
        let (name, wheel) = &wheels[case % wheels.len()];
        let mut file = wheel.clone();
        let changes = 1 + rng.below(4);
        let mut changed = Vec::new();
        for _ in 0..changes {
            // Half the changes land in the last 200 bytes, where the zip structures are.
            let at = if rng.below(2) == 0 {
                file.len() - 1 - rng.below(200.min(file.len()))
            } else {
                rng.below(file.len())
            };
            let value = match rng.below(4) {
                0 => 0xff,
                1 => 0x00,
                _ => u8::try_from(rng.below(256)).unwrap(),
            };
            file[at] = value;
            changed.push((at, value));
        }
        let total = file.len();
        let tail = [22, 64, 100, 300, total][rng.below(5)].min(total);
        let start = total - tail;
        failures.check(
            || format!("{name}: bytes {changed:?} changed, tail of {tail}"),
            &file,
            Window::new(start as u64, file[start..].to_vec(), total as u64),
        );
    }
    failures.assert_none();
}

/// A window that claims a total size different from the bytes it holds.
#[test]
fn inconsistent_totals_are_handled() {
    let mut failures = Failures::default();
    for (name, wheel) in wheels() {
        let len = wheel.len() as u64;
        for total in [
            0,
            1,
            len / 2,
            len - 1,
            len + 1,
            len * 2,
            u64::MAX / 2,
            u64::MAX,
        ] {
            for start in [0, len / 2, total.saturating_sub(len), total] {
                failures.check(
                    || format!("{name}: window at {start} of claimed total {total}"),
                    &wheel,
                    Window::new(start, wheel.clone(), total),
                );
            }
        }
    }
    failures.assert_none();
}

/// Every 8-byte run of the structures at the end of each wheel (the last 300 bytes: end
/// records, locator, central directory) set to `0xFF` or to `0x00`, read with a tail window
/// and as a whole file: the extreme values of every 16-, 32- and 64-bit field.
#[test]
fn extreme_field_values_are_handled() {
    let mut failures = Failures::default();
    for (name, wheel) in wheels() {
        let total = wheel.len();
        for at in total.saturating_sub(300)..total {
            for fill in [0xff, 0x00] {
                let mut file = wheel.clone();
                let end = (at + 8).min(total);
                file[at..end].fill(fill);
                for tail in [100, total] {
                    let start = total - tail.min(total);
                    failures.check(
                        || format!("{name}: bytes {at}..{end} set to {fill:#04x}, tail of {tail}"),
                        &file,
                        Window::new(start as u64, file[start..].to_vec(), total as u64),
                    );
                }
            }
        }
    }
    failures.assert_none();
}
