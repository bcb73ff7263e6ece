//! Property test of the whole resolver against an exhaustive search (issue 13, item 14).
//!
//! Random small universes (up to 8 packages × 6 versions; random ranges, extras, and
//! environment markers whose truth on the target is known) are served by an
//! `InMemorySource`. For each one:
//! * tailwheel finds a solution exactly when the oracle (a plain backtracking search over
//!   every version of every required package) finds one, and fails only with "no solution";
//! * every solution satisfies every active requirement: the root's, each package's own, and
//!   those its requested extras switch on, with markers evaluated for the target;
//! * the answer (pins and extras, or the report) is the same at `--concurrency` 1 and 50.
//!
//! CI runs proptest's default number of cases (256); `PROPTEST_CASES=10000 cargo test -p
//! tw-resolver --test it proptest` runs a longer search (see `docs/architecture.md`,
//! "Testing the resolver without HTTP").

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::{Arc, LazyLock};

use proptest::prelude::*;
use tw_resolver::{InMemorySource, MetadataSource, Resolution, ResolveError, ResolverOptions};

use crate::common::{manifest, metadata, runtime, target};

/// Environment markers and whether each holds for the target (CPython 3.12, manylinux
/// `x86_64`); the oracle uses the truth value, tailwheel evaluates the text.
const MARKERS: [(&str, bool); 5] = [
    ("python_version >= \"3.8\"", true),
    ("python_version < \"3.10\"", false),
    ("sys_platform == \"linux\"", true),
    ("sys_platform == \"win32\"", false),
    ("platform_machine == \"x86_64\"", true),
];

/// One runtime for every case (starting one per case would dominate the run time).
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(runtime);

/// The extras every version provides.
const EXTRAS: [&str; 2] = ["x", "y"];

/// A version range over the versions `1` to `6` (bounds go one further).
#[derive(Clone, Copy, Debug)]
enum Range {
    Any,
    AtLeast(u8),
    Below(u8),
    Exactly(u8),
    Not(u8),
    Between(u8, u8),
}

impl Range {
    fn contains(self, version: u8) -> bool {
        match self {
            Self::Any => true,
            Self::AtLeast(a) => version >= a,
            Self::Below(a) => version < a,
            Self::Exactly(a) => version == a,
            Self::Not(a) => version != a,
            Self::Between(a, b) => version >= a && version < b,
        }
    }

    fn specifier(self) -> String {
        match self {
            Self::Any => String::new(),
            Self::AtLeast(a) => format!(">={a}"),
            Self::Below(a) => format!("<{a}"),
            Self::Exactly(a) => format!("=={a}"),
            Self::Not(a) => format!("!={a}"),
            Self::Between(a, b) => format!(">={a},<{b}"),
        }
    }
}

/// One requirement on package `package`.
#[derive(Clone, Debug)]
struct Req {
    package: usize,
    range: Range,
    /// An extra requested of the package (`p1[x]`), as an index into [`EXTRAS`].
    extra: Option<usize>,
    /// An environment marker, as an index into [`MARKERS`].
    marker: Option<usize>,
}

impl Req {
    /// The requirement as `Requires-Dist` text; `when_extra` adds `extra == "…"`.
    fn text(&self, when_extra: Option<usize>) -> String {
        let mut text = format!("p{}", self.package);
        if let Some(extra) = self.extra {
            write!(text, "[{}]", EXTRAS[extra]).expect("writing to a String");
        }
        text.push_str(&self.range.specifier());
        let mut markers = Vec::new();
        if let Some(marker) = self.marker {
            markers.push(MARKERS[marker].0.to_string());
        }
        if let Some(extra) = when_extra {
            markers.push(format!("extra == \"{}\"", EXTRAS[extra]));
        }
        if !markers.is_empty() {
            write!(text, " ; {}", markers.join(" and ")).expect("writing to a String");
        }
        text
    }

    /// Whether the marker holds on the target.
    fn applies(&self) -> bool {
        self.marker.is_none_or(|marker| MARKERS[marker].1)
    }
}

/// One version of a package: its requirements, and those of each extra.
#[derive(Clone, Debug)]
struct Release {
    version: u8,
    requires: Vec<Req>,
    extras: [Vec<Req>; 2],
}

