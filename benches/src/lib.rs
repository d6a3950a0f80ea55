//! Benchmarks of pageseal: the criterion benches in `benches/pages.rs`
//! measure page sealing and opening per suite, backend and page size next
//! to peer implementations; this library reads criterion's results back
//! ([`load`]) and renders them as Markdown tables ([`table`], [`ratios`])
//! and an SVG bar chart ([`svg`]) for `benches/RESULTS.md`.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

/// Names of pageseal's own implementations (its backends); every other
/// implementation in the results is a peer.
pub const OURS: [&str; 6] = ["vaes512", "vaes256", "aes-ni", "armv8", "neon", "portable"];

/// One benchmark result.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// `seal` or `open`.
    pub op: String,
    /// The suite name, e.g. `aes-256-gcm`.
    pub suite: String,
    /// pageseal backend or peer name, e.g. `vaes256` or `ring`.
    pub implementation: String,
    /// Page size in bytes.
    pub size: u64,
    /// Median time of one operation in nanoseconds.
    pub ns: f64,
}

impl Measurement {
    /// Throughput in MB/s (10^6 bytes per second).
    pub fn mb_per_s(&self) -> f64 {
        self.size as f64 * 1000.0 / self.ns
    }

    /// Whether this is one of pageseal's backends rather than a peer.
    pub fn is_ours(&self) -> bool {
        OURS.contains(&self.implementation.as_str())
    }
}

/// The string value of `"key":"..."` in a JSON text.
fn json_str<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let start = text.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let len = text[start..].find('"')?;
    Some(&text[start..start + len])
}

/// The number in `"point_estimate":N` inside the object `"key":{...}`.
fn json_estimate(text: &str, key: &str) -> Option<f64> {
    let object = text.find(&format!("\"{key}\":{{"))?;
    let field = "\"point_estimate\":";
    let start = object + text[object..].find(field)? + field.len();
    let len = text[start..]
        .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .unwrap_or(text.len() - start);
    text[start..start + len].parse().ok()
}

/// Parses one benchmark from criterion's `benchmark.json` and
/// `estimates.json` (the median is used: the machine is shared and noisy).
pub fn parse(benchmark: &str, estimates: &str) -> Option<Measurement> {
    let group = json_str(benchmark, "group_id")?;
    let (op, suite) = group.split_once('-')?;
    Some(Measurement {
        op: op.to_owned(),
        suite: suite.to_owned(),
        implementation: json_str(benchmark, "function_id")?.to_owned(),
        size: json_str(benchmark, "value_str")?.parse().ok()?,
        ns: json_estimate(estimates, "median")?,
    })
}

/// Every benchmark result below criterion's output directory `dir`
/// (`target/criterion`), sorted by operation, suite, size, implementation.
pub fn load(dir: &Path) -> io::Result<Vec<Measurement>> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let new = path.join("new");
        if let (Ok(b), Ok(e)) = (
            fs::read_to_string(new.join("benchmark.json")),
            fs::read_to_string(new.join("estimates.json")),
        ) {
            found.extend(parse(&b, &e));
        }
        for entry in fs::read_dir(&path)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() && entry.file_name() != "new" {
                stack.push(entry.path());
            }
        }
    }
    found.sort_by(|a, b| {
        (&a.op, &a.suite, a.size, &a.implementation).cmp(&(
            &b.op,
            &b.suite,
            b.size,
            &b.implementation,
        ))
    });
    Ok(found)
}

/// The suites in the results, in first-seen order.
fn suites(results: &[Measurement]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for m in results {
        if !out.contains(&m.suite.as_str()) {
            out.push(&m.suite);
        }
    }
    out
}

/// MB/s of `op` for `suite`/`implementation` at `size`, if measured.
fn rate(
    results: &[Measurement],
    op: &str,
    suite: &str,
    implementation: &str,
    size: u64,
) -> Option<f64> {
    results
        .iter()
        .find(|m| {
            m.op == op && m.suite == suite && m.implementation == implementation && m.size == size
        })
        .map(Measurement::mb_per_s)
}

