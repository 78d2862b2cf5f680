//! Writes a simulated world and reports its size and speed: `generate <scale> <out> [seed]`.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let scale: simulator::Scale = args
        .next()
        .unwrap_or_else(|| "small".into())
        .parse()
        .unwrap_or(simulator::Scale::Small);
    let out = std::path::PathBuf::from(args.next().unwrap_or_else(|| "sim-out".into()));
    let seed = args.next().and_then(|seed| seed.parse().ok()).unwrap_or(1);
    let started = Instant::now();
    let config = simulator::SimulationConfig::new(seed, scale);
    match simulator::simulate(&config, &out, &mut |_| {}) {
        Ok(summary) => {
            let seconds = started.elapsed().as_secs_f64();
            for feed in &summary.feeds {
                println!(
                    "{:>14} {:<15} {:>10} rows {:>5} bad",
                    feed.agency, feed.feed, feed.rows, feed.bad_rows
                );
            }
            println!(
                "{} rows, {} truth entities in {seconds:.2} s ({:.0} rows/s)",
                summary.total_rows,
                summary.truth_entities,
                summary.total_rows as f64 / seconds
            );
        }
        Err(error) => eprintln!("error: {error}"),
    }
}