impl Release {
    /// The requirements that apply with `extras` requested.
    fn active<'a>(&'a self, extras: &'a BTreeSet<usize>) -> impl Iterator<Item = &'a Req> + 'a {
        let switched_on = extras.iter().flat_map(|&extra| &self.extras[extra]);
        self.requires
            .iter()
            .chain(switched_on)
            .filter(|req| req.applies())
    }
}

#[derive(Clone, Debug)]
struct World {
    /// Releases per package `p0`, `p1`, ...
    packages: Vec<Vec<Release>>,
    /// The root requirements (no extra markers: the root has no extras).
    root: Vec<Req>,
}

fn range() -> impl Strategy<Value = Range> {
    prop_oneof![
        3 => Just(Range::Any),
        2 => (1u8..=7).prop_map(Range::AtLeast),
        2 => (1u8..=7).prop_map(Range::Below),
        1 => (1u8..=6).prop_map(Range::Exactly),
        1 => (1u8..=6).prop_map(Range::Not),
        1 => (1u8..=6, 1u8..=4).prop_map(|(a, width)| Range::Between(a, a + width)),
    ]
}

fn req(packages: usize) -> impl Strategy<Value = Req> {
    (
        0..packages,
        range(),
        prop::option::weighted(0.25, 0..EXTRAS.len()),
        prop::option::weighted(0.3, 0..MARKERS.len()),
    )
        .prop_map(|(package, range, extra, marker)| Req {
            package,
            range,
            extra,
            marker,
        })
}

fn release(packages: usize, version: u8) -> impl Strategy<Value = Release> {
    (
        prop::collection::vec(req(packages), 0..=3),
        prop::collection::vec(req(packages), 0..=2),
        prop::collection::vec(req(packages), 0..=2),
    )
        .prop_map(move |(requires, x, y)| Release {
            version,
            requires,
            extras: [x, y],
        })
}

fn package(packages: usize) -> impl Strategy<Value = Vec<Release>> {
    prop::sample::subsequence((1u8..=6).collect::<Vec<_>>(), 1..=6).prop_flat_map(move |versions| {
        versions
            .into_iter()
            .map(|version| release(packages, version))
            .collect::<Vec<_>>()
    })
}

fn world() -> impl Strategy<Value = World> {
    (1usize..=8)
        .prop_flat_map(|n| {
            (
                prop::collection::vec(package(n), n),
                prop::collection::vec(req(n), 1..=3),
            )
        })
        .prop_map(|(mut packages, root)| {
            // No package requires itself (tailwheel drops such an edge, as a self-loop
            // cannot constrain anything PubGrub decides).
            for (index, releases) in packages.iter_mut().enumerate() {
                for release in releases {
                    release.requires.retain(|req| req.package != index);
                    for extra in &mut release.extras {
                        extra.retain(|req| req.package != index);
                    }
                }
            }
            World { packages, root }
        })
}

impl World {
    fn source(&self) -> InMemorySource {
        let mut source = InMemorySource::new();
        let extras: Vec<String> = EXTRAS.iter().map(ToString::to_string).collect();
        for (index, releases) in self.packages.iter().enumerate() {
            for release in releases {
                let mut lines: Vec<String> =
                    release.requires.iter().map(|r| r.text(None)).collect();
                for (extra, reqs) in release.extras.iter().enumerate() {
                    lines.extend(reqs.iter().map(|r| r.text(Some(extra))));
                }
                let metadata = metadata(
                    &format!("p{index}"),
                    &release.version.to_string(),
                    &lines,
                    &extras,
                );
                source
                    .add(metadata)
                    .expect("`pN-V-py3-none-any.whl` is a valid name");
            }
        }
        source
    }

    fn release(&self, package: usize, version: u8) -> Option<&Release> {
        self.packages[package]
            .iter()
            .find(|release| release.version == version)
    }

