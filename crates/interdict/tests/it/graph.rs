//! `interdict graph` end to end on small edge lists whose answers can be checked by hand:
//! two rings joined through one broker, paths with their hops, neighbourhoods in a time
//! window, exports read back by networkx, and bad rows reported with file, line and field.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{interdict, run_ok};

/// Two five-member rings (a1..a5, b1..b5, everyone tied to everyone in the ring) joined
/// only through `broker`, who calls a1 and b1. Weights are call counts.
fn two_rings(folder: &Path) -> PathBuf {
    let mut text = String::from("source,target,calls,time\n");
    for ring in ["a", "b"] {
        for i in 1..=5 {
            for j in i + 1..=5 {
                text.push_str(&format!("{ring}{i},{ring}{j},4,2024-01-{:02}\n", i + j));
            }
        }
    }
    text.push_str("broker,a1,1,2024-03-01\nbroker,b1,1,2024-03-02\n");
    let path = folder.join("calls.csv");
    std::fs::write(&path, text).unwrap();
    path
}

fn json(arguments: &[&str]) -> Value {
    let output = run_ok(interdict().args(arguments).arg("--json"));
    serde_json::from_slice(&output.stdout).expect("graph prints JSON")
}

#[test]
fn key_players_rank_the_broker_with_reasons() {
    let folder = tempfile::tempdir().unwrap();
    let edges = two_rings(folder.path());
    let result = json(&[
        "graph",
        "key-players",
        "--edges",
        edges.to_str().unwrap(),
        "--weight",
        "calls",
        "--top",
        "3",
        "--removals",
        "1",
    ]);
    assert_eq!(result["graph"]["nodes"], 11);
    assert_eq!(result["graph"]["edges"], 22);
    assert_eq!(result["betweenness_exact"], true);
    let players = result["players"].as_array().unwrap();
    let mut names: Vec<&str> = players
        .iter()
        .map(|p| p["node"].as_str().unwrap())
        .collect();
    // a1 and b1 mirror each other: their order is left to rounding.
    names[..2].sort();
    assert_eq!(names, ["a1", "b1", "broker"]);
    let broker = &players[2];
    // Every one of the 25 pairs across the rings passes through the broker.
    assert_eq!(broker["betweenness"], 25.0);
    assert_eq!(broker["degree"], 2);
    assert_eq!(broker["constraint"], 0.5);
    let reason = broker["reason"].as_str().unwrap();
    assert!(reason.contains("betweenness 25.0 (#1 of 11"), "{reason}");
    assert!(reason.contains("removal step 1"), "{reason}");
    // Taking the broker out splits the rings: 2 groups of 5.
    let removal = &result["removal"][0];
    assert_eq!(removal["node"], "broker");
    assert_eq!(removal["largest_component"], 5);
    assert_eq!(removal["components"], 2);
}

#[test]
fn key_players_table_is_readable() {
    let folder = tempfile::tempdir().unwrap();
    let edges = two_rings(folder.path());
    let output = run_ok(interdict().args([
        "graph",
        "key-players",
        "--edges",
        edges.to_str().unwrap(),
        "--top",
        "2",
    ]));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("11 nodes, 22 undirected edges"), "{text}");
    assert!(text.contains("rank  node"), "{text}");
    assert!(text.contains("greedy removal"), "{text}");
}

