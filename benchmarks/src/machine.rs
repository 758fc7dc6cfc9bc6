//! What the run ran on, for the results file: CPU, cores, memory, kernel, server versions.

use philtre::prelude::*;
use philtre::Engine;

use crate::model::Backend;

/// One line per fact, read from /proc where it exists.
pub fn describe() -> Vec<String> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split(':').nth(1))
        })
        .map_or("unknown CPU".to_owned(), |m| m.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_kb: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let kernel = read("/proc/version")
        .split_whitespace()
        .nth(2)
        .unwrap_or("unknown")
        .to_owned();
    vec![
        format!("CPU: {model}, {cores} cores available"),
        format!("Memory: {} GiB", mem_kb / 1024 / 1024),
        format!("Linux {kernel}"),
    ]
}

/// The server (or library) version behind a backend's URL.
pub async fn server_version(backend: Backend, url: &str) -> String {
    let sql = match backend {
        Backend::Sqlite => "SELECT 'SQLite ' || sqlite_version()",
        Backend::Postgres | Backend::Mysql => "SELECT version()",
    };
    let version = async {
        let engine = Engine::builder(url).pool_size(1).build()?;
        engine.execute(text(sql)).await?.scalar_one::<String>()
    };
    match version.await {
        Ok(v) => v,
        Err(e) => format!("unknown ({e})"),
    }
}
