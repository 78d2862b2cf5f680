//! Deconfliction benchmark: 1,000,000 seeded random operations over California, then
//! 10,000 checks; prints index build time and check latency (p50, p99, max).
//!
//! `cargo run --release -p deconfliction --example bench [-- OPERATIONS CHECKS SEED]`
//!
//! Half the operations cluster around five metropolitan areas (normal, σ ≈ 20 km), half
//! spread uniformly over the state's bounding box; windows of 1-12 hours start anywhere
//! in one year; radii 50-1,000 m; one target each among 200,000 people.

use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use deconfliction::{Contact, LatLon, Operation, OperationIndex, Rules, TargetRef, TimeWindow};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

const METROS: [(f64, f64); 5] = [
    (34.05, -118.25),
    (37.77, -122.42),
    (32.72, -117.16),
    (38.58, -121.49),
    (36.74, -119.79),
];

fn random_operation(id: u64, rng: &mut ChaCha8Rng, year_start: DateTime<Utc>) -> Operation {
    let spread = Normal::new(0.0, 0.18).expect("valid normal");
    let (lat, lon) = if rng.random_bool(0.5) {
        let (lat, lon) = METROS[rng.random_range(0..METROS.len())];
        (lat + spread.sample(rng), lon + spread.sample(rng))
    } else {
        (
            rng.random_range(32.5..42.0),
            rng.random_range(-124.4..-114.1),
        )
    };
    let start = year_start + Duration::minutes(rng.random_range(0..365 * 24 * 60));
    let end = start + Duration::minutes(rng.random_range(60..12 * 60));
    Operation::new(
        id,
        ["dea", "sheriff", "lapd", "chp"][rng.random_range(0..4)],
        Contact {
            name: "Agent".to_string(),
            phone: "+12135550100".to_string(),
        },
        LatLon { lat, lon },
        rng.random_range(50.0..1_000.0),
        TimeWindow { start, end },
        vec![TargetRef(format!(
            "entity:{}",
            rng.random_range(0..200_000)
        ))],
    )
    .expect("generated operations are valid")
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[rank]
}

fn main() {
    let arguments: Vec<u64> = std::env::args()
        .skip(1)
        .map(|argument| argument.parse().expect("numbers: OPERATIONS CHECKS SEED"))
        .collect();
    let operations = arguments.first().copied().unwrap_or(1_000_000);
    let checks = arguments.get(1).copied().unwrap_or(10_000);
    let seed = arguments.get(2).copied().unwrap_or(7);
    let year_start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let generated = Instant::now();
    let registered: Vec<Operation> = (0..operations)
        .map(|id| random_operation(id, &mut rng, year_start))
        .collect();
    let generated = generated.elapsed();

    let built = Instant::now();
    let index = OperationIndex::with_operations(registered, Rules::default()).expect("unique ids");
    let built = built.elapsed();

    let queries: Vec<Operation> = (0..checks)
        .map(|number| random_operation(operations + number, &mut rng, year_start))
        .collect();
    let mut latencies_ms = Vec::with_capacity(queries.len());
    let mut conflicts = 0usize;
    let checked = Instant::now();
    for query in &queries {
        let started = Instant::now();
        conflicts += index.conflicts(query).len();
        latencies_ms.push(started.elapsed().as_secs_f64() * 1_000.0);
    }
    let checked = checked.elapsed();
    latencies_ms.sort_by(f64::total_cmp);

    println!("operations registered: {operations} (generated in {generated:.2?})");
    println!("index build (bulk load): {built:.2?}");
    println!(
        "checks: {checks} in {checked:.2?}; conflicts found: {conflicts} ({:.2} per check)",
        conflicts as f64 / checks as f64
    );
    println!(
        "check latency: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        percentile(&latencies_ms, 0.5),
        percentile(&latencies_ms, 0.99),
        latencies_ms.last().copied().unwrap_or_default()
    );

    // Incremental registration, as the CLI does one operation at a time.
    let mut index = index;
    let inserted = Instant::now();
    for query in queries {
        index.insert(query).expect("fresh ids");
    }
    println!(
        "incremental inserts: {checks} in {:.2?}",
        inserted.elapsed()
    );
}
