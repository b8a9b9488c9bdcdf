//! Per-group window state: what one correlation remembers about one group-by
//! key, and the aggregate it computes over it.
//!
//! Every store keeps its entries sorted by timestamp (a late observation is
//! inserted at its place, which is a short shift from the back when the
//! stream is nearly ordered) and coalesces what the aggregate cannot tell
//! apart, so memory follows what matters rather than the event rate:
//!
//! * `event_count` keeps `(timestamp, n)` runs: a burst logged within one
//!   second of syslog time is one entry;
//! * `value_count` keeps only the latest time of each distinct value (the
//!   only one that matters for a window that ends at the newest
//!   observation); superseded entries are compacted away;
//! * `temporal` keeps each referenced rule's distinct timestamps;
//! * the numeric types keep `(timestamp, value)` pairs and a running sum
//!   (exact for integer-valued fields below 2^53, which byte counts are).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use kexin_sigma::CorrelationType;

/// What an observation contributes to the aggregate.
pub(super) enum Payload {
    /// `event_count`, `temporal`, `temporal_ordered`.
    Occurrence,
    /// `value_count`: the (encoded) value tuple.
    Value(Box<str>),
    /// `value_sum`, `value_avg`, `value_percentile`, `value_median`.
    Number(f64),
}

/// The aggregate store of one group.
#[derive(Debug)]
pub(super) enum Agg {
    Count {
        runs: VecDeque<(i64, u64)>,
        total: u64,
    },
    Distinct {
        entries: VecDeque<(i64, Box<str>)>,
        latest: HashMap<Box<str>, i64>,
    },
    Temporal {
        /// Per referenced rule (index into the correlation's `rules`).
        hits: Vec<VecDeque<i64>>,
    },
    Numeric {
        entries: VecDeque<(i64, f64)>,
        sum: f64,
    },
}

/// Index at which `t` keeps `deque` (sorted by the key) sorted, after equal keys.
fn insert_at<T>(deque: &VecDeque<T>, t: i64, key: impl Fn(&T) -> i64) -> usize {
    match deque.back() {
        // In order, the common case.
        Some(last) if key(last) <= t => deque.len(),
        None => 0,
        _ => deque.partition_point(|e| key(e) <= t),
    }
}

impl Agg {
    pub(super) fn new(kind: CorrelationType, rules: usize) -> Self {
        use CorrelationType as K;
        match kind {
            K::EventCount => Agg::Count {
                runs: VecDeque::new(),
                total: 0,
            },
            K::ValueCount => Agg::Distinct {
                entries: VecDeque::new(),
                latest: HashMap::new(),
            },
            K::Temporal | K::TemporalOrdered => Agg::Temporal {
                hits: vec![VecDeque::new(); rules],
            },
            K::ValueSum | K::ValueAvg | K::ValuePercentile | K::ValueMedian => Agg::Numeric {
                entries: VecDeque::new(),
                sum: 0.0,
            },
        }
    }

    /// Entries held (what the memory limits count).
    pub(super) fn len(&self) -> usize {
        match self {
            Agg::Count { runs, .. } => runs.len(),
            Agg::Distinct { entries, .. } => entries.len(),
            Agg::Temporal { hits } => hits.iter().map(VecDeque::len).sum(),
            Agg::Numeric { entries, .. } => entries.len(),
        }
    }

    pub(super) fn insert(&mut self, t: i64, rule: usize, payload: Payload) {
        match (self, payload) {
            (Agg::Count { runs, total }, _) => {
                *total += 1;
                let i = insert_at(runs, t, |r| r.0);
                match runs.get_mut(i.wrapping_sub(1)) {
                    Some(run) if run.0 == t => run.1 += 1,
                    _ => runs.insert(i, (t, 1)),
                }
            }
            (Agg::Distinct { entries, latest }, Payload::Value(v)) => {
                match latest.get_mut(&v) {
                    Some(seen) if *seen >= t => return,
                    Some(seen) => *seen = t,
                    None => {
                        latest.insert(v.clone(), t);
                    }
                }
                let i = insert_at(entries, t, |e| e.0);
                entries.insert(i, (t, v));
                if entries.len() > 2 * latest.len() + 16 {
                    let mut fresh: Vec<(i64, Box<str>)> =
                        latest.iter().map(|(v, t)| (*t, v.clone())).collect();
                    fresh.sort_unstable();
                    *entries = fresh.into();
                }
            }
            (Agg::Temporal { hits }, _) => {
                let q = &mut hits[rule];
                let i = insert_at(q, t, |x| *x);
                if q.get(i.wrapping_sub(1)) != Some(&t) {
                    q.insert(i, t);
                }
            }
            (Agg::Numeric { entries, sum }, Payload::Number(x)) => {
                *sum += x;
                let i = insert_at(entries, t, |e| e.0);
                entries.insert(i, (t, x));
            }
            // The engine builds the payload from the correlation type.
            (Agg::Distinct { .. } | Agg::Numeric { .. }, _) => {
                debug_assert!(false, "payload does not match the correlation type")
            }
        }
    }

