# Shortcuts over the commands the README gives.

# The seed's SQL abstraction walkthrough (SQLite by default; set DATABASE_URL for another database).
walkthrough:
    cargo run -p example-sql-abstraction

# The seed's application on axum, at http://127.0.0.1:5000 (DATABASE_URL picks the database).
flask-app:
    cargo run -p example-flask-app

# Every test on SQLite, PostgreSQL and MariaDB (starts the local servers if they are down).
test:
    scripts/test

# Only the SQLite part of the suite, on purpose.
test-sqlite:
    cargo nextest run --workspace -E 'not test(/::(postgres|mysql)$/)'

# Formatting and lints as CI wants them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --all-features -- -D warnings

# Start PostgreSQL and MySQL in Docker (for machines without local servers).
docker-up:
    docker compose -f docker/compose.yaml up -d --wait

# The benchmark against the raw drivers, sqlx, SeaORM and Diesel (a few minutes; see benchmarks/README.md).
bench:
    scripts/ensure-databases && cd benchmarks && cargo run --release

# Two short rounds of the benchmark, to check that it runs.
bench-quick:
    scripts/ensure-databases && cd benchmarks && cargo run --release -- --quick
