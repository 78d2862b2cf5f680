//! GraphML and GEXF export, readable by networkx (`read_graphml`, `read_gexf`) and Gephi.
//!
//! Node ids are the input's ids. Text is XML-escaped; characters XML 1.0 cannot hold
//! (control characters other than tab, line feed and carriage return) become U+FFFD.
//! Both formats carry the export version ([`EXPORT_VERSION`]): GraphML as the graph
//! attribute `interdict_export`, GEXF in its `<meta>` creator.

use std::io::Write;

use crate::{Graph, GraphError};

/// Version of the exported layout (attribute names and where the version is written).
pub const EXPORT_VERSION: &str = "interdict-graph-export/1";

/// Per-node values to write along with the graph (one value per node).
#[derive(Debug, Clone)]
pub struct NodeAttribute {
    pub name: String,
    pub values: AttributeValues,
}

#[derive(Debug, Clone)]
pub enum AttributeValues {
    /// Non-finite values are left out (missing data in both formats).
    Float(Vec<f64>),
    Integer(Vec<i64>),
    Text(Vec<String>),
}

impl AttributeValues {
    fn text(&self, v: usize) -> Option<String> {
        match self {
            AttributeValues::Float(values) => values[v].is_finite().then(|| values[v].to_string()),
            AttributeValues::Integer(values) => Some(values[v].to_string()),
            AttributeValues::Text(values) => Some(escape(&values[v])),
        }
    }

    fn len(&self) -> usize {
        match self {
            AttributeValues::Float(values) => values.len(),
            AttributeValues::Integer(values) => values.len(),
            AttributeValues::Text(values) => values.len(),
        }
    }
}

