//! Measuring a clustering against ground truth: pairwise and B-cubed precision, recall
//! and F1.
//!
//! Pairwise scores count record pairs placed together: predicted pairs are the pairs
//! inside each predicted cluster, true pairs those inside each true entity, and correct
//! pairs those inside both. All three come from the sizes of clusters, entities and
//! their intersections (`n(n−1)/2` each), never by listing pairs, so one huge cluster
//! costs no more than a small one. B-cubed (Bagga & Baldwin 1998) averages over records:
//! a record's precision is the share of its cluster that belongs to its entity, its
//! recall the share of its entity found in its cluster. Pairwise scores punish one big
//! wrong merge quadratically; B-cubed weighs every record once. A ratio with nothing to
//! count (no predicted pairs, say) is 1: nothing was claimed, so nothing was wrong.

use std::collections::HashMap;

/// Precision, recall and their harmonic mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Scores {
    fn of(precision: f64, recall: f64) -> Scores {
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Scores {
            precision,
            recall,
            f1,
        }
    }
}

/// How well a clustering matches the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolutionMetrics {
    pub records: usize,
    pub predicted_pairs: u64,
    pub true_pairs: u64,
    pub correct_pairs: u64,
    pub pairwise: Scores,
    pub b_cubed: Scores,
}

/// Scores a clustering given, per record, `(predicted cluster, true entity)`.
pub fn evaluate<C, E>(labels: &[(C, E)]) -> ResolutionMetrics
where
    C: AsRef<str>,
    E: AsRef<str>,
{
    let mut cluster_sizes: HashMap<&str, u64> = HashMap::new();
    let mut entity_sizes: HashMap<&str, u64> = HashMap::new();
    let mut intersections: HashMap<(&str, &str), u64> = HashMap::new();
    for (cluster, entity) in labels {
        let (cluster, entity) = (cluster.as_ref(), entity.as_ref());
        *cluster_sizes.entry(cluster).or_default() += 1;
        *entity_sizes.entry(entity).or_default() += 1;
        *intersections.entry((cluster, entity)).or_default() += 1;
    }
    let pairs = |size: &u64| size * size.saturating_sub(1) / 2;
    let predicted_pairs: u64 = cluster_sizes.values().map(pairs).sum();
    let true_pairs: u64 = entity_sizes.values().map(pairs).sum();
    let correct_pairs: u64 = intersections.values().map(pairs).sum();
    let ratio = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 1.0 };
    let pairwise = Scores::of(
        ratio(correct_pairs as f64, predicted_pairs as f64),
        ratio(correct_pairs as f64, true_pairs as f64),
    );
    // Each record of an intersection of size n has precision n/|cluster| and recall
    // n/|entity|, so the intersection adds n²/|cluster| and n²/|entity| to the sums.
    let (mut precision_sum, mut recall_sum) = (0.0, 0.0);
    for ((cluster, entity), size) in &intersections {
        let size = *size as f64;
        precision_sum += size * size / cluster_sizes[cluster] as f64;
        recall_sum += size * size / entity_sizes[entity] as f64;
    }
    let records = labels.len();
    let b_cubed = Scores::of(
        ratio(precision_sum, records as f64),
        ratio(recall_sum, records as f64),
    );
    ResolutionMetrics {
        records,
        predicted_pairs,
        true_pairs,
        correct_pairs,
        pairwise,
        b_cubed,
    }
}

#[cfg(test)]
mod tests {
    use super::evaluate;

    /// `labels` as one `cluster/entity` token per record; expected `(pairwise P, R,
    /// F1, B-cubed P, R, F1)`, to three decimals.
    fn check(labels: &str, expected: (f64, f64, f64, f64, f64, f64)) {
        let labels: Vec<(&str, &str)> = labels
            .split_whitespace()
            .map(|token| token.split_once('/').expect("cluster/entity"))
            .collect();
        let metrics = evaluate(&labels);
        let found = (
            metrics.pairwise.precision,
            metrics.pairwise.recall,
            metrics.pairwise.f1,
            metrics.b_cubed.precision,
            metrics.b_cubed.recall,
            metrics.b_cubed.f1,
        );
        let close = |left: f64, right: f64| (left - right).abs() < 5e-4;
        assert!(
            close(found.0, expected.0)
                && close(found.1, expected.1)
                && close(found.2, expected.2)
                && close(found.3, expected.3)
                && close(found.4, expected.4)
                && close(found.5, expected.5),
            "{labels:?}: found {found:?}, expected {expected:?}"
        );
    }

    #[test]
    fn metrics_on_hand_computed_examples() {
        // Perfect.
        check("1/a 1/a 2/b", (1.0, 1.0, 1.0, 1.0, 1.0, 1.0));
        // All singletons against one entity of three: nothing claimed, nothing found.
        // B-cubed recall: each record finds 1 of 3.
        check("1/a 2/a 3/a", (1.0, 0.0, 0.0, 1.0, 1.0 / 3.0, 0.5));
        // One cluster {x,y,z} over entities {x,y} and {z}: 3 predicted pairs, 1 true,
        // 1 correct. B-cubed precision (2/3+2/3+1/3)/3 = 5/9, recall 1.
        check(
            "1/a 1/a 1/b",
            (1.0 / 3.0, 1.0, 0.5, 5.0 / 9.0, 1.0, 0.714_285_7),
        );
        // Clusters {p,q} {r,s} against entities {p,q,r} {s}: predicted 2 pairs, true 3,
        // correct 1 (p–q). B-cubed precision (1+1+1/2+1/2)/4 = 3/4; recall
        // (2/3+2/3+1/3+1)/4 = 2/3.
        check(
            "1/a 1/a 2/a 2/b",
            (0.5, 1.0 / 3.0, 0.4, 0.75, 2.0 / 3.0, 0.705_882_4),
        );
    }
}
