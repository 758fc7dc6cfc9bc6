//! Medians, percentiles and spread over timings in microseconds.

/// The value at quantile `q` (0..=1) of `xs`, which is sorted in place.
pub fn quantile(xs: &mut [f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let pos = ((xs.len() - 1) as f64 * q).round() as usize;
    xs[pos]
}

pub fn median(xs: &mut [f64]) -> f64 {
    quantile(xs, 0.5)
}

/// (max - min) / median of the round medians, in percent.
pub fn spread_pct(round_medians: &mut [f64]) -> f64 {
    let m = median(round_medians);
    let (lo, hi) = (round_medians[0], round_medians[round_medians.len() - 1]);
    if m > 0.0 {
        (hi - lo) / m * 100.0
    } else {
        0.0
    }
}