fn check_lengths(graph: &Graph, attributes: &[NodeAttribute]) -> Result<(), GraphError> {
    for attribute in attributes {
        if attribute.values.len() != graph.node_count() {
            return Err(GraphError::InvalidParameter {
                name: "attributes",
                reason: format!(
                    "`{}` has {} values for {} nodes",
                    attribute.name,
                    attribute.values.len(),
                    graph.node_count()
                ),
            });
        }
    }
    Ok(())
}

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Character references keep these through attribute-value normalisation.
            '\t' => escaped.push_str("&#9;"),
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => escaped.push('\u{fffd}'),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Writes GraphML (edge weights as the `weight` key).
pub fn write_graphml(
    graph: &Graph,
    attributes: &[NodeAttribute],
    out: &mut impl Write,
) -> Result<(), GraphError> {
    check_lengths(graph, attributes)?;
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    writeln!(
        out,
        r#"  <key id="g0" for="graph" attr.name="interdict_export" attr.type="string"/>"#
    )?;
    writeln!(
        out,
        r#"  <key id="e0" for="edge" attr.name="weight" attr.type="double"/>"#
    )?;
    for (index, attribute) in attributes.iter().enumerate() {
        let kind = match attribute.values {
            AttributeValues::Float(_) => "double",
            AttributeValues::Integer(_) => "long",
            AttributeValues::Text(_) => "string",
        };
        writeln!(
            out,
            r#"  <key id="n{index}" for="node" attr.name="{}" attr.type="{kind}"/>"#,
            escape(&attribute.name)
        )?;
    }
    let direction = if graph.is_directed() {
        "directed"
    } else {
        "undirected"
    };
    writeln!(out, r#"  <graph id="G" edgedefault="{direction}">"#)?;
    writeln!(out, r#"    <data key="g0">{EXPORT_VERSION}</data>"#)?;
    for v in 0..graph.node_count() {
        write!(out, r#"    <node id="{}">"#, escape(graph.id(v as u32)))?;
        for (index, attribute) in attributes.iter().enumerate() {
            if let Some(value) = attribute.values.text(v) {
                write!(out, r#"<data key="n{index}">{value}</data>"#)?;
            }
        }
        writeln!(out, "</node>")?;
    }
    for (u, v, weight) in graph.edges() {
        writeln!(
            out,
            r#"    <edge source="{}" target="{}"><data key="e0">{weight}</data></edge>"#,
            escape(graph.id(u)),
            escape(graph.id(v))
        )?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")?;
    Ok(())
}

/// Writes GEXF 1.2 (edge weights in the `weight` attribute).
pub fn write_gexf(
    graph: &Graph,
    attributes: &[NodeAttribute],
    out: &mut impl Write,
) -> Result<(), GraphError> {
    check_lengths(graph, attributes)?;
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">"#
    )?;
    writeln!(out, "  <meta>")?;
    writeln!(out, "    <creator>Interdict ({EXPORT_VERSION})</creator>")?;
    writeln!(out, "  </meta>")?;
    let direction = if graph.is_directed() {
        "directed"
    } else {
        "undirected"
    };
    writeln!(
        out,
        r#"  <graph mode="static" defaultedgetype="{direction}">"#
    )?;
    if !attributes.is_empty() {
        writeln!(out, r#"    <attributes class="node" mode="static">"#)?;
        for (index, attribute) in attributes.iter().enumerate() {
            let kind = match attribute.values {
                AttributeValues::Float(_) => "double",
                AttributeValues::Integer(_) => "long",
                AttributeValues::Text(_) => "string",
            };
            writeln!(
                out,
                r#"      <attribute id="{index}" title="{}" type="{kind}"/>"#,
                escape(&attribute.name)
            )?;
        }
        writeln!(out, "    </attributes>")?;
    }
    writeln!(out, "    <nodes>")?;
    for v in 0..graph.node_count() {
        let id = escape(graph.id(v as u32));
        write!(out, r#"      <node id="{id}" label="{id}">"#)?;
        let values: Vec<_> = attributes
            .iter()
            .enumerate()
            .filter_map(|(index, attribute)| attribute.values.text(v).map(|value| (index, value)))
            .collect();
        if !values.is_empty() {
            write!(out, "<attvalues>")?;
            for (index, value) in values {
                write!(out, r#"<attvalue for="{index}" value="{value}"/>"#)?;
            }
            write!(out, "</attvalues>")?;
        }
        writeln!(out, "</node>")?;
    }
    writeln!(out, "    </nodes>")?;
    writeln!(out, "    <edges>")?;
    for (index, (u, v, weight)) in graph.edges().enumerate() {
        writeln!(
            out,
            r#"      <edge id="{index}" source="{}" target="{}" weight="{weight}"/>"#,
            escape(graph.id(u)),
            escape(graph.id(v))
        )?;
    }
    writeln!(out, "    </edges>")?;
    writeln!(out, "  </graph>")?;
    writeln!(out, "</gexf>")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GraphBuilder;

    /// A graph whose ids need escaping, with one attribute of each type.
    fn awkward() -> (Graph, Vec<NodeAttribute>) {
        let mut builder = GraphBuilder::new(true);
        builder
            .add_edge("A&B <boss>", "\"Tío\" O'Neil", 2.5)
            .unwrap();
        builder
            .add_edge("\"Tío\" O'Neil", "line\nbreak\u{1}", 1.0)
            .unwrap();
        let graph = builder.build();
        let attributes = vec![
            NodeAttribute {
                name: "pagerank".into(),
                values: AttributeValues::Float(vec![0.5, 0.25, f64::NAN]),
            },
            NodeAttribute {
                name: "community".into(),
                values: AttributeValues::Integer(vec![0, 0, 1]),
            },
            NodeAttribute {
                name: "role".into(),
                values: AttributeValues::Text(vec!["<hub>".into(), "a & b".into(), String::new()]),
            },
        ];
        (graph, attributes)
    }

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\ny\u{1}"), "x&#10;y\u{fffd}");
    }

    /// Parses the export back with Python's XML parser and networkx when python3 with
    /// networkx is on this machine; the test fails if python3 is there but cannot read
    /// the file, and says so on stderr when it had to skip networkx.
    fn check_with_python(text: &str, reader: &str) {
        let file = std::env::temp_dir().join(format!(
            "interdict-graph-export-{}-{reader}.xml",
            std::process::id()
        ));
        std::fs::write(&file, text).unwrap();
        let script = format!(
            r#"
import sys, xml.dom.minidom
xml.dom.minidom.parse(sys.argv[1])
try:
    import networkx as nx
except ImportError:
    print("no-networkx"); sys.exit(0)
g = nx.{reader}(sys.argv[1])
nodes = sorted(g.nodes())
assert nodes == sorted(['A&B <boss>', '"Tío" O\'Neil', 'line\nbreak\ufffd']), nodes
assert g.is_directed()
assert g['A&B <boss>']['"Tío" O\'Neil']['weight'] == 2.5
print("ok", g.number_of_nodes(), g.number_of_edges())
"#
        );
        let output = std::process::Command::new("python3")
            .arg("-c")
            .arg(&script)
            .arg(&file)
            .output();
        std::fs::remove_file(&file).ok();
        match output {
            Err(error) => eprintln!("python3 not runnable ({error}); XML checked in Rust only"),
            Ok(output) => {
                let stdout = String::from_utf8_lossy(&output.stdout);
                assert!(
                    output.status.success(),
                    "python could not read the {reader} export:\n{}\n{text}",
                    String::from_utf8_lossy(&output.stderr)
                );
                if stdout.trim() == "no-networkx" {
                    eprintln!("networkx missing: {reader} export checked for well-formedness only");
                } else {
                    assert_eq!(stdout.trim(), "ok 3 2");
                }
            }
        }
    }

    #[test]
    fn graphml_reads_back() {
        let (graph, attributes) = awkward();
        let mut out = Vec::new();
        write_graphml(&graph, &attributes, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r#"<node id="A&amp;B &lt;boss&gt;"><data key="n0">0.5</data>"#));
        assert!(!text.contains("NaN"));
        check_with_python(&text, "read_graphml");
    }

    #[test]
    fn gexf_reads_back() {
        let (graph, attributes) = awkward();
        let mut out = Vec::new();
        write_gexf(&graph, &attributes, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r#"weight="2.5""#));
        check_with_python(&text, "read_gexf");
    }

    #[test]
    fn attribute_lengths_are_checked() {
        let (graph, _) = awkward();
        let short = [NodeAttribute {
            name: "x".into(),
            values: AttributeValues::Integer(vec![1]),
        }];
        assert!(write_graphml(&graph, &short, &mut Vec::new()).is_err());
    }
}
