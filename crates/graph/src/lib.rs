//! Graph analytics on a compact in-memory graph: paths, neighbourhoods, centrality,
//! brokerage, Leiden communities and key players, with GraphML and GEXF export.
//!
//! Pure: the only IO is reading an edge-list CSV ([`edgelist`]) and writing exports to a
//! writer the caller gives ([`export`]). Randomness comes from seeds passed in, and
//! parallel work takes its thread count as a parameter. Nodes are dense `u32` indices;
//! [`Graph::id`] gives back the input's id of each.

pub mod betweenness;
pub mod brokerage;
mod compact;
pub mod components;
pub mod edgelist;
mod error;
pub mod export;
pub mod generate;
pub mod keyplayers;
pub mod leiden;
pub mod pagerank;
pub mod paths;
pub mod quality;
pub mod spectral;
pub mod traversal;

pub use compact::{Adjacency, Graph, GraphBuilder, NodeIndex};
pub use error::GraphError;

/// Runs `work` over `items` split into `threads` contiguous chunks on scoped threads, and
/// returns the chunk results in chunk order (so results do not depend on scheduling).
pub(crate) fn parallel_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let threads = threads.max(1).min(items.len().max(1));
    if threads == 1 {
        return vec![work(items)];
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| work(part)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("graph worker thread panicked"))
            .collect()
    })
}
