#!/usr/bin/env bash
# Runs the graph crate's benchmark and python-igraph (C core) on the same seeded
# Barabási–Albert graph, and prints the timings side by side.
#
#   crates/graph/bench/igraph_compare.sh [NODES] [EDGES] [SEED]     (default 100000 1000000 7)
#
# SOURCES (BFS/Dijkstra sources, default 100) and PIVOTS (sampled betweenness, default
# 1000) apply to both sides; QUICK=1 leaves out the igraph-only runs that take many
# minutes on the largest graphs (Leiden until stable, leidenalg, Louvain).
#
# igraph and leidenalg are installed with pip into a temporary virtual environment made
# here and removed on exit; they are never product dependencies. Set IGRAPH_VENV to an
# existing environment holding both to skip the install.
set -euo pipefail

nodes=${1:-100000}
edges=${2:-1000000}
seed=${3:-7}
sources=${SOURCES:-100}
pivots=${PIVOTS:-1000}
quick=${QUICK:-0}
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
cargo build --release -q -p graph --example graph_bench
bench="$root/target/release/examples/graph_bench"

if [[ -n "${IGRAPH_VENV:-}" ]]; then
    python="$IGRAPH_VENV/bin/python"
else
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q igraph leidenalg
    python="$work/venv/bin/python"
fi

"$bench" --nodes "$nodes" --edges "$edges" --seed "$seed" --sources "$sources" --pivots "$pivots" \
    --write "$work/edges.csv" --json >"$work/rust.json"
# Runs bounded to 2 Leiden iterations (igraph's default) and to 4.
for iterations in 2 4; do
    "$bench" --nodes "$nodes" --edges "$edges" --seed "$seed" --leiden-iterations "$iterations" \
        --pivots 1 --sources 1 --json >"$work/rust-leiden$iterations.json"
done

"$python" - "$work/edges.csv" "$work/rust.json" "$work/rust-leiden2.json" "$work/rust-leiden4.json" \
    "$seed" "$sources" "$quick" <<'EOF'
import csv, json, random, sys, time

import igraph as ig
import leidenalg

edge_file, rust_file, leiden2_file, leiden4_file, seed, source_count, quick = sys.argv[1:8]
seed, source_count, quick = int(seed), int(source_count), quick == "1"
rust = json.load(open(rust_file))
rust_leiden = {2: json.load(open(leiden2_file)), 4: json.load(open(leiden4_file))}
pairs, weights = [], []
with open(edge_file) as handle:
    for row in csv.DictReader(handle):
        pairs.append((int(row["source"]), int(row["target"])))
        weights.append(float(row["weight"]))
g = ig.Graph(n=rust["nodes"], edges=pairs, directed=False)
g.es["weight"] = weights
g.es["cost"] = [1.0 / w for w in weights]
n = g.vcount()
rng = random.Random(seed)
sources = [rng.randrange(n) for _ in range(source_count)]
centres = [rng.randrange(n) for _ in range(1000)]
pivots = rng.sample(range(n), rust["pivots"])

timings, notes = {}, {}
def timed(name, work):
    started = time.perf_counter()
    result = work()
    timings[name] = time.perf_counter() - started
    return result

timed("pagerank", lambda: g.pagerank(weights="weight"))
timed("components", lambda: g.connected_components())
leiden2 = timed("leiden", lambda: g.community_leiden(
    objective_function="modularity", weights="weight", n_iterations=2))
notes["leiden"] = g.modularity(leiden2.membership, weights="weight")
if not quick:
    leiden_stable = timed("leiden_until_stable", lambda: g.community_leiden(
        objective_function="modularity", weights="weight", n_iterations=-1))
    notes["leiden_until_stable"] = g.modularity(leiden_stable.membership, weights="weight")
    leidenalg_partition = timed("leidenalg", lambda: leidenalg.find_partition(
        g, leidenalg.ModularityVertexPartition, weights="weight", seed=seed))
    notes["leidenalg"] = leidenalg_partition.modularity
    louvain = timed("louvain", lambda: g.community_multilevel(weights="weight"))
    notes["louvain"] = g.modularity(louvain.membership, weights="weight")
timed("bfs_sources", lambda: g.distances(source=sources))
timed("dijkstra_sources", lambda: g.distances(source=sources, weights="cost"))
timed("khop2_1000_nodes", lambda: g.neighborhood(vertices=centres, order=2))
timed("betweenness_sampled", lambda: [b * n / len(pivots) for b in g.betweenness(sources=pivots)])

rows = [
    ("pagerank", "pagerank"),
    ("components", "components"),
    ("leiden", 2),
    ("leiden", 4),
    ("leiden_until_stable", "leiden"),
    ("leidenalg", None),
    ("louvain", None),
    ("bfs_sources", "bfs_100_sources"),
    ("dijkstra_sources", "dijkstra_100_sources"),
    ("khop2_1000_nodes", "khop2_1000_nodes"),
    ("betweenness_sampled", "betweenness_sampled"),
]
print(f"graph: {rust['nodes']} nodes, {rust['edges']} edges (Barabási–Albert, seed {seed}); "
      f"interdict threads: {rust['threads']}; igraph {ig.__version__}, leidenalg {leidenalg.__version__}; "
      f"{source_count} BFS/Dijkstra sources, {rust['pivots']} betweenness pivots")
print(f"{'task':<24}{'interdict s':>12}{'igraph s':>10}{'ratio':>8}  notes")
for name, rust_name in rows:
    if name == "leiden":
        ours = rust_leiden[rust_name]["timings"]["leiden"]
        our_note = (f"interdict {rust_name} iterations Q {rust_leiden[rust_name]['modularity']:.4f}"
                    f" vs igraph 2 iterations")
    elif rust_name is None:
        ours, our_note = None, ""
    else:
        ours = rust["timings"][rust_name]
        our_note = (f"interdict default (relative gain < 1e-4, {rust['leiden_iterations']} iterations)"
                    f" Q {rust['modularity']:.4f}") if name == "leiden_until_stable" else ""
    if name not in timings:
        continue
    theirs = timings[name]
    note = our_note
    if name in notes:
        note = (note + "; " if note else "") + f"igraph Q {notes[name]:.4f}"
    ours_text = f"{ours:12.3f}" if ours is not None else f"{'-':>12}"
    ratio = f"{theirs / ours:7.1f}x" if ours else f"{'-':>8}"
    print(f"{name:<24}{ours_text}{theirs:10.3f}{ratio}  {note}")
EOF
