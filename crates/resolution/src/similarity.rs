//! Jaro–Winkler similarity (Jaro 1989, Winkler 1990) on short ASCII strings without
//! allocating: resolution compares tens of millions of name pairs, and the general
//! implementation's per-call vectors and `char` walks were its largest cost. Anything
//! non-ASCII or longer than 64 bytes goes to `strsim`, which gives the same values.

/// Jaro–Winkler similarity with the usual prefix scale 0.1 over at most 4 characters,
/// applied when the Jaro similarity exceeds 0.7 (Winkler's boost threshold).
pub fn jaro_winkler(left: &str, right: &str) -> f64 {
    let (a, b) = (left.as_bytes(), right.as_bytes());
    if !left.is_ascii() || !right.is_ascii() || a.len() > 64 || b.len() > 64 {
        return strsim::jaro_winkler(left, right);
    }
    let jaro = jaro_ascii(a, b);
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + 0.1 * prefix as f64 * (1.0 - jaro)
}

fn jaro_ascii(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_flags, mut b_flags) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, byte) in a.iter().enumerate() {
        let low = i.saturating_sub(window);
        let high = (i + window + 1).min(b.len());
        for (j, other) in b.iter().enumerate().take(high).skip(low) {
            if b_flags & (1 << j) == 0 && byte == other {
                a_flags |= 1 << i;
                b_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, byte) in a.iter().enumerate() {
        if a_flags & (1 << i) == 0 {
            continue;
        }
        while b_flags & (1 << j) == 0 {
            j += 1;
        }
        if *byte != b[j] {
            transpositions += 1;
        }
        j += 1;
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn agrees_with_strsim() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let alphabet = b"ABCDEHMNORST";
        let word = |rng: &mut ChaCha8Rng| -> String {
            let length = rng.random_range(0..12);
            (0..length)
                .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
                .collect()
        };
        for _ in 0..20_000 {
            let (left, right) = (word(&mut rng), word(&mut rng));
            let (fast, reference) = (
                super::jaro_winkler(&left, &right),
                strsim::jaro_winkler(&left, &right),
            );
            assert!(
                (fast - reference).abs() < 1e-12,
                "{left} / {right}: {fast} vs {reference}"
            );
        }
        for (left, right) in [("MARTHA", "MARHTA"), ("DWAYNE", "DUANE"), ("JOSÉ", "JOSE")] {
            let reference = strsim::jaro_winkler(left, right);
            assert!((super::jaro_winkler(left, right) - reference).abs() < 1e-12);
        }
    }
}