#[test]
fn communities_recover_the_two_rings() {
    let folder = tempfile::tempdir().unwrap();
    let edges = two_rings(folder.path());
    let arguments = [
        "graph",
        "communities",
        "--edges",
        edges.to_str().unwrap(),
        "--weight",
        "calls",
        "--seed",
        "3",
    ];
    let result = json(&arguments);
    assert_eq!(result["quality_function"], "modularity");
    assert!(result["quality"].as_f64().unwrap() > 0.4, "{result}");
    let communities = result["communities"].as_array().unwrap();
    assert_eq!(communities.len(), 2, "{result}");
    let mut rings: Vec<Vec<String>> = communities
        .iter()
        .map(|community| {
            let mut members: Vec<String> = community["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|member| member.as_str().unwrap().to_string())
                .filter(|member| member != "broker")
                .collect();
            members.sort();
            members
        })
        .collect();
    rings.sort();
    assert_eq!(rings[0], ["a1", "a2", "a3", "a4", "a5"]);
    assert_eq!(rings[1], ["b1", "b2", "b3", "b4", "b5"]);
    // Same seed, same answer.
    assert_eq!(json(&arguments), result);
    // CPM with a density threshold above the rings' own density (1.0 here) splits them.
    let cpm = json(&[
        "graph",
        "communities",
        "--edges",
        edges.to_str().unwrap(),
        "--quality",
        "cpm",
        "--resolution",
        "1.5",
    ]);
    assert_eq!(cpm["count"], 11, "{cpm}");
}

#[test]
fn k_shortest_paths_carry_their_hops() {
    let folder = tempfile::tempdir().unwrap();
    let edges = folder.path().join("edges.csv");
    // Strong ties (weight 4) make a-b-d shorter than the direct weak a-d under 1/weight.
    std::fs::write(
        &edges,
        "source,target,weight\na,b,4\nb,d,4\na,d,1\na,c,1\nc,d,1\n",
    )
    .unwrap();
    let result = json(&[
        "graph",
        "path",
        "--edges",
        edges.to_str().unwrap(),
        "--from",
        "a",
        "--to",
        "d",
        "--k",
        "3",
    ]);
    let paths = result["paths"].as_array().unwrap();
    let routes: Vec<Vec<&str>> = paths
        .iter()
        .map(|path| {
            path["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|node| node.as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        routes,
        [vec!["a", "b", "d"], vec!["a", "d"], vec!["a", "c", "d"]]
    );
    assert_eq!(paths[0]["cost"], 0.5);
    assert_eq!(paths[0]["steps"][0]["weight"], 4.0);
    // Hop counts ignore weights: the direct edge wins.
    let hops = json(&[
        "graph",
        "path",
        "--edges",
        edges.to_str().unwrap(),
        "--from",
        "a",
        "--to",
        "d",
        "--cost",
        "hops",
    ]);
    assert_eq!(hops["paths"][0]["nodes"], serde_json::json!(["a", "d"]));
}

#[test]
fn neighbours_within_depth_and_time_window() {
    let folder = tempfile::tempdir().unwrap();
    let edges = two_rings(folder.path());
    let all = json(&[
        "graph",
        "neighbours",
        "--edges",
        edges.to_str().unwrap(),
        "--node",
        "broker",
        "--depth",
        "2",
    ]);
    assert_eq!(all["count"], 10);
    assert_eq!(
        all["neighbours"][0],
        serde_json::json!({"node": "a1", "hops": 1})
    );
    // Before March the broker's calls have not happened: the broker is not in the graph.
    let output = interdict()
        .args(["graph", "neighbours", "--edges", edges.to_str().unwrap()])
        .args(["--node", "broker", "--until", "2024-03-01"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown node `broker`"), "{stderr}");
    let early = json(&[
        "graph",
        "neighbours",
        "--edges",
        edges.to_str().unwrap(),
        "--node",
        "a1",
        "--until",
        "2024-01-06",
    ]);
    // Ties a1-a2 (day 3), a1-a3 (day 4), a1-a4 (day 5) are before 6 January; a1-a5 is not.
    let names: Vec<&str> = early["neighbours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["node"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a2", "a3", "a4"]);
}

#[test]
fn exports_open_in_networkx() {
    let folder = tempfile::tempdir().unwrap();
    let edges = folder.path().join("edges.csv");
    std::fs::write(
        &edges,
        "source,target,weight\n\"Smith & Sons <LLC>\",\"O'Brien\",2\nO'Brien,Zoë,1\n",
    )
    .unwrap();
    for (format, reader) in [("graphml", "read_graphml"), ("gexf", "read_gexf")] {
        let out = folder.path().join(format!("graph.{format}"));
        run_ok(interdict().args([
            "graph",
            "export",
            "--edges",
            edges.to_str().unwrap(),
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
            "--scores",
        ]));
        let script = format!(
            r#"
import sys, xml.dom.minidom
xml.dom.minidom.parse(sys.argv[1])
try:
    import networkx as nx
except ImportError:
    print("no-networkx"); sys.exit(0)
g = nx.{reader}(sys.argv[1])
assert sorted(g.nodes()) == sorted(["Smith & Sons <LLC>", "O'Brien", "Zoë"]), list(g.nodes())
assert g["Smith & Sons <LLC>"]["O'Brien"]["weight"] == 2.0
assert g.nodes["O'Brien"]["degree"] == 2
print("ok")
"#
        );
        let output = std::process::Command::new("python3")
            .arg("-c")
            .arg(&script)
            .arg(&out)
            .output();
        match output {
            Err(error) => eprintln!("python3 not runnable ({error}); {format} export unchecked"),
            Ok(output) => {
                assert!(
                    output.status.success(),
                    "{format}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let stdout = String::from_utf8_lossy(&output.stdout);
                if stdout.trim() == "no-networkx" {
                    eprintln!("networkx missing: {format} export checked for well-formedness only");
                } else {
                    assert_eq!(stdout.trim(), "ok");
                }
            }
        }
    }
}

#[test]
fn bad_rows_name_file_line_and_field() {
    let folder = tempfile::tempdir().unwrap();
    let edges = folder.path().join("edges.csv");
    std::fs::write(&edges, "source,target,weight\na,b,1\nb,c,lots\n").unwrap();
    let output = interdict()
        .args(["graph", "communities", "--edges", edges.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("edges.csv:3: field `weight`: `lots` is not a positive number"),
        "{stderr}"
    );
    let missing = interdict()
        .args(["graph", "communities", "--edges", edges.to_str().unwrap()])
        .args(["--weight", "calls"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing column `calls`"));
}

/// A ring of 30 five-person cliques, each tied to the next by one call: modularity
/// merges neighbouring cliques (its resolution limit), and `--split-from` shows each
/// merged community's cliques as its cells.
#[test]
fn split_communities_show_their_cells() {
    let folder = tempfile::tempdir().unwrap();
    let mut text = String::from("source,target\n");
    let cliques = 30;
    for clique in 0..cliques {
        for i in 0..5 {
            for j in i + 1..5 {
                text.push_str(&format!("c{clique}m{i},c{clique}m{j}\n"));
            }
        }
        text.push_str(&format!("c{clique}m0,c{}m1\n", (clique + 1) % cliques));
    }
    let edges = folder.path().join("cliques.csv");
    std::fs::write(&edges, text).unwrap();
    let edges = edges.to_str().unwrap();
    let clique_of = |member: &Value| {
        member
            .as_str()
            .unwrap()
            .split('m')
            .next()
            .unwrap()
            .to_string()
    };

    let whole = json(&["graph", "communities", "--edges", edges]);
    let communities = whole["communities"].as_array().unwrap();
    assert!(
        communities.len() < cliques,
        "modularity merges cliques: {whole}"
    );
    assert!(
        communities
            .iter()
            .all(|community| community.get("cells").is_none())
    );

    let split = json(&[
        "graph",
        "communities",
        "--edges",
        edges,
        "--split-from",
        "10",
    ]);
    let mut cells_seen = 0;
    for community in split["communities"].as_array().unwrap() {
        let size = community["size"].as_u64().unwrap();
        let Some(cells) = community.get("cells") else {
            assert!(size < 10, "{community}");
            continue;
        };
        for cell in cells.as_array().unwrap() {
            let members = cell.as_array().unwrap();
            let first = clique_of(&members[0]);
            assert_eq!(members.len(), 5, "a cell is one clique: {cell}");
            assert!(
                members.iter().all(|member| clique_of(member) == first),
                "{cell}"
            );
            cells_seen += 1;
        }
    }
    assert!(cells_seen >= 2, "{split}");
}