    /// Removes every entry older than `cutoff`; returns how many went.
    pub(super) fn evict_before(&mut self, cutoff: i64) -> usize {
        let before = self.len();
        while self.oldest().is_some_and(|t| t < cutoff) {
            self.pop_oldest();
        }
        before - self.len()
    }

    /// Timestamp of the oldest entry.
    pub(super) fn oldest(&self) -> Option<i64> {
        match self {
            Agg::Count { runs, .. } => runs.front().map(|r| r.0),
            Agg::Distinct { entries, .. } => entries.front().map(|e| e.0),
            Agg::Temporal { hits } => hits.iter().filter_map(|q| q.front().copied()).min(),
            Agg::Numeric { entries, .. } => entries.front().map(|e| e.0),
        }
    }

    /// Drops the oldest entry (window expiry and the per-group cap).
    pub(super) fn pop_oldest(&mut self) {
        match self {
            Agg::Count { runs, total } => {
                if let Some((_, n)) = runs.pop_front() {
                    *total -= n;
                }
            }
            Agg::Distinct { entries, latest } => {
                if let Some((t, v)) = entries.pop_front()
                    && latest.get(&v) == Some(&t)
                {
                    latest.remove(&v);
                }
            }
            Agg::Temporal { hits } => {
                if let Some(q) = hits
                    .iter_mut()
                    .filter(|q| !q.is_empty())
                    .min_by_key(|q| q[0])
                {
                    q.pop_front();
                }
            }
            Agg::Numeric { entries, sum } => {
                if let Some((_, x)) = entries.pop_front() {
                    *sum -= x;
                    if entries.is_empty() {
                        *sum = 0.0;
                    }
                }
            }
        }
    }

    /// The aggregate over everything held, with the first and last
    /// timestamps it covers; `None` when there is nothing to aggregate.
    pub(super) fn measure(&self, kind: CorrelationType, percentile: f64) -> Option<Measure> {
        use CorrelationType as K;
        let (value, start, end) = match self {
            Agg::Count { runs, total } => (*total as f64, runs.front()?.0, runs.back()?.0),
            Agg::Distinct { entries, latest } => {
                (latest.len() as f64, entries.front()?.0, entries.back()?.0)
            }
            Agg::Temporal { hits } if kind == K::TemporalOrdered => return ordered_prefix(hits),
            Agg::Temporal { hits } => {
                let present = hits.iter().filter(|q| !q.is_empty()).count();
                let start = hits.iter().filter_map(|q| q.front().copied()).min()?;
                let end = hits.iter().filter_map(|q| q.back().copied()).max()?;
                (present as f64, start, end)
            }
            Agg::Numeric { entries, sum } => {
                let (start, end) = (entries.front()?.0, entries.back()?.0);
                let value = match kind {
                    K::ValueSum => *sum,
                    K::ValueAvg => *sum / entries.len() as f64,
                    K::ValueMedian => percentile_of(entries.iter().map(|e| e.1), 50.0),
                    _ => percentile_of(entries.iter().map(|e| e.1), percentile),
                };
                (value, start, end)
            }
        };
        Some(Measure { value, start, end })
    }
}

/// An aggregate and the time range of the entries it covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Measure {
    pub value: f64,
    pub start: i64,
    pub end: i64,
}

/// `temporal_ordered`: the longest prefix of the referenced rules that
/// occurred in order (each at or after the previous one). Greedy: taking the
/// earliest possible occurrence of each rule leaves the most room for the
/// next, so it finds a complete sequence whenever one exists.
fn ordered_prefix(hits: &[VecDeque<i64>]) -> Option<Measure> {
    let mut prefix = 0;
    let mut start = None;
    let mut at = i64::MIN;
    for q in hits {
        let i = q.partition_point(|&t| t < at);
        let Some(&t) = q.get(i) else { break };
        start.get_or_insert(t);
        at = t;
        prefix += 1;
    }
    Some(Measure {
        value: f64::from(prefix),
        start: start?,
        end: at,
    })
}