/// The implementations measured for `suite` at `size`: pageseal's
/// backends first (in [`OURS`] order), then the peers.
fn implementations<'a>(results: &'a [Measurement], suite: &str, size: u64) -> Vec<&'a str> {
    let mut names: Vec<&str> = results
        .iter()
        .filter(|m| m.suite == suite && m.size == size)
        .map(|m| m.implementation.as_str())
        .collect();
    names.sort_by_key(|n| (OURS.iter().position(|o| o == n).unwrap_or(OURS.len()), *n));
    names.dedup();
    names
}

/// A Markdown table of seal and open MB/s for every suite and
/// implementation at page size `size`, with open/seal.
pub fn table(results: &[Measurement], size: u64) -> String {
    let mut out = String::from(
        "| suite | implementation | seal MB/s | open MB/s | open/seal |\n|---|---|---:|---:|---:|\n",
    );
    for suite in suites(results) {
        for name in implementations(results, suite, size) {
            let seal = rate(results, "seal", suite, name, size);
            let open = rate(results, "open", suite, name, size);
            let show = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.0}"));
            let ratio = match (seal, open) {
                (Some(s), Some(o)) => format!("{:.2}", o / s),
                _ => "–".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {suite} | {name} | {} | {} | {ratio} |",
                show(seal),
                show(open)
            );
        }
    }
    out
}

