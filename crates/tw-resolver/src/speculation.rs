//! How much the resolver fetches on a guess, and what it counts about it (issue 15).
//!
//! PubGrub asks one question at a time; prefetching starts the answers to the next ones
//! before they are asked. On a quick network a wrong guess is free. On a slow one (far
//! mirror, corporate proxy, cold CI cache) every guess takes connection slots and bandwidth
//! from the request the solver is blocked on, so guesses are kept in their place:
//!
//! * **The solver first.** A fetch the solver is waiting for never queues: it goes straight
//!   to the source (and shares a guess already in flight for the same answer, through the
//!   fetcher's once-maps). Speculative fetches wait for one of
//!   [`SpeculationOptions::in_flight`] permits, always fewer than `--concurrency` (the HTTP
//!   client's own limit), so a solver fetch finds a free connection even when every
//!   permit is taken.
//! * **Two queues.** Near guesses (pages and likely metadata of packages the solver has
//!   discovered, and walk-back batches) and far guesses (the walk on to a guess's own
//!   dependencies) share that budget, but far ones may hold at most half of it, so they
//!   never crowd out the near ones.
//! * **Bounded depth.** The walk on from a discovered package stops
//!   [`SpeculationOptions::depth`] guesses deep (before issue 15 it had no limit and read
//!   the metadata of hundreds of files no solution used).
//! * **Walk-back batches.** When the solver rejects the versions of a package one after
//!   another, the metadata of its next [`SpeculationOptions::batch`] candidates (wheels
//!   only, never a build) are fetched together instead of one round trip per rejection
//!   (uv's batch prefetch does the same).
//! * **Cancelled when useless.** A queued guess whose answer the solver has already asked
//!   for itself, or whose version the solver has walked past, is dropped before it sends a
//!   request; when the resolution ends, every guess still queued or running is cancelled.
//!
//! What happened is counted in [`ResolveStats`] (`tailwheel resolve --stats` prints it).

use std::sync::{Mutex, MutexGuard, PoisonError};

use pep440_rs::Version;
use pep508_rs::PackageName;
use rustc_hash::FxHashSet;

/// Limits on speculative fetching; the defaults were chosen by measurement (see
/// `docs/architecture.md`, "The resolver loop and latency").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpeculationOptions {
    /// How many guesses deep the walk on goes from a package the solver discovered: 0
    /// fetches only the page and likely metadata of discovered packages, 1 also those of
    /// that likely version's dependencies, and so on.
    pub depth: u32,
    /// Speculative fetches in flight at once, at most (further capped below the
    /// resolution's `concurrency`, so a solver fetch always finds a free connection).
    pub in_flight: usize,
    /// How many of a walking-back package's next candidates have their metadata fetched
    /// ahead of the solver (0 turns batches off).
    pub batch: usize,
    /// From which choice of a package within one attempt (its n-th version tried) its next
    /// candidates are fetched in batches.
    pub batch_after: u32,
}

impl Default for SpeculationOptions {
    fn default() -> Self {
        Self {
            depth: 2,
            in_flight: 32,
            batch: 8,
            batch_after: 2,
        }
    }
}

impl std::str::FromStr for SpeculationOptions {
    type Err = String;

    /// `depth,in_flight,batch,batch_after` (for benchmark sweeps), e.g. `1,16,8,2`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let fields: Vec<&str> = value.split(',').map(str::trim).collect();
        let [depth, in_flight, batch, batch_after] = fields[..] else {
            return Err(format!(
                "`{value}`: expected four numbers `depth,in_flight,batch,batch_after`"
            ));
        };
        let number = |text: &str| {
            text.parse::<u32>()
                .map_err(|err| format!("`{value}`: `{text}` is not a number: {err}"))
        };
        Ok(Self {
            depth: number(depth)?,
            in_flight: usize::try_from(number(in_flight)?).unwrap_or(usize::MAX),
            batch: usize::try_from(number(batch)?).unwrap_or(usize::MAX),
            batch_after: number(batch_after)?,
        })
    }
}