/// The `p`-th percentile (0–100) by linear interpolation between the closest
/// ranks (Hyndman & Fan type 7, the default of numpy, R and spreadsheets):
/// rank `p/100 · (n−1)` in the sorted values. p50 of an even count is the
/// mean of the two middle values.
pub(super) fn percentile_of(values: impl Iterator<Item = f64>, p: f64) -> f64 {
    let mut v: Vec<f64> = values.collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(f64::total_cmp);
    let rank = p / 100.0 * (v.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (rank - lo as f64)
}

/// One group's state: the aggregate plus the most recent contributing
/// observations, kept for the hit's evidence.
#[derive(Debug)]
pub(super) struct Group {
    /// Anchor of a deferred window (its first observation).
    pub first: i64,
    /// Newest observation time.
    pub newest: i64,
    pub agg: Agg,
    /// `(timestamp, rule index, event id)`, sorted, at most `max_contributors`.
    pub recent: VecDeque<(i64, usize, Option<Arc<str>>)>,
}

impl Group {
    pub(super) fn new(kind: CorrelationType, rules: usize, t: i64) -> Self {
        Group {
            first: t,
            newest: t,
            agg: Agg::new(kind, rules),
            recent: VecDeque::new(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.agg.len() + self.recent.len()
    }

    pub(super) fn remember(&mut self, t: i64, rule: usize, event: Option<&str>, cap: usize) {
        if cap == 0 {
            return;
        }
        let i = insert_at(&self.recent, t, |c| c.0);
        self.recent.insert(i, (t, rule, event.map(Arc::from)));
        if self.recent.len() > cap {
            self.recent.pop_front();
        }
    }

    /// Forgets every entry, keeping the allocations.
    pub(super) fn clear(&mut self) {
        self.recent.clear();
        match &mut self.agg {
            Agg::Count { runs, total } => {
                runs.clear();
                *total = 0;
            }
            Agg::Distinct { entries, latest } => {
                entries.clear();
                latest.clear();
            }
            Agg::Temporal { hits } => hits.iter_mut().for_each(VecDeque::clear),
            Agg::Numeric { entries, sum } => {
                entries.clear();
                *sum = 0.0;
            }
        }
    }

    /// Drops everything older than `cutoff`; returns how many entries went.
    pub(super) fn evict_before(&mut self, cutoff: i64) -> usize {
        let before = self.recent.len();
        while self.recent.front().is_some_and(|c| c.0 < cutoff) {
            self.recent.pop_front();
        }
        before - self.recent.len() + self.agg.evict_before(cutoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_between_ranks() {
        let v = [15.0, 20.0, 35.0, 40.0, 50.0];
        let p = |q| percentile_of(v.iter().copied(), q);
        assert_eq!(p(0.0), 15.0);
        assert_eq!(p(100.0), 50.0);
        assert_eq!(p(50.0), 35.0);
        // rank 0.4 · 4 = 1.6 → 20 + 0.6 · 15
        assert!((p(40.0) - 29.0).abs() < 1e-9);
        // rank 0.9 · 4 = 3.6 → 40 + 0.6 · 10
        assert!((p(90.0) - 46.0).abs() < 1e-9);
        // Order of arrival does not matter; even counts average the middle pair.
        let even = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile_of(even.iter().copied(), 50.0), 2.5);
        assert_eq!(percentile_of([7.0].into_iter(), 95.0), 7.0);
        assert!(percentile_of(std::iter::empty(), 50.0).is_nan());
    }

    #[test]
    fn count_runs_coalesce_and_evict() {
        let mut a = Agg::new(CorrelationType::EventCount, 1);
        for t in [10, 10, 10, 12, 11] {
            a.insert(t, 0, Payload::Occurrence);
        }
        assert_eq!(a.len(), 3);
        let m = a.measure(CorrelationType::EventCount, 50.0).unwrap();
        assert_eq!((m.value, m.start, m.end), (5.0, 10, 12));
        assert_eq!(a.evict_before(11), 1);
        assert_eq!(
            a.measure(CorrelationType::EventCount, 50.0).unwrap().value,
            2.0
        );
    }

    #[test]
    fn distinct_keeps_latest_time_per_value() {
        let mut a = Agg::new(CorrelationType::ValueCount, 1);
        for (t, v) in [(1, "a"), (2, "b"), (3, "a"), (2, "a")] {
            a.insert(t, 0, Payload::Value(v.into()));
        }
        // "a" at 1 is superseded by "a" at 3: evicting before 2 keeps both values.
        a.evict_before(2);
        assert_eq!(
            a.measure(CorrelationType::ValueCount, 50.0).unwrap().value,
            2.0
        );
        a.evict_before(3);
        assert_eq!(
            a.measure(CorrelationType::ValueCount, 50.0).unwrap().value,
            1.0
        );
    }

    #[test]
    fn distinct_compacts_superseded_entries() {
        let mut a = Agg::new(CorrelationType::ValueCount, 1);
        for t in 0..1000 {
            a.insert(t, 0, Payload::Value(format!("v{}", t % 3).into()));
        }
        assert!(a.len() <= 2 * 3 + 16 + 1, "{}", a.len());
        assert_eq!(
            a.measure(CorrelationType::ValueCount, 50.0).unwrap().value,
            3.0
        );
    }

    #[test]
    fn ordered_prefix_is_greedy_and_allows_ties() {
        let q = |ts: &[i64]| ts.iter().copied().collect::<VecDeque<i64>>();
        // B only before A: prefix 1.
        let m = ordered_prefix(&[q(&[5]), q(&[3])]).unwrap();
        assert_eq!(m.value, 1.0);
        // A at 1 and 6, B at 4: A(1) → B(4).
        let m = ordered_prefix(&[q(&[1, 6]), q(&[4])]).unwrap();
        assert_eq!((m.value, m.start, m.end), (2.0, 1, 4));
        // Same timestamp counts as in order (syslog has one-second resolution).
        assert_eq!(ordered_prefix(&[q(&[4]), q(&[4])]).unwrap().value, 2.0);
        assert!(ordered_prefix(&[q(&[]), q(&[4])]).is_none());
    }
}
