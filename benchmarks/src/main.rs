//! philtre-bench: philtre's Core and ORM layers beside the raw drivers, sqlx, SeaORM and
//! Diesel, on SQLite (file), PostgreSQL and MariaDB/MySQL, in one process.
//!
//! ```text
//! cargo run --release -- [--backends sqlite,postgres,mysql] [--subjects raw,philtre-core,...]
//!                        [--rounds 5] [--batch-ms 25] [--quick] [--out results/latest.json]
//!                        [--workloads get_by_pk,select_100,...]   (default: all)
//!                        [--calls N]   (N calls per batch instead of a time: for profilers)
//! ```
//!
//! Database URLs come from `BENCH_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) and `BENCH_MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306/test`); the SQLite file is `target/bench.db`. The run
//! creates `users`, `posts` and `comments` there and drops them at the end.

mod machine;
mod model;
mod orm;
mod report;
mod runner;
mod seed;
mod stats;
mod subject;
mod subjects;
mod target;
mod workload;

use std::sync::Arc;
use std::time::Duration;

use model::Backend;
use runner::{Budget, POOL_SIZE};
use subject::{BenchResult, Subject};
use target::Target;

struct Args {
    backends: Vec<Backend>,
    subjects: Vec<&'static str>,
    budget: Budget,
    out: String,
}

fn parse_args() -> BenchResult<Args> {
    let mut args = Args {
        backends: vec![Backend::Sqlite, Backend::Postgres, Backend::Mysql],
        subjects: subjects::NAMES.to_vec(),
        budget: Budget {
            per_batch: Duration::from_millis(25),
            min_calls: 3,
            max_calls: 5_000,
            rounds: 5,
            pool_calls_per_task: 50,
            only: None,
            trace: false,
        },
        out: "results/latest.json".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--backends" => {
                args.backends = value()?
                    .split(',')
                    .map(|b| match b {
                        "sqlite" => Ok(Backend::Sqlite),
                        "postgres" => Ok(Backend::Postgres),
                        "mysql" => Ok(Backend::Mysql),
                        other => Err(format!("unknown backend {other}")),
                    })
                    .collect::<Result<_, _>>()?
            }
            "--subjects" => {
                let wanted = value()?;
                args.subjects = subjects::NAMES
                    .iter()
                    .copied()
                    .filter(|n| wanted.split(',').any(|w| w == *n))
                    .collect();
                if !args.subjects.contains(&"raw") {
                    return Err("--subjects must include raw, the baseline".into());
                }
            }
            "--rounds" => args.budget.rounds = value()?.parse()?,
            "--batch-ms" => args.budget.per_batch = Duration::from_millis(value()?.parse()?),
            // A fixed number of calls per batch instead of a time: for profiling.
            "--calls" => {
                args.budget.max_calls = value()?.parse()?;
                args.budget.min_calls = args.budget.max_calls;
                args.budget.per_batch = Duration::ZERO;
            }
            "--quick" => {
                args.budget.rounds = 2;
                args.budget.per_batch = Duration::from_millis(5);
                args.budget.pool_calls_per_task = 10;
            }
            "--trace" => args.budget.trace = true,
            "--out" => args.out = value()?,
            "--workloads" => {
                let wanted = value()?;
                args.budget.only = Some(wanted.split(',').map(str::to_owned).collect());
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let args = parse_args()?;
    let dir = std::env::current_dir()?.join("target");
    std::fs::create_dir_all(&dir)?;
    let sqlite_path = dir.join("bench.db");
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    let mut all = Vec::new();
    let mut versions = Vec::new();
    let workloads: Vec<String> = workload::ALL
        .iter()
        .map(|w| w.name())
        .chain(["pool_16x4_p50".into(), "pool_16x4_p99".into()])
        .chain(workload::ORM.iter().map(|w| w.name()))
        .collect();
    for backend in args.backends {
        let target = Target {
            backend,
            sqlite_path: sqlite_path.display().to_string(),
            postgres_url: env(
                "BENCH_POSTGRES_URL",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            mysql_url: env("BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
        };
        if backend == Backend::Sqlite {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", target.sqlite_path));
            }
        }
        let url = target.philtre_url();
        versions.push(format!(
            "{}: {}",
            backend.name(),
            machine::server_version(backend, &url).await
        ));
        eprintln!("{}: seeding", backend.name());
        seed::seed(backend, &url).await?;
        let mut subjects: Vec<Arc<dyn Subject>> = Vec::new();
        for name in &args.subjects {
            let s = subjects::connect(name, &target, POOL_SIZE)
                .await
                .map_err(|e| format!("{name} on {}: {e}", backend.name()))?;
            subjects.push(Arc::from(s));
        }
        eprintln!("{}: running {} subjects", backend.name(), subjects.len());
        let samples = runner::run_backend(&subjects, &url, &args.budget).await?;
        drop(subjects);
        seed::drop_tables(backend, &url).await?;
        all.extend(report::records(
            backend.name(),
            &samples,
            &workloads,
            &args.subjects,
        ));
    }
    let table = report::markdown(&all, &args.subjects);
    println!("{table}");
    if let Some(parent) = std::path::Path::new(&args.out).parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&all)? + "\n")?;
    // Beside the JSON: the same table with what it ran on.
    let mut md = String::from("# philtre-bench results\n\nMedian of round medians (µs), its ratio to the raw driver in the same run, and the spread of round medians.\n\n## Machine\n\n");
    for line in machine::describe().into_iter().chain(versions) {
        md.push_str(&format!("- {line}\n"));
    }
    md.push_str(&format!(
        "- Rounds: {}, batch time {} ms\n",
        args.budget.rounds,
        args.budget.per_batch.as_millis()
    ));
    md.push_str(&table);
    let md_path = std::path::Path::new(&args.out).with_extension("md");
    std::fs::write(&md_path, md)?;
    eprintln!("wrote {} and {}", args.out, md_path.display());
    Ok(())
}
