//! Throwaway timing harness (to be deleted).
use std::collections::BTreeMap;
use std::time::Instant;
use store::Store;

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(1_000_000);
    let cluster = pg_throwaway::PgCluster::start().unwrap();
    let url = cluster.create_database("bench");
    let store = store_postgres::PostgresStore::open(&url).unwrap();
    let header = store::conformance::header("dea", "people", "people.csv", "bulk");
    let base = store::conformance::record(&header, "Person", "x", 1, &[]);
    let t = Instant::now();
    let records: Vec<_> = (0..count)
        .map(|i| {
            let mut p = BTreeMap::new();
            p.insert(
                "name".to_string(),
                vec![format!("GARCIA HERNANDEZ, Jose {i}")],
            );
            p.insert("birth_date".to_string(), vec!["1987-03-07".to_string()]);
            p.insert(
                "phone".to_string(),
                vec![format!("+1415555{:04}", i % 10000)],
            );
            p.insert(
                "address".to_string(),
                vec![format!("{} Main St, Los Angeles CA", i % 5000)],
            );
            p.insert("nationality".to_string(), vec!["mx".to_string()]);
            p.insert("id_number".to_string(), vec![format!("D{i:08}")]);
            let mut prov = base.provenance.clone();
            prov.line = i as u64 + 2;
            prov.source_record_id = format!("S-{i}");
            model::SourceRecord::new(
                "Person",
                model::EntityKey::new("dea", "Person", "people", &[&i.to_string()]),
                p,
                base.labels.clone(),
                prov,
            )
        })
        .collect();
    eprintln!("generated {count} in {:?}", t.elapsed());
    let t = Instant::now();
    let mut writer = store.begin_batch(header).unwrap();
    let mut written = 0;
    for chunk in records.chunks(10_000) {
        written += writer.write_records(chunk).unwrap();
    }
    let w = t.elapsed();
    writer.commit(store::BatchCounts::default()).unwrap();
    let total = t.elapsed();
    eprintln!(
        "wrote {written} in {w:?} (commit incl. {total:?}): {:.0} records/s",
        count as f64 / total.as_secs_f64()
    );
    // duplicate pass
    let header2 = store::conformance::header("dea", "people", "people.csv", "bulk2");
    let t = Instant::now();
    let mut writer = store.begin_batch(header2.clone()).unwrap();
    let recs: Vec<_> = records
        .iter()
        .take(200_000)
        .map(|r| {
            let mut r = r.clone();
            r.provenance.batch_id = header2.id;
            r
        })
        .collect();
    let mut w2 = 0;
    for c in recs.chunks(10_000) {
        w2 += writer.write_records(c).unwrap();
    }
    writer.commit(store::BatchCounts::default()).unwrap();
    eprintln!("200k duplicates: {w2} new in {:?}", t.elapsed());
}