    /// The requirements in force under `assignment` and the extras requested of each
    /// package; extras only switch on requirements of packages that are assigned.
    fn active(&self, assignment: &[Option<u8>]) -> Vec<Req> {
        let mut extras: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); self.packages.len()];
        loop {
            let mut active: Vec<Req> = self.root.iter().filter(|r| r.applies()).cloned().collect();
            for (package, version) in assignment.iter().enumerate() {
                if let Some(release) = version.and_then(|v| self.release(package, v)) {
                    active.extend(release.active(&extras[package]).cloned());
                }
            }
            let mut grew = false;
            for req in &active {
                if let Some(extra) = req.extra {
                    grew |= extras[req.package].insert(extra);
                }
            }
            if !grew {
                return active;
            }
        }
    }

    /// The oracle: a solution (a version for every required package) if one exists,
    /// found by trying every version of each required package in turn.
    fn oracle(&self) -> Option<Vec<Option<u8>>> {
        let mut assignment = vec![None; self.packages.len()];
        self.search(&mut assignment).then_some(assignment)
    }

    fn search(&self, assignment: &mut Vec<Option<u8>>) -> bool {
        let active = self.active(assignment);
        let mut next = None;
        for req in &active {
            match assignment[req.package] {
                Some(version) if !req.range.contains(version) => return false,
                Some(_) => {}
                None => {
                    next.get_or_insert(req.package);
                }
            }
        }
        let Some(package) = next else {
            return true;
        };
        let candidates: Vec<u8> = self.packages[package]
            .iter()
            .map(|release| release.version)
            .filter(|&version| {
                active
                    .iter()
                    .filter(|req| req.package == package)
                    .all(|req| req.range.contains(version))
            })
            .collect();
        for version in candidates {
            assignment[package] = Some(version);
            if self.search(assignment) {
                return true;
            }
        }
        assignment[package] = None;
        false
    }

    /// Panic unless `resolution` satisfies every requirement in force under it.
    fn check(&self, resolution: &Resolution) {
        let mut assignment = vec![None; self.packages.len()];
        let mut extras: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for package in &resolution.packages {
            let index: usize = package.name.as_ref()[1..]
                .parse()
                .expect("packages are named pN");
            let version: u8 = package.version.release()[0]
                .try_into()
                .expect("versions are 1 to 6");
            assert!(
                self.release(index, version).is_some(),
                "{package:?} does not exist"
            );
            assignment[index] = Some(version);
            let requested = package
                .extras
                .iter()
                .map(|extra| {
                    EXTRAS
                        .iter()
                        .position(|e| *e == extra.as_ref())
                        .expect("only known extras are requested")
                })
                .collect();
            extras.insert(index, requested);
        }
        for req in self.active(&assignment) {
            let version = assignment[req.package];
            assert!(
                version.is_some_and(|v| req.range.contains(v)),
                "`{}` is not satisfied by p{}=={version:?}",
                req.text(None),
                req.package
            );
            if let Some(extra) = req.extra {
                assert!(
                    extras[&req.package].contains(&extra),
                    "`{}` needs extra {} of p{}, which the resolution does not list",
                    req.text(None),
                    EXTRAS[extra],
                    req.package
                );
            }
        }
    }
}

/// Pins with extras, or the error's text.
fn answer(result: &Result<Resolution, ResolveError>) -> Result<Vec<String>, String> {
    match result {
        Ok(resolution) => Ok(resolution
            .packages
            .iter()
            .map(|p| {
                let extras: Vec<_> = p.extras.iter().map(ToString::to_string).collect();
                format!("{}[{}]=={}", p.name, extras.join(","), p.version)
            })
            .collect()),
        Err(error) => Err(error.to_string()),
    }
}

proptest! {
    #[test]
    fn resolves_exactly_when_a_solution_exists(world in world()) {
        let source: Arc<dyn MetadataSource> = Arc::new(world.source());
        let roots: Vec<String> = world.root.iter().map(|r| r.text(None)).collect();
        let resolve = |concurrency: usize| {
            let options = ResolverOptions { concurrency, ..ResolverOptions::default() };
            RUNTIME.block_on(tw_resolver::resolve_with(
                manifest(&roots),
                Arc::clone(&source),
                target(),
                options,
            ))
        };
        let one = resolve(1);
        let fifty = resolve(50);
        prop_assert_eq!(answer(&one), answer(&fifty));
        match (&one, world.oracle()) {
            (Ok(resolution), Some(_)) => world.check(resolution),
            (Err(error), None) => prop_assert!(error.is_no_solution(), "{}", error),
            (Ok(resolution), None) => {
                world.check(resolution);
                prop_assert!(false, "tailwheel found {:?}, the oracle found none", answer(&one));
            }
            (Err(error), Some(solution)) => {
                prop_assert!(false, "the oracle found {:?}, tailwheel: {}", solution, error);
            }
        }
    }
}
