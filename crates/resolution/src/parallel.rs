//! Splitting work over the machine's cores with scoped threads: resolution's loops are
//! independent per record or per pair, so plain chunking is all they need.

use std::num::NonZeroUsize;
use std::thread;

/// Below this many items a second thread costs more than it saves.
const MIN_CHUNK: usize = 4_096;

/// How many threads to use.
pub fn threads() -> usize {
    thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// Runs `work` on consecutive chunks of `items` on up to [`threads`] threads and returns
/// each chunk's result in order, with the index of the chunk's first item.
pub fn map_chunks<T, R, F>(items: &[T], work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &[T]) -> R + Sync,
{
    let chunk = items.len().div_ceil(threads()).max(MIN_CHUNK);
    if items.len() <= chunk {
        return vec![work(0, items)];
    }
    thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(number, slice)| {
                let work = &work;
                scope.spawn(move || work(number * chunk, slice))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// `map` over every item, in parallel, keeping the order.
pub fn map<T, R, F>(items: &[T], map: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let mut out = Vec::with_capacity(items.len());
    for part in map_chunks(items, |_, chunk| chunk.iter().map(&map).collect::<Vec<R>>()) {
        out.extend(part);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_keep_order_and_offsets() {
        let items: Vec<usize> = (0..20_000).collect();
        let offsets = super::map_chunks(&items, |offset, chunk| (offset, chunk[0]));
        assert!(offsets.iter().all(|(offset, first)| offset == first));
        assert_eq!(super::map(&items, |item| item * 2)[19_999], 39_998);
    }
}
