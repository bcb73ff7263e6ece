//! Conflict reports in Python terms: specifiers instead of intervals, "you require"
//! instead of "root depends on", the reason a version was unusable.

use pep440_rs::Version;
use pubgrub::{Derived, External, Map, ReportFormatter, Term};
use std::ops::Bound;
use version_ranges::Ranges;

use crate::candidates::Unusable;
use crate::package::{PackageKind, PubGrubPackage};

/// Formats PubGrub's derivation tree for people who write requirements files.
#[derive(Debug, Default)]
pub(crate) struct PythonReportFormatter;

type Ext = External<PubGrubPackage, Ranges<Version>, String>;
type Der = Derived<PubGrubPackage, Ranges<Version>, String>;
type Terms = Map<PubGrubPackage, Term<Ranges<Version>>>;

/// `name<spec>`: `requests==2.31.0`, `urllib3>=1.21.1, <3`, `flask` for any version.
pub(crate) fn package_range(package: &PubGrubPackage, range: &Ranges<Version>) -> String {
    if matches!(package.kind(), PackageKind::Root) {
        return package.to_string();
    }
    if range == &Ranges::full() {
        return package.to_string();
    }
    if range.is_empty() {
        return format!("{package} (no version)");
    }
    format!("{package}{}", specifiers(range))
}