/// What one resolution fetched and decided: solver-requested and speculative fetches
/// (project pages and metadata files), how many guesses were used, and PubGrub's decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResolveStats {
    /// Versions chosen by the solver (`choose_version` calls, extras included), over every
    /// attempt.
    pub decisions: u64,
    /// Decisions on a package already decided in the same attempt: each follows a
    /// rejection or a backtrack.
    pub repeated_decisions: u64,
    /// Attempts started over with a much-rejected package decided early.
    pub restarts: u64,
    /// Fetches the solver started itself (nobody had guessed them).
    pub solver_fetches: u64,
    /// Fetches started on a guess (prefetch walk and walk-back batches).
    pub speculative_fetches: u64,
    /// Of the speculative fetches, those started by walk-back batches.
    pub batch_fetches: u64,
    /// Speculative fetches whose answer the solver later asked for.
    pub speculative_used: u64,
    /// Queued guesses dropped before sending a request (answer already asked for or no
    /// longer useful, or the resolution ended).
    pub cancelled: u64,
}

impl ResolveStats {
    /// Speculative fetches whose answer the solver never asked for.
    pub fn speculative_unused(&self) -> u64 {
        self.speculative_fetches
            .saturating_sub(self.speculative_used)
    }
}

/// One answer the fetcher can be asked for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum FetchKey {
    /// A project's page.
    Page(PackageName),
    /// The metadata of one version's chosen file.
    Metadata(PackageName, Version),
}

/// Who started a fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The solver is waiting for it.
    Solver,
    /// A guess from the prefetch walk.
    Walk,
    /// A guess from a walk-back batch.
    Batch,
}

#[derive(Default)]
struct LedgerInner {
    speculative: FxHashSet<FetchKey>,
    wanted: FxHashSet<FetchKey>,
    stats: ResolveStats,
}

/// The counters behind [`ResolveStats`], shared by the solver thread and fetch tasks.
#[derive(Default)]
pub(crate) struct Ledger {
    inner: Mutex<LedgerInner>,
}

impl Ledger {
    fn lock(&self) -> MutexGuard<'_, LedgerInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fetch of `key` was started (the first asker of it) by `origin`.
    pub(crate) fn started(&self, key: FetchKey, origin: Origin) {
        let mut inner = self.lock();
        match origin {
            Origin::Solver => inner.stats.solver_fetches += 1,
            Origin::Walk | Origin::Batch => {
                inner.stats.speculative_fetches += 1;
                if origin == Origin::Batch {
                    inner.stats.batch_fetches += 1;
                }
                inner.speculative.insert(key);
            }
        }
    }

    /// The solver asked for `key` (whoever started it).
    pub(crate) fn wanted(&self, key: FetchKey) {
        self.lock().wanted.insert(key);
    }

    /// `count` queued guesses were dropped before sending a request.
    pub(crate) fn cancelled(&self, count: u64) {
        self.lock().stats.cancelled += count;
    }

    /// The solver chose a version; `repeated` when the package was decided before in this
    /// attempt.
    pub(crate) fn decision(&self, repeated: bool) {
        let mut inner = self.lock();
        inner.stats.decisions += 1;
        if repeated {
            inner.stats.repeated_decisions += 1;
        }
    }

    /// An attempt was started over.
    pub(crate) fn restart(&self) {
        self.lock().stats.restarts += 1;
    }

    /// The counters so far.
    pub(crate) fn stats(&self) -> ResolveStats {
        let inner = self.lock();
        let used = inner
            .speculative
            .iter()
            .filter(|key| inner.wanted.contains(key))
            .count();
        ResolveStats {
            speculative_used: u64::try_from(used).unwrap_or(u64::MAX),
            ..inner.stats
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_counts_only_guesses_the_solver_asked_for() {
        let ledger = Ledger::default();
        let page = |name: &str| FetchKey::Page(name.parse().unwrap());
        ledger.started(page("a"), Origin::Walk);
        ledger.started(page("b"), Origin::Batch);
        ledger.started(page("c"), Origin::Solver);
        ledger.wanted(page("a"));
        ledger.wanted(page("c"));
        let stats = ledger.stats();
        assert_eq!(stats.speculative_fetches, 2);
        assert_eq!(stats.batch_fetches, 1);
        assert_eq!(stats.solver_fetches, 1);
        assert_eq!(stats.speculative_used, 1);
        assert_eq!(stats.speculative_unused(), 1);
    }

    #[test]
    fn options_parse_from_four_numbers() {
        let options: SpeculationOptions = "2, 4,0,3".parse().unwrap();
        assert_eq!(
            options,
            SpeculationOptions {
                depth: 2,
                in_flight: 4,
                batch: 0,
                batch_after: 3
            }
        );
        assert!("1,2,3".parse::<SpeculationOptions>().is_err());
        assert!("1,2,x,3".parse::<SpeculationOptions>().is_err());
    }
}
