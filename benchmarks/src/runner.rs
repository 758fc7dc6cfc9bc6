//! Interleaved rounds: in every round each workload runs on every subject in turn (the
//! order rotating from round to round), so drift on the machine hits all subjects alike.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::model::{seeded_user, USERS};
use crate::stats::{median, quantile};
use crate::subject::{BenchResult, Subject};
use crate::workload::{Checker, Workload, ALL, ORM};

/// How long each (subject, workload) batch runs in a round, and the bounds on its calls.
#[derive(Debug, Clone)]
pub struct Budget {
    pub per_batch: Duration,
    pub min_calls: u64,
    pub max_calls: u64,
    pub rounds: usize,
    /// Lookups each of the 16 tasks makes per round of the pool workload.
    pub pool_calls_per_task: u64,
    /// Only the workloads with these names (all when `None`).
    pub only: Option<Vec<String>>,
    /// Print every batch's size, fastest, median and slowest call (µs) to stderr, for
    /// ratios taken round by round when the machine is noisy.
    pub trace: bool,
}

impl Budget {
    fn wants(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|w| w == name))
    }
}

/// Round medians in microseconds, by (workload name, subject name).
pub type Samples = BTreeMap<(String, String), Vec<f64>>;

pub const POOL_TASKS: usize = 16;
pub const POOL_SIZE: usize = 4;
/// Calls per task of the untimed pool round before each timed one.
const POOL_WARM_UP_CALLS: u64 = 5;

/// Runs every round for one backend.
pub async fn run_backend(
    subjects: &[Arc<dyn Subject>],
    url: &str,
    budget: &Budget,
) -> BenchResult<Samples> {
    let mut samples = Samples::new();
    let checker = Checker::new(url)?;
    let workloads: Vec<Workload> = ALL
        .into_iter()
        .chain(ORM)
        .filter(|w| budget.wants(&w.name()))
        .collect();
    // Warm-up: one short batch of everything, results checked, nothing kept.
    for &w in &workloads {
        for s in subjects.iter().filter(|s| w.applies(s.as_ref())) {
            batch(
                s.as_ref(),
                w,
                url,
                &checker,
                budget.min_calls,
                Duration::ZERO,
            )
            .await?;
        }
    }
    for round in 0..budget.rounds {
        for &w in &workloads {
            for k in 0..subjects.len() {
                let s = &subjects[(k + round) % subjects.len()];
                if !w.applies(s.as_ref()) {
                    continue;
                }
                let (calls, time) = (budget.max_calls, budget.per_batch);
                let mut times = batch(s.as_ref(), w, url, &checker, calls, time).await?;
                if times.len() < budget.min_calls as usize {
                    let calls = budget.min_calls;
                    let more = batch(s.as_ref(), w, url, &checker, calls, Duration::ZERO).await?;
                    times.extend(more);
                }
                let m = median(&mut times);
                if budget.trace {
                    // `median` sorted them.
                    let (lo, hi) = (times[0], times[times.len() - 1]);
                    let (name, n) = (w.name(), times.len());
                    eprintln!(
                        "{name} {} n={n} min={lo:.1} med={m:.1} max={hi:.1}",
                        s.name()
                    );
                }
                samples
                    .entry((w.name(), s.name().to_owned()))
                    .or_default()
                    .push(m);
            }
        }
        for k in 0..subjects.len() {
            if !budget.wants("pool_16x4_p50") {
                break;
            }
            let s = &subjects[(k + round) % subjects.len()];
            if !s.core() {
                continue;
            }
            // Untimed first: a subject whose connections sat idle through the workloads
            // it takes no part in (philtre-core through the ORM ones, which raw runs on
            // its own pool) would otherwise start its timed round cold.
            pool_round(s.clone(), POOL_WARM_UP_CALLS).await?;
            let (p50, p99) = pool_round(s.clone(), budget.pool_calls_per_task).await?;
            if budget.trace {
                eprintln!(
                    "pool round {round} place {k} {} p50={p50:.0} p99={p99:.0}",
                    s.name()
                );
            }
            for (name, v) in [("pool_16x4_p50", p50), ("pool_16x4_p99", p99)] {
                samples
                    .entry((name.to_owned(), s.name().to_owned()))
                    .or_default()
                    .push(v);
            }
        }
        eprintln!("  round {} of {} done", round + 1, budget.rounds);
    }
    Ok(samples)
}

/// Calls the workload until `max_calls` calls or `time` has passed (at least once); the
/// time of each call in microseconds. Rows written are removed (or restored) afterwards,
/// untimed.
async fn batch(
    subject: &dyn Subject,
    w: Workload,
    url: &str,
    checker: &Checker,
    max_calls: u64,
    time: Duration,
) -> BenchResult<Vec<f64>> {
    let start = Instant::now();
    let mut out = Vec::new();
    let mut i = 0;
    while i < max_calls.max(1) {
        out.push(w.run_once(subject, checker, i).await?.as_secs_f64() * 1e6);
        i += 1;
        if start.elapsed() >= time && i >= 1 && !time.is_zero() {
            break;
        }
    }
    w.clean_up(url).await?;
    Ok(out)
}

/// 16 tasks share the subject's pool of 4, each making `calls` primary-key lookups; the
/// p50 and p99 of every lookup's latency, in microseconds.
async fn pool_round(subject: Arc<dyn Subject>, calls: u64) -> BenchResult<(f64, f64)> {
    let mut tasks = Vec::new();
    for t in 0..POOL_TASKS as u64 {
        let s = subject.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(calls as usize);
            for i in 0..calls {
                let id = ((t * 1000 + i) as i64 * 7919) % USERS + 1;
                let start = Instant::now();
                let user = s.get_user(id).await?;
                times.push(start.elapsed().as_secs_f64() * 1e6);
                if user != seeded_user(id) {
                    return Err(format!("{} returned a wrong user", s.name()).into());
                }
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(times)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let p50 = quantile(&mut all, 0.50);
    let p99 = quantile(&mut all, 0.99);
    Ok((p50, p99))
}