/// A range as PEP 440 specifiers; disjoint pieces joined with ` | `.
pub(crate) fn specifiers(range: &Ranges<Version>) -> String {
    let segments: Vec<(Bound<&Version>, Bound<&Version>)> = range
        .iter()
        .map(|(a, b)| (a.as_ref(), b.as_ref()))
        .collect();
    if let [
        (Bound::Unbounded, Bound::Excluded(a)),
        (Bound::Included(b), Bound::Unbounded),
    ] = segments.as_slice()
        && *b == &crate::ranges::after_locals(a)
    {
        return format!("!={a}");
    }
    // `!=v` is the complement of a single version: two pieces around it.
    if let [
        (Bound::Unbounded, Bound::Excluded(a)),
        (Bound::Excluded(b), Bound::Unbounded),
    ] = segments.as_slice()
        && a == b
    {
        return format!("!={a}");
    }
    segments
        .iter()
        .map(|(low, high)| match (low, high) {
            (Bound::Included(a), Bound::Included(b)) if a == b => format!("=={a}"),
            (Bound::Included(a), Bound::Excluded(b)) if *b == &crate::ranges::after_locals(a) => {
                format!("=={a}")
            }
            (Bound::Unbounded, Bound::Unbounded) => String::new(),
            (low, high) => {
                // Bounds at `after_locals(V)` come from `>V.postN`, `<=V` and `<V.postN`
                // (see `ranges.rs`); show them as written, not as the internal bound.
                let low = match low {
                    Bound::Included(v) => Some(match locals_base(v) {
                        Some(base) => format!(">{base}"),
                        None => format!(">={v}"),
                    }),
                    Bound::Excluded(v) => Some(format!(">{v}")),
                    Bound::Unbounded => None,
                };
                let high = match high {
                    Bound::Included(v) => Some(format!("<={v}")),
                    Bound::Excluded(v) => Some(match locals_base(v) {
                        Some(base) if v.post() == Some(0) => format!("<={base}"),
                        Some(_) => format!("<{}", (*v).clone().with_dev(None)),
                        None => format!("<{v}"),
                    }),
                    Bound::Unbounded => None,
                };
                low.into_iter().chain(high).collect::<Vec<_>>().join(", ")
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The `V` for which `bound == after_locals(V)`, when the bound is a `.postN.dev0` one.
fn locals_base(bound: &Version) -> Option<Version> {
    if bound.dev() != Some(0) {
        return None;
    }
    let post = bound.post()?;
    let base = if post == 0 {
        bound.clone().with_dev(None).with_post(None)
    } else {
        bound.clone().with_dev(None).with_post(Some(post - 1))
    };
    (crate::ranges::after_locals(&base) == *bound).then_some(base)
}

fn is_root(package: &PubGrubPackage) -> bool {
    matches!(package.kind(), PackageKind::Root)
}

impl ReportFormatter<PubGrubPackage, Ranges<Version>, String> for PythonReportFormatter {
    type Output = String;

    fn format_external(&self, external: &Ext) -> String {
        match external {
            External::NotRoot(..) => "we are solving your requirements".into(),
            External::NoVersions(package, range) => {
                if range == &Ranges::full() {
                    format!("{package} was not found in the package index")
                } else {
                    format!(
                        "there is no usable version of {}",
                        package_range(package, range)
                    )
                }
            }
            External::FromDependencyOf(package, range, dependency, dependency_range) => {
                if is_root(package) {
                    format!(
                        "you require {}",
                        package_range(dependency, dependency_range)
                    )
                } else {
                    format!(
                        "{} depends on {}",
                        package_range(package, range),
                        package_range(dependency, dependency_range)
                    )
                }
            }
            External::Custom(package, range, reason) => {
                format!(
                    "{} cannot be used ({reason})",
                    package_range(package, range)
                )
            }
        }
    }

    fn format_terms(&self, terms: &Terms) -> String {
        let terms: Vec<_> = terms.iter().collect();
        match terms.as_slice() {
            [] => "version solving failed".into(),
            [(package, Term::Positive(_))] if is_root(package) => {
                "your requirements are unsatisfiable".into()
            }
            [(package, Term::Positive(range))] => {
                format!("{} cannot be used", package_range(package, range))
            }
            [(package, Term::Negative(range))] => {
                format!("{} is required", package_range(package, range))
            }
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))]
            | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => self.format_external(
                &External::FromDependencyOf((*p1).clone(), r1.clone(), (*p2).clone(), r2.clone()),
            ),
            slice => {
                let parts: Vec<_> = slice
                    .iter()
                    .map(|(package, term)| match term {
                        Term::Positive(range) => package_range(package, range),
                        Term::Negative(range) => format!("not {}", package_range(package, range)),
                    })
                    .collect();
                format!("{} are incompatible", parts.join(", "))
            }
        }
    }

    fn explain_both_external(&self, e1: &Ext, e2: &Ext, current: &Terms) -> String {
        format!(
            "Because {} and {}, we can conclude that {}.",
            self.format_external(e1),
            self.format_external(e2),
            self.format_terms(current)
        )
    }

    fn explain_both_ref(
        &self,
        id1: usize,
        d1: &Der,
        id2: usize,
        d2: &Der,
        current: &Terms,
    ) -> String {
        format!(
            "Because {} ({id1}) and {} ({id2}), we can conclude that {}.",
            self.format_terms(&d1.terms),
            self.format_terms(&d2.terms),
            self.format_terms(current)
        )
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        derived: &Der,
        external: &Ext,
        current: &Terms,
    ) -> String {
        format!(
            "Because {} ({id}) and {}, we can conclude that {}.",
            self.format_terms(&derived.terms),
            self.format_external(external),
            self.format_terms(current)
        )
    }

    fn and_explain_external(&self, external: &Ext, current: &Terms) -> String {
        format!(
            "And because {}, we can conclude that {}.",
            self.format_external(external),
            self.format_terms(current)
        )
    }

    fn and_explain_ref(&self, id: usize, derived: &Der, current: &Terms) -> String {
        format!(
            "And because {} ({id}), we can conclude that {}.",
            self.format_terms(&derived.terms),
            self.format_terms(current)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior: &Ext,
        external: &Ext,
        current: &Terms,
    ) -> String {
        format!(
            "And because {} and {}, we can conclude that {}.",
            self.format_external(prior),
            self.format_external(external),
            self.format_terms(current)
        )
    }
}

type Tree = pubgrub::DerivationTree<PubGrubPackage, Ranges<Version>, String>;

/// True for the range `(V, after_locals(V))`: the `V+local` builds that `==V` also allows.
fn is_local_gap(range: &Ranges<Version>) -> bool {
    let segments: Vec<_> = range.iter().collect();
    matches!(segments.as_slice(), [(Bound::Excluded(a), Bound::Excluded(b))] if *b == crate::ranges::after_locals(a))
}

/// Remove "there is no `V+local` version" steps from a derivation tree. `==V` also allows
/// local builds of `V` (PEP 440), so when `V` itself is rejected PubGrub proves that no
/// local build exists either; true, but noise in a report, so the step is skipped.
pub(crate) fn drop_local_gaps(tree: Tree) -> Tree {
    match tree {
        Tree::External(_) => tree,
        Tree::Derived(mut derived) => {
            // "No other version exists" next to "this version cannot be used" adds nothing
            // a reader needs: keep the second fact alone.
            let noise = |cause: &Tree, other: &Tree| match (cause, other) {
                (Tree::External(External::NoVersions(_, range)), _) if is_local_gap(range) => true,
                (
                    Tree::External(External::NoVersions(package, _)),
                    Tree::External(External::Custom(other, _, _)),
                ) => package == other,
                (Tree::External(External::NoVersions(package, range)), Tree::Derived(other))
                    if range != &Ranges::full() =>
                {
                    other.terms.contains_key(package)
                }
                _ => false,
            };
            if noise(&derived.cause1, &derived.cause2) {
                return drop_local_gaps((*derived.cause2).clone());
            }
            if noise(&derived.cause2, &derived.cause1) {
                return drop_local_gaps((*derived.cause1).clone());
            }
            derived.cause1 = std::sync::Arc::new(drop_local_gaps((*derived.cause1).clone()));
            derived.cause2 = std::sync::Arc::new(drop_local_gaps((*derived.cause2).clone()));
            Tree::Derived(derived)
        }
    }
}

/// Rewrite the ranges the report shows for a package's own versions against the versions
/// the index offered: a range that holds exactly one of them reads `==V`, one that holds all
/// of several reads as the bare name, and one that holds a run of consecutive offered
/// versions reads `>=FIRST, <=LAST` (open-ended where the run reaches the oldest or newest
/// version; issue 18, as uv shortens them). `a<2.0.0 | >2.0.0, <3.0.0 depends on b==1.0.0` becomes
/// `a==1.0.0 depends on b==1.0.0`. Requirement ranges (the right side of "depends on") are
/// left as written.
pub(crate) fn simplify_ranges(
    tree: Tree,
    versions_of: &dyn Fn(
        &pep508_rs::PackageName,
    ) -> Option<std::sync::Arc<crate::candidates::VersionMap>>,
) -> Tree {
    let simplify = |package: &PubGrubPackage, range: Ranges<Version>| -> Ranges<Version> {
        let Some(versions) = package.name().and_then(versions_of) else {
            return range;
        };
        let inside: Vec<&Version> = versions
            .versions
            .keys()
            .filter(|v| range.contains(v))
            .collect();
        match inside.as_slice() {
            [only] => Ranges::singleton((*only).clone()),
            [] => range,
            _ if inside.len() == versions.versions.len() => Ranges::full(),
            [first, .., last] => {
                let all: Vec<&Version> = versions.versions.keys().collect();
                let Some(start) = all.iter().position(|v| v == first) else {
                    return range;
                };
                // Consecutive among the offered versions: nothing offered in between is left out.
                if all.get(start..start + inside.len()) != Some(inside.as_slice()) {
                    return range;
                }
                let low = if start == 0 {
                    Ranges::full()
                } else {
                    Ranges::higher_than((*first).clone())
                };
                let high = if start + inside.len() == all.len() {
                    Ranges::full()
                } else {
                    Ranges::lower_than((*last).clone())
                };
                low.intersection(&high)
            }
        }
    };
    match tree {
        Tree::External(external) => Tree::External(match external {
            External::FromDependencyOf(p, r, d, dr) => {
                let r = simplify(&p, r);
                External::FromDependencyOf(p, r, d, dr)
            }
            External::Custom(p, r, m) => {
                let r = simplify(&p, r);
                External::Custom(p, r, m)
            }
            other => other,
        }),
        Tree::Derived(mut derived) => {
            let terms = std::mem::take(&mut derived.terms);
            derived.terms = terms
                .into_iter()
                .map(|(package, term)| {
                    let term = match term {
                        Term::Positive(range) => Term::Positive(simplify(&package, range)),
                        Term::Negative(range) => Term::Negative(simplify(&package, range)),
                    };
                    (package, term)
                })
                .collect();
            derived.cause1 =
                std::sync::Arc::new(simplify_ranges((*derived.cause1).clone(), versions_of));
            derived.cause2 =
                std::sync::Arc::new(simplify_ranges((*derived.cause2).clone(), versions_of));
            Tree::Derived(derived)
        }
    }
}

/// True when the tree says some package does not exist at all (no version in any range).
pub(crate) fn has_missing_package(tree: &Tree) -> bool {
    match tree {
        Tree::External(External::NoVersions(_, range)) => range == &Ranges::full(),
        Tree::External(_) => false,
        Tree::Derived(derived) => {
            has_missing_package(&derived.cause1) || has_missing_package(&derived.cause2)
        }
    }
}

/// Hints that help a user act on a failed resolution, computed from the packages the
/// report mentions and what the index offered for them:
/// * a pre-release would satisfy a range that had no usable stable version;
/// * every version in the range is yanked;
/// * versions exist but none has a wheel for the target (the platforms offered are listed);
/// * only source distributions exist and building is disabled.
pub(crate) fn hints(
    tree: &Tree,
    versions_of: &dyn Fn(
        &pep508_rs::PackageName,
    ) -> Option<std::sync::Arc<crate::candidates::VersionMap>>,
) -> Vec<String> {
    let mut facts: Vec<(PubGrubPackage, Ranges<Version>)> = Vec::new();
    collect_ranges(tree, &mut facts);
    // Requirements first (their ranges are the ones people wrote), then derived facts.
    let mut required = Vec::new();
    collect_requirements(tree, &mut required);
    let asked = required.clone();
    facts.splice(0..0, required);
    let mut hints: Vec<String> = Vec::new();
    // One hint of each kind per package: the first fact about it in the tree decides.
    let mut given: Vec<(pep508_rs::PackageName, &'static str)> = Vec::new();
    let mut push = |name: &pep508_rs::PackageName, kind: &'static str, hint: String| {
        if !given.iter().any(|(n, k)| n == name && *k == kind) {
            given.push((name.clone(), kind));
            hints.push(hint);
        }
    };
    for (package, range) in &facts {
        let Some(name) = package.name() else { continue };
        let Some(versions) = versions_of(name) else {
            continue;
        };
        let in_range: Vec<_> = versions
            .versions
            .iter()
            .filter(|(v, _)| range.contains(v))
            .collect();
        let shown = package_range(package, range);
        if in_range.is_empty() {
            continue;
        }
        // Only for a range someone asked for, and only when a pre-release in it could
        // really be used (a file for the target, not yanked): otherwise the hint sends
        // people after a version that would fail too.
        let usable_prerelease = in_range.iter().rev().find(|(v, entry)| {
            v.any_prerelease() && entry.choice.is_ok() && entry.yanked.is_none()
        });
        if in_range.iter().all(|(v, _)| v.any_prerelease())
            && asked.iter().any(|(p, r)| p == package && r == range)
            && let Some((version, _)) = usable_prerelease
        {
            push(
                name,
                "prerelease",
                format!(
                    "only pre-releases of {name} match `{shown}` (the newest is {version}); pass `--prerelease allow` or name a pre-release in the requirement to use one"
                ),
            );
        }
        if in_range.iter().all(|(_, entry)| entry.yanked.is_some()) {
            let which = if range == &Ranges::full() {
                format!("every version of {name} was yanked")
            } else {
                format!("every version of {name} that matches `{shown}` was yanked")
            };
            push(
                name,
                "yanked",
                format!("{which}; pin one with `==` to use it anyway"),
            );
        }
        let usable = |u: &Unusable| {
            in_range
                .iter()
                .all(|(_, entry)| matches!(&entry.choice, Err(found) if found == u))
        };
        // About a range someone asked for: a fact about one version deep in the chain says
        // nothing about the package (its other versions may have sdists).
        if usable(&Unusable::NoCompatibleWheel)
            && asked.iter().any(|(p, r)| p == package && r == range)
        {
            let mut platforms: Vec<String> = in_range
                .iter()
                .flat_map(|(_, entry)| entry.other_wheels.iter())
                .map(|wheel| wheel.tags.to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            if platforms.len() > 8 {
                platforms.truncate(8);
                platforms.push("…".into());
            }
            push(
                name,
                "platform",
                format!(
                    "{name} has wheels only for other targets ({}) and no source distribution; check `--python-version` and `--python-platform`",
                    platforms.join(", ")
                ),
            );
        }
        if usable(&Unusable::OnlyBinary) {
            push(
                name,
                "no-build",
                if range == &Ranges::full() {
                    format!(
                        "{name} has only source distributions, and `--only-binary` excludes them"
                    )
                } else {
                    format!(
                        "{name} has only source distributions for `{shown}`, and `--only-binary` excludes them"
                    )
                },
            );
        }
    }
    hints
}

/// The paragraph a report opens with when the failure comes down to packages none of whose
/// candidate versions could be used (issue 14): each such package with the reason of each
/// rejected version, so the cause is read first rather than at the end of a chain.
///
/// A package qualifies when the tree rejects some of its versions for a reason of their own
/// (`Unavailable`: no wheel for the target, a build that cannot run, `requires-python`, …)
/// and no version of it is ruled out by its own dependencies (then the chain itself is the
/// explanation). `None` when no package qualifies.
pub(crate) fn lead(tree: &Tree) -> Option<String> {
    let mut facts: Vec<SubjectFact> = Vec::new();
    collect_subject_facts(tree, &mut facts);
    let mut order: Vec<PubGrubPackage> = Vec::new();
    for (package, _) in &facts {
        if package.name().is_some() && !order.contains(package) {
            order.push(package.clone());
        }
    }
    let mut paragraphs = Vec::new();
    for package in order {
        let mine: Vec<_> = facts.iter().filter(|(p, _)| *p == package).collect();
        // A `None` fact is a version excluded by its own dependencies.
        if mine.iter().any(|(_, fact)| fact.is_none()) {
            continue;
        }
        // Group the rejected versions by reason, keeping the tree's order.
        let mut by_reason: Vec<(&str, Vec<String>)> = Vec::new();
        for (_, fact) in &mine {
            let Some((range, reason)) = fact else {
                continue;
            };
            let shown = package_range(&package, range);
            match by_reason.iter_mut().find(|(r, _)| *r == reason.as_str()) {
                Some((_, versions)) => versions.push(shown),
                None => by_reason.push((reason.as_str(), vec![shown])),
            }
        }
        if by_reason.is_empty() {
            continue;
        }
        let mut text = format!("{package} cannot be used:");
        for (reason, mut versions) in by_reason {
            versions.sort();
            versions.dedup();
            let more = versions.len().saturating_sub(4);
            versions.truncate(4);
            let mut shown = versions.join(", ");
            if more > 0 {
                shown.push_str(&format!(" and {more} more"));
            }
            text.push_str(&format!("\n  {shown}: {reason}"));
        }
        paragraphs.push(text);
    }
    (!paragraphs.is_empty()).then(|| paragraphs.join("\n"))
}

/// A fact about a package's own versions: `Some((range, reason))` for versions unusable on
/// their own, `None` for versions ruled out by their dependencies.
type SubjectFact = (PubGrubPackage, Option<(Ranges<Version>, String)>);

/// The facts whose subject is a package, in tree order. "Not found" facts count as neither
/// kind (the report already leads with them).
fn collect_subject_facts(tree: &Tree, out: &mut Vec<SubjectFact>) {
    match tree {
        Tree::External(External::Custom(package, range, reason)) => {
            out.push((package.clone(), Some((range.clone(), reason.clone()))));
        }
        Tree::External(External::FromDependencyOf(package, ..)) => {
            out.push((package.clone(), None));
        }
        Tree::External(External::NoVersions(..) | External::NotRoot(..)) => {}
        Tree::Derived(derived) => {
            collect_subject_facts(&derived.cause1, out);
            collect_subject_facts(&derived.cause2, out);
        }
    }
}

/// The (dependency, range) of every requirement edge in the tree, in tree order.
fn collect_requirements(tree: &Tree, out: &mut Vec<(PubGrubPackage, Ranges<Version>)>) {
    match tree {
        Tree::External(External::FromDependencyOf(_, _, dependency, range)) => {
            out.push((dependency.clone(), range.clone()));
        }
        Tree::External(_) => {}
        Tree::Derived(derived) => {
            collect_requirements(&derived.cause1, out);
            collect_requirements(&derived.cause2, out);
        }
    }
}

/// Every (package, range) the tree states a fact about, in tree order.
fn collect_ranges(tree: &Tree, out: &mut Vec<(PubGrubPackage, Ranges<Version>)>) {
    match tree {
        Tree::External(
            External::NoVersions(package, range) | External::Custom(package, range, _),
        ) => {
            out.push((package.clone(), range.clone()));
        }
        Tree::External(External::FromDependencyOf(_, _, dependency, range)) => {
            out.push((dependency.clone(), range.clone()));
        }
        Tree::External(External::NotRoot(..)) => {}
        Tree::Derived(derived) => {
            collect_ranges(&derived.cause1, out);
            collect_ranges(&derived.cause2, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn v(s: &str) -> Version {
        Version::from_str(s).unwrap()
    }

    #[test]
    fn ranges_read_as_specifiers() {
        let range = Ranges::from(pep440_rs::VersionSpecifiers::from_str(">=1.21.1,<3").unwrap());
        let pinned = crate::ranges::specifiers_to_ranges(
            &pep440_rs::VersionSpecifiers::from_str("==2.0").unwrap(),
        );
        assert!(pinned.contains(&v("2.0+cpu")) && !pinned.contains(&v("2.0.post0")));
        assert_eq!(specifiers(&pinned), "==2.0");
        assert_eq!(specifiers(&pinned.complement()), "!=2.0");
        let written = |s: &str| {
            specifiers(&crate::ranges::specifiers_to_ranges(
                &pep440_rs::VersionSpecifiers::from_str(s).unwrap(),
            ))
        };
        assert_eq!(written("<=1.2.3"), "<=1.2.3");
        assert_eq!(written(">1.2.3.post2"), ">1.2.3.post2");
        assert_eq!(written("<1.2.3.post1"), "<1.2.3.post1");
        assert_eq!(written(">=1.0,<=2.0"), ">=1.0, <=2.0");
        assert_eq!(specifiers(&range), ">=1.21.1, <3");
        assert_eq!(specifiers(&Ranges::singleton(v("2.31.0"))), "==2.31.0");
        assert_eq!(
            specifiers(&Ranges::singleton(v("2.0")).complement()),
            "!=2.0"
        );
        assert_eq!(specifiers(&Ranges::strictly_lower_than(v("1.21"))), "<1.21");
    }
}