/// A Markdown table of `op` MB/s for every suite and implementation (rows)
/// at every page size measured (columns).
pub fn by_size(results: &[Measurement], op: &str) -> String {
    let mut sizes: Vec<u64> = results
        .iter()
        .filter(|m| m.op == op)
        .map(|m| m.size)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let mut out = String::from("| suite | implementation |");
    for size in &sizes {
        let _ = write!(out, " {size} B |");
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---:|".repeat(sizes.len()));
    out.push('\n');
    for suite in suites(results) {
        let mut names: Vec<&str> = sizes
            .iter()
            .flat_map(|&size| implementations(results, suite, size))
            .collect();
        names.sort_by_key(|n| (OURS.iter().position(|o| o == n).unwrap_or(OURS.len()), *n));
        names.dedup();
        for name in names {
            let _ = write!(out, "| {suite} | {name} |");
            for &size in &sizes {
                let cell = rate(results, op, suite, name, size)
                    .map_or("–".to_owned(), |v| format!("{v:.0}"));
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
    }
    out
}

/// A Markdown table of the ratio of pageseal's fastest backend to every
/// peer, for seal and open, at page size `size`.
pub fn ratios(results: &[Measurement], size: u64) -> String {
    let mut out = String::from(
        "| op | suite | pageseal (backend) MB/s | peer MB/s | ratio |\n|---|---|---:|---:|---:|\n",
    );
    for op in ["seal", "open"] {
        for suite in suites(results) {
            let best = results
                .iter()
                .filter(|m| m.op == op && m.suite == suite && m.size == size && m.is_ours())
                .max_by(|a, b| a.mb_per_s().total_cmp(&b.mb_per_s()));
            let Some(best) = best else { continue };
            for peer in results
                .iter()
                .filter(|m| m.op == op && m.suite == suite && m.size == size && !m.is_ours())
            {
                let _ = writeln!(
                    out,
                    "| {op} | {suite} | {:.0} ({}) | {:.0} ({}) | {:.2}× |",
                    best.mb_per_s(),
                    best.implementation,
                    peer.mb_per_s(),
                    peer.implementation,
                    best.mb_per_s() / peer.mb_per_s()
                );
            }
        }
    }
    out
}

/// A horizontal bar chart (SVG) of `op` MB/s at page size `size`: one
/// group of bars per suite, pageseal's backends in blue, peers in orange.
pub fn svg(results: &[Measurement], op: &str, size: u64) -> String {
    let bars: Vec<&Measurement> = suites(results)
        .into_iter()
        .flat_map(|suite| {
            implementations(results, suite, size)
                .into_iter()
                .filter_map(move |name| {
                    results.iter().find(|m| {
                        m.op == op && m.suite == suite && m.implementation == name && m.size == size
                    })
                })
        })
        .collect();
    let max = bars.iter().map(|m| m.mb_per_s()).fold(1.0, f64::max);
    let (left, width, bar, gap) = (260.0, 560.0, 16.0, 4.0);
    let mut y = 50.0;
    let mut body = String::new();
    let mut previous = "";
    for m in &bars {
        if m.suite != previous {
            y += 10.0;
            previous = &m.suite;
        }
        let w = width * m.mb_per_s() / max;
        let color = if m.is_ours() { "#2b6cb0" } else { "#dd6b20" };
        let _ = writeln!(
            body,
            "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{} · {}</text>\
             <rect x=\"{left}\" y=\"{:.0}\" width=\"{w:.1}\" height=\"{bar}\" fill=\"{color}\"/>\
             <text x=\"{:.0}\" y=\"{:.0}\">{:.0}</text>",
            left - 6.0,
            y + 12.0,
            m.suite,
            m.implementation,
            y,
            left + w + 4.0,
            y + 12.0,
            m.mb_per_s()
        );
        y += bar + gap;
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0}\" height=\"{:.0}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"10\" y=\"24\" font-size=\"15\">pageseal {op}, {size}-byte pages, MB/s \
         (blue: pageseal backends, orange: peers)</text>\n{body}</svg>\n",
        left + width + 80.0,
        y + 20.0
    )
}

/// The number of rounds a paired bench was asked for: its first argument
/// that is not a flag (cargo passes `--bench`), or `default`. Anything
/// else than a positive integer ends the program with a message naming
/// `bench`.
pub fn rounds_arg(bench: &str, default: usize) -> usize {
    match std::env::args().skip(1).find(|a| !a.starts_with('-')) {
        None => default,
        Some(arg) => match arg.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!("{bench}: ROUNDS must be a positive integer, not {arg:?}");
                std::process::exit(2);
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_criterion_json() {
        let benchmark = r#"{"group_id":"seal-aes-256-gcm","function_id":"ring","value_str":"4096","throughput":{"Bytes":4096}}"#;
        let estimates = r#"{"mean":{"confidence_interval":{"lower_bound":1.0},"point_estimate":700.5},"median":{"confidence_interval":{"lower_bound":1.0},"point_estimate":640.0,"standard_error":2.0}}"#;
        let m = parse(benchmark, estimates).unwrap();
        assert_eq!(m.op, "seal");
        assert_eq!(m.suite, "aes-256-gcm");
        assert_eq!(m.implementation, "ring");
        assert_eq!(m.size, 4096);
        assert_eq!(m.ns, 640.0);
        assert!((m.mb_per_s() - 6400.0).abs() < 1e-9);
        assert!(!m.is_ours());
    }

    #[test]
    fn renders_tables_and_plot() {
        let m = |op: &str, name: &str, ns: f64| Measurement {
            op: op.into(),
            suite: "aegis-128l".into(),
            implementation: name.into(),
            size: 4096,
            ns,
        };
        let results = vec![
            m("seal", "aes-ni", 400.0),
            m("open", "aes-ni", 410.0),
            m("seal", "libaegis", 409.6),
        ];
        assert!(table(&results, 4096).contains("| aegis-128l | aes-ni | 10240 | 9990 | 0.98 |"));
        assert!(
            ratios(&results, 4096)
                .contains("| seal | aegis-128l | 10240 (aes-ni) | 10000 (libaegis) | 1.02× |")
        );
        let plot = svg(&results, "seal", 4096);
        assert!(plot.starts_with("<svg") && plot.contains("aegis-128l · libaegis"));
        let sizes = by_size(&results, "seal");
        assert!(sizes.starts_with("| suite | implementation | 4096 B |"));
        assert!(sizes.contains("| aegis-128l | aes-ni | 10240 |"));
    }
}
