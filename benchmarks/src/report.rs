//! The results: one record per (backend, workload, subject), as JSON and as a markdown table.

use serde::Serialize;

use crate::runner::Samples;
use crate::stats::{median, spread_pct};

#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub backend: String,
    pub workload: String,
    pub subject: String,
    pub median_us: f64,
    pub spread_pct: f64,
    /// `None` where the raw driver has nothing to compare (building a statement).
    pub ratio_to_raw: Option<f64>,
}

/// Turns one backend's round medians into records, in workload then subject order.
pub fn records(
    backend: &str,
    samples: &Samples,
    workloads: &[String],
    subjects: &[&str],
) -> Vec<Record> {
    let mut out = Vec::new();
    for w in workloads {
        let raw = samples
            .get(&(w.clone(), "raw".to_owned()))
            .map(|xs| median(&mut xs.clone()));
        for s in subjects {
            let Some(xs) = samples.get(&(w.clone(), (*s).to_owned())) else {
                continue;
            };
            let mut xs = xs.clone();
            let m = median(&mut xs);
            let ratio = raw
                .filter(|r| *r > 0.0 && w != "build_compile_select")
                .map(|r| m / r);
            out.push(Record {
                backend: backend.to_owned(),
                workload: w.clone(),
                subject: (*s).to_owned(),
                median_us: round2(m),
                spread_pct: round2(spread_pct(&mut xs)),
                ratio_to_raw: ratio.map(round2),
            });
        }
    }
    out
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A markdown table per backend: workloads down, subjects across, "µs (× raw)".
pub fn markdown(records: &[Record], subjects: &[&str]) -> String {
    let mut out = String::new();
    let mut backends: Vec<&str> = records.iter().map(|r| r.backend.as_str()).collect();
    backends.dedup();
    for b in backends {
        out.push_str(&format!("\n### {b}\n\n| workload |"));
        for s in subjects {
            out.push_str(&format!(" {s} |"));
        }
        out.push_str("\n|---|");
        out.push_str(&"---:|".repeat(subjects.len()));
        out.push('\n');
        let mut workloads: Vec<&str> = records
            .iter()
            .filter(|r| r.backend == b)
            .map(|r| r.workload.as_str())
            .collect();
        workloads.dedup();
        for w in workloads {
            out.push_str(&format!("| {w} |"));
            for s in subjects {
                let cell = records
                    .iter()
                    .find(|r| r.backend == b && r.workload == w && r.subject == *s)
                    .map(|r| match r.ratio_to_raw {
                        Some(x) => format!(
                            " {} µs ({x:.2}×) ±{:.0}% |",
                            fmt_us(r.median_us),
                            r.spread_pct
                        ),
                        None => format!(" {} µs ±{:.0}% |", fmt_us(r.median_us), r.spread_pct),
                    })
                    .unwrap_or_else(|| " – |".to_owned());
                out.push_str(&cell);
            }
            out.push('\n');
        }
    }
    out
}

fn fmt_us(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}
