//! The crate's layering, as README.md's "Layering" table states it: every
//! `use crate::...` (grouped, nested, multi-line, re-exports included) and
//! every inline `crate::x::` path in `src/` is read, each file is mapped to
//! its top-level module (`src/x.rs` or `src/x/`; `src/lib.rs` is `lib`),
//! and the test fails listing every import of a higher layer and every
//! cycle between top-level modules, and every cycle between the sub-modules
//! of one module folder (`src/graph/lower/*` against `src/graph/*`).
//!
//! The source is read by a small lexer (comments, strings and character
//! literals skipped) and a parser of use trees, both tested below on inline
//! samples.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- lexing

/// A token of Rust source: an identifier or keyword, `::`, or one
/// character of punctuation. Literals, comments and lifetimes are dropped.
#[derive(Debug, Clone, PartialEq)]
struct Tok {
    text: String,
    line: usize,
}

fn lex(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut toks = vec![];
    let (mut i, mut line) = (0, 1);
    let ident_start = |ch: char| ch.is_alphabetic() || ch == '_';
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    // Skips a string body from just after its opening quote.
    let skip_string = |i: &mut usize, line: &mut usize| {
        while *i < c.len() && c[*i] != '"' {
            if c[*i] == '\\' {
                *i += 1;
            }
            if *i < c.len() && c[*i] == '\n' {
                *line += 1;
            }
            *i += 1;
        }
        *i += 1;
    };
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            // Block comments nest.
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == '"' {
            i += 1;
            skip_string(&mut i, &mut line);
        } else if ch == '\'' {
            // A character literal ('x', '\n', '\u{..}') or a lifetime.
            if next == Some('\\') {
                // Past the quote, the backslash and the escaped character.
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && ident_char(c[i]) {
                    i += 1;
                }
            }
        } else if ident_start(ch) {
            let start = i;
            while i < c.len() && ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let at = c.get(i).copied();
            let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
            if raw_prefix && matches!(at, Some('"') | Some('#')) {
                // A raw string r#"..."# (or the raw identifier r#name).
                let mut hashes = 0;
                while c.get(i + hashes) == Some(&'#') {
                    hashes += 1;
                }
                if c.get(i + hashes) == Some(&'"') {
                    i += hashes + 1;
                    loop {
                        if i >= c.len() {
                            break;
                        }
                        if c[i] == '"' && (0..hashes).all(|k| c.get(i + 1 + k) == Some(&'#')) {
                            i += 1 + hashes;
                            break;
                        }
                        if c[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                    continue;
                }
                if word == "r" && hashes == 1 {
                    i += 1;
                    let s = i;
                    while i < c.len() && ident_char(c[i]) {
                        i += 1;
                    }
                    toks.push(Tok { text: c[s..i].iter().collect(), line });
                    continue;
                }
            }
            if matches!(word.as_str(), "b" | "c") && at == Some('"') {
                i += 1;
                skip_string(&mut i, &mut line);
                continue;
            }
            if word == "b" && at == Some('\'') {
                i += 1;
                if c.get(i + 1) == Some(&'\\') {
                    i += 2;
                }
                while i + 1 < c.len() && c[i + 1] != '\'' {
                    i += 1;
                }
                i += 2;
                continue;
            }
            toks.push(Tok { text: word, line });
        } else if ch.is_ascii_digit() {
            while i < c.len() && (ident_char(c[i]) || c[i] == '.' && c.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
                i += 1;
            }
        } else if ch == ':' && next == Some(':') {
            toks.push(Tok { text: "::".into(), line });
            i += 2;
        } else {
            toks.push(Tok { text: ch.to_string(), line });
            i += 1;
        }
    }
    toks
}

// ------------------------------------------------------------- imports

/// A path named by the source: in a use declaration (`reexport` when the
/// declaration is `pub`, of any kind; `alias` the name it is bound to) or
/// inline in code. `scope` is the inline module (`mod tests { .. }`) it
/// is in, inside its file's module.
#[derive(Debug, Clone, PartialEq)]
struct Import {
    line: usize,
    path: Vec<String>,
    alias: Option<String>,
    reexport: bool,
    scope: Vec<String>,
}

/// Parses one use tree from `toks[i]`, appending its full paths (prefixed
/// by `prefix`) and their `as` names to `out`; returns the index after it.
fn use_tree(toks: &[Tok], mut i: usize, prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) -> usize {
    let mut path = prefix.to_vec();
    if toks.get(i).is_some_and(|t| t.text == "::") {
        i += 1;
    }
    loop {
        match toks.get(i).map(|t| t.text.as_str()) {
            Some("{") => {
                i += 1;
                while toks.get(i).is_some_and(|t| t.text != "}") {
                    i = use_tree(toks, i, &path, out);
                    if toks.get(i).is_some_and(|t| t.text == ",") {
                        i += 1;
                    }
                }
                return i + 1;
            }
            Some("*") => {
                out.push((path, None));
                return i + 1;
            }
            Some(w) if w.chars().next().is_some_and(|f| f.is_alphabetic() || f == '_') => {
                if w != "self" || path.is_empty() {
                    path.push(w.to_string());
                }
                i += 1;
                if toks.get(i).is_some_and(|t| t.text == "::") {
                    i += 1;
                    continue;
                }
                let mut alias = None;
                if toks.get(i).is_some_and(|t| t.text == "as") {
                    alias = toks.get(i + 1).map(|t| t.text.clone());
                    i += 2;
                }
                out.push((path, alias));
                return i;
            }
            _ => return i,
        }
    }
}

/// Every path of `src`: use declarations expanded (`use a::{b, c::d}` is
/// `a::b` and `a::c::d`) and inline paths starting with `crate`, `super`,
/// `self` or one of `children` (the current module's child modules).
fn imports(src: &str, children: &BTreeSet<String>) -> Vec<Import> {
    let toks = lex(src);
    let mut out = vec![];
    let mut i = 0;
    // Inline modules open around `i`, with the brace depth inside each.
    let mut scope: Vec<(String, usize)> = vec![];
    let mut depth = 0;
    while i < toks.len() {
        let t = &toks[i];
        let prev = i.checked_sub(1).map(|p| toks[p].text.as_str());
        if t.text == "{" {
            depth += 1;
            if i >= 2 && toks[i - 2].text == "mod" {
                scope.push((toks[i - 1].text.clone(), depth));
            }
        } else if t.text == "}" {
            if scope.last().is_some_and(|s| s.1 == depth) {
                scope.pop();
            }
            depth -= 1;
        }
        let here: Vec<String> = scope.iter().map(|s| s.0.clone()).collect();
        // `pub(in crate::x)` names a path but imports nothing.
        if t.text == "pub" && toks.get(i + 1).is_some_and(|n| n.text == "(") {
            while i < toks.len() && toks[i].text != ")" {
                i += 1;
            }
            i += 1;
            continue;
        }
        if t.text == "use" && toks.get(i + 1).is_some_and(|n| n.text != "<") {
            // `pub use`, `pub(crate) use`, `pub(super) use`: a re-export.
            let mut j = i;
            let mut reexport = false;
            while j > 0 {
                let p = toks[j - 1].text.as_str();
                if p == "pub" {
                    reexport = true;
                    break;
                }
                if p == ")" {
                    while j > 0 && toks[j - 1].text != "(" {
                        j -= 1;
                    }
                    j -= 1;
                    continue;
                }
                break;
            }
            let mut paths = vec![];
            let end = use_tree(&toks, i + 1, &[], &mut paths);
            out.extend(paths.into_iter().map(|(path, alias)| Import {
                line: t.line,
                path,
                alias,
                reexport,
                scope: here.clone(),
            }));
            i = end;
            continue;
        }
        let starts = matches!(t.text.as_str(), "crate" | "super" | "self") || children.contains(&t.text);
        let path_start = prev.is_none_or(|p| p != "::" && p != "$" && p != "." && p != "mod");
        if starts && path_start && toks.get(i + 1).is_some_and(|n| n.text == "::") {
            let mut path = vec![t.text.clone()];
            let mut j = i + 1;
            while toks.get(j).is_some_and(|n| n.text == "::")
                && toks.get(j + 1).is_some_and(|n| n.text.chars().next().is_some_and(|f| f.is_alphabetic() || f == '_'))
            {
                path.push(toks[j + 1].text.clone());
                j += 2;
            }
            out.push(Import { line: t.line, path, alias: None, reexport: false, scope: here });
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// `#[macro_export]` macros of `src`: they live at the crate root.
fn exported_macros(src: &str) -> Vec<String> {
    let toks = lex(src);
    let mut out = vec![];
    for (i, t) in toks.iter().enumerate() {
        if t.text == "macro_export" {
            let rest = &toks[i..];
            if let Some(k) = rest.iter().position(|t| t.text == "macro_rules") {
                if let Some(name) = rest.get(k + 2) {
                    out.push(name.text.clone());
                }
            }
        }
    }
    out
}

// ------------------------------------------------------------ the crate

/// The module path of a file under `src/` (`[]` for lib.rs).
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

struct Crate {
    /// Each file (relative to src/) with its module path and source.
    files: Vec<(PathBuf, Vec<String>, String)>,
    modules: BTreeSet<Vec<String>>,
    /// Crate-root names (re-exports of lib.rs, exported macros) and the
    /// module each comes from.
    root_names: HashMap<String, Vec<String>>,
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("a readable src dir").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

impl Crate {
    fn from_files(files: Vec<(PathBuf, String)>) -> Crate {
        let files: Vec<_> = files.into_iter().map(|(p, s)| (p.clone(), module_of(&p), s)).collect();
        let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.1.clone()).collect();
        let mut c = Crate { files, modules, root_names: HashMap::new() };
        let mut names = HashMap::new();
        for (_, m, src) in &c.files {
            for name in exported_macros(src) {
                names.insert(name, m.clone());
            }
        }
        if let Some((_, _, lib)) = c.files.iter().find(|f| f.1.is_empty()) {
            for imp in imports(lib, &c.children(&[])) {
                if imp.reexport {
                    let name = imp.alias.as_ref().or(imp.path.last());
                    if let (Some(name), Some(m)) = (name, c.resolve(&[], &imp.path)) {
                        if !m.is_empty() {
                            names.insert(name.clone(), m);
                        }
                    }
                }
            }
        }
        c.root_names = names;
        c
    }

    fn children(&self, m: &[String]) -> BTreeSet<String> {
        self.modules.iter().filter(|p| p.len() == m.len() + 1 && p.starts_with(m)).map(|p| p[m.len()].clone()).collect()
    }

    /// The module a path of file module `from` refers to: the longest
    /// module prefix of its absolute form (an item at the crate root goes
    /// to the module it is re-exported from); `None` for other crates.
    fn resolve(&self, from: &[String], path: &[String]) -> Option<Vec<String>> {
        let first = path.first()?;
        let mut abs: Vec<String> = match first.as_str() {
            "crate" => path[1..].to_vec(),
            "super" | "self" => {
                let mut base = from.to_vec();
                let mut k = 0;
                while path.get(k).is_some_and(|s| s == "super") {
                    base.pop()?;
                    k += 1;
                }
                if path.get(k).is_some_and(|s| s == "self") {
                    k += 1;
                }
                base.extend_from_slice(&path[k..]);
                base
            }
            name if self.children(from).contains(name) => from.iter().chain(path).cloned().collect(),
            _ => return None,
        };
        while !abs.is_empty() && !self.modules.contains(&abs) {
            abs.pop();
        }
        if abs.is_empty() {
            let at_root = match first.as_str() {
                "crate" => path.get(1),
                _ => path.iter().find(|s| *s != "super" && *s != "self"),
            };
            if let Some(m) = at_root.and_then(|n| self.root_names.get(n)) {
                return Some(m.clone());
            }
        }
        Some(abs)
    }

    /// Every import between modules of this crate: (file, line, from, to,
    /// the path as written, whether it is a re-export).
    fn edges(&self) -> Vec<Edge> {
        let mut out = vec![];
        for (file, m, src) in &self.files {
            for imp in imports(src, &self.children(m)) {
                let at: Vec<String> = m.iter().chain(&imp.scope).cloned().collect();
                if let Some(to) = self.resolve(&at, &imp.path) {
                    out.push(Edge {
                        file: file.clone(),
                        line: imp.line,
                        from: m.clone(),
                        to,
                        written: imp.path.join("::"),
                        reexport: imp.reexport,
                    });
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
struct Edge {
    file: PathBuf,
    line: usize,
    from: Vec<String>,
    to: Vec<String>,
    written: String,
    reexport: bool,
}

impl Edge {
    fn site(&self) -> String {
        format!("src/{}:{}: `{}`", self.file.display(), self.line, self.written)
    }
}

fn top(m: &[String]) -> String {
    m.first().cloned().unwrap_or_else(|| "lib".into())
}

// --------------------------------------------------------- the table

/// The rows of the table under the heading "Layering": (layer, modules),
/// top layer first.
fn layers(readme: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut lines =
        readme.lines().skip_while(|l| !(l.starts_with('#') && l.trim_start_matches('#').trim() == "Layering"));
    if lines.next().is_none() {
        return Err("README.md has no \"Layering\" heading".into());
    }
    let rows: Vec<&str> = lines
        .take_while(|l| !l.starts_with('#'))
        .skip_while(|l| !l.trim_start().starts_with('|'))
        .take_while(|l| l.trim_start().starts_with('|'))
        .collect();
    if rows.len() < 3 {
        return Err("the Layering section has no table (a header, a separator and rows)".into());
    }
    let mut out = vec![];
    for row in &rows[2..] {
        let cells: Vec<&str> = row.trim().trim_matches('|').split('|').map(str::trim).collect();
        let [layer, modules, ..] = cells.as_slice() else {
            return Err(format!("a row without a modules column: {row}"));
        };
        let modules: Vec<String> = modules
            .split(',')
            .map(|m| m.trim().trim_matches('`').trim().to_string())
            .filter(|m| !m.is_empty())
            .collect();
        if modules.is_empty() {
            return Err(format!("a layer without modules: {row}"));
        }
        out.push((layer.to_string(), modules));
    }
    Ok(out)
}

// --------------------------------------------------------------- cycles

/// Strongly connected components of more than one node (Tarjan), each
/// sorted.
fn cycles(nodes: &BTreeSet<String>, edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let names: Vec<&String> = nodes.iter().collect();
    let idx: HashMap<&String, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut adj = vec![vec![]; names.len()];
    for (a, b) in edges {
        if let (Some(&x), Some(&y)) = (idx.get(a), idx.get(b)) {
            adj[x].push(y);
        }
    }
    struct St {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(v: usize, adj: &[Vec<usize>], s: &mut St) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on[v] = true;
        for &w in &adj[v] {
            match s.index[w] {
                None => {
                    visit(w, adj, s);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = vec![];
            loop {
                let w = s.stack.pop().expect("v is on the stack");
                s.on[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            s.out.push(comp);
        }
    }
    let n = names.len();
    let mut s = St { index: vec![None; n], low: vec![0; n], on: vec![false; n], stack: vec![], next: 0, out: vec![] };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(v, &adj, &mut s);
        }
    }
    let mut out: Vec<Vec<String>> = s
        .out
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut c: Vec<String> = c.into_iter().map(|i| names[i].clone()).collect();
            c.sort();
            c
        })
        .collect();
    out.sort();
    out
}

/// A shortest cycle through the first node of `comp`, as a path that
/// returns to it.
fn cycle_path(comp: &[String], edges: &BTreeSet<(String, String)>) -> Vec<String> {
    let start = &comp[0];
    let inside: BTreeSet<&String> = comp.iter().collect();
    let mut prev: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start.clone()]);
    while let Some(v) = queue.pop_front() {
        for (a, b) in edges.iter().filter(|(a, b)| *a == v && inside.contains(b)) {
            if b == start {
                let mut path = vec![start.clone()];
                let mut cur = a.clone();
                while cur != *start {
                    path.push(cur.clone());
                    cur = prev[&cur].clone();
                }
                path.push(start.clone());
                path.reverse();
                return path;
            }
            if !prev.contains_key(b) {
                prev.insert(b.clone(), a.clone());
                queue.push_back(b.clone());
            }
        }
    }
    unreachable!("a strongly connected component of several nodes has a cycle through each")
}

// --------------------------------------------------------------- checks

/// Everything wrong with `krate` against `table`, as report lines.
fn check(krate: &Crate, table: &[(String, Vec<String>)]) -> Vec<String> {
    let mut report = vec![];
    let mut rank: HashMap<String, (usize, String)> = HashMap::new();
    for (r, (layer, modules)) in table.iter().enumerate() {
        for m in modules {
            if let Some((_, other)) = rank.insert(m.clone(), (r, layer.clone())) {
                report.push(format!("module `{m}` is in layers {other} and {layer} of the table"));
            }
        }
    }
    let tops: BTreeSet<String> = krate.modules.iter().map(|m| top(m)).collect();
    for m in &tops {
        if !rank.contains_key(m) {
            report.push(format!("top-level module `{m}` is in no layer of the table"));
        }
    }
    let edges = krate.edges();

    // Imports of a higher layer.
    let mut up = vec![];
    for e in &edges {
        let (a, b) = (top(&e.from), top(&e.to));
        if let (Some((ra, la)), Some((rb, lb))) = (rank.get(&a), rank.get(&b)) {
            if rb < ra {
                up.push(format!("  {}: {a} (layer {la}) imports {b} (layer {lb})", e.site()));
            }
        }
    }
    if !up.is_empty() {
        report.push(format!("{} imports of a higher layer:", up.len()));
        report.extend(up);
    }

    // Cycles between top-level modules.
    let top_edges: BTreeSet<(String, String)> =
        edges.iter().map(|e| (top(&e.from), top(&e.to))).filter(|(a, b)| a != b).collect();
    for comp in cycles(&tops, &top_edges) {
        let path = cycle_path(&comp, &top_edges);
        report.push(format!(
            "cycle between top-level modules {{{}}}, for one: {}, by:",
            comp.join(", "),
            path.join(" -> ")
        ));
        report.extend(sites(&edges, &path, top));
    }

    // Cycles between the sub-modules of each module folder: the folder's
    // own file (`x/mod.rs`) and its children, each child with everything
    // below it. A folder's re-export of its own child (`pub use
    // child::Item` in mod.rs) is its interface, not a use.
    for parent in &krate.modules {
        let kids = krate.children(parent);
        // The crate root's children are the top-level modules, checked above.
        if kids.is_empty() || parent.is_empty() {
            continue;
        }
        let unit = |m: &[String]| -> Option<String> {
            if m.len() < parent.len() || !m.starts_with(parent) {
                return None;
            }
            let mut u = parent.clone();
            if m.len() > parent.len() {
                u.push(m[parent.len()].clone());
            }
            Some(if u.is_empty() { "lib".into() } else { u.join("::") })
        };
        let own = unit(parent).expect("the folder's own unit");
        let inner: Vec<&Edge> = edges
            .iter()
            .filter(|e| !(e.reexport && e.from == *parent && e.to.len() > parent.len()))
            .filter(|e| unit(&e.from).is_some() && unit(&e.to).is_some())
            .collect();
        let sub_edges: BTreeSet<(String, String)> =
            inner.iter().map(|e| (unit(&e.from).unwrap(), unit(&e.to).unwrap())).filter(|(a, b)| a != b).collect();
        let nodes: BTreeSet<String> = std::iter::once(own.clone())
            .chain(kids.iter().map(|k| unit(&[parent.clone(), vec![k.clone()]].concat()).unwrap()))
            .collect();
        for comp in cycles(&nodes, &sub_edges) {
            let path = cycle_path(&comp, &sub_edges);
            let shown: Vec<String> =
                path.iter().map(|p| if *p == own { format!("{p} (its own file)") } else { p.clone() }).collect();
            report.push(format!(
                "cycle between the sub-modules of `{own}` {{{}}}, for one: {}, by:",
                comp.join(", "),
                shown.join(" -> ")
            ));
            let inner: Vec<Edge> = inner.iter().map(|e| (*e).clone()).collect();
            report.extend(sites(&inner, &path, |m| unit(m).unwrap_or_default()));
        }
    }
    report
}

/// The import sites of each step of a cycle's `path`, with `unit` naming
/// modules. (A cycle through a higher layer's import goes once that
/// import, listed above, does; the others are imports within a layer.)
fn sites(edges: &[Edge], path: &[String], unit: impl Fn(&[String]) -> String) -> Vec<String> {
    let mut out = vec![];
    for w in path.windows(2) {
        for e in edges.iter().filter(|e| unit(&e.from) == w[0] && unit(&e.to) == w[1]) {
            out.push(format!("  {}: {} imports {}", e.site(), w[0], w[1]));
        }
    }
    out
}

// ---------------------------------------------------------------- tests

#[test]
fn the_crate_follows_the_layering_table() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let table = layers(&readme).unwrap_or_else(|e| panic!("{e}"));
    let src = root.join("src");
    let mut paths = vec![];
    rs_files(&src, &mut paths);
    let files = paths
        .into_iter()
        .map(|p| {
            let s = std::fs::read_to_string(&p).expect("a readable source file");
            (p.strip_prefix(&src).expect("under src").to_path_buf(), s)
        })
        .collect();
    let krate = Crate::from_files(files);
    let report = check(&krate, &table);
    let mut msg = String::new();
    for line in &report {
        writeln!(msg, "{line}").unwrap();
    }
    assert!(report.is_empty(), "the layering of README.md's table is broken:\n{msg}");
}

fn paths(src: &str) -> Vec<String> {
    imports(src, &BTreeSet::new()).into_iter().map(|i| i.path.join("::")).collect()
}

#[test]
fn grouped_nested_and_multiline_uses_expand_to_paths() {
    let src = "use crate::{a::{b, c::{d, e as f}}, g::*, h};\nuse crate::i::{\n    self,\n    J,\n};\nuse std::fmt;";
    assert_eq!(
        paths(src),
        [
            "crate::a::b",
            "crate::a::c::d",
            "crate::a::c::e",
            "crate::g",
            "crate::h",
            "crate::i",
            "crate::i::J",
            "std::fmt"
        ]
    );
    let lines: Vec<usize> = imports(src, &BTreeSet::new()).iter().map(|i| i.line).collect();
    assert_eq!(lines, [1, 1, 1, 1, 1, 2, 2, 6]);
}

#[test]
fn visibility_marks_reexports() {
    let src = "pub(crate) use crate::a::B;\npub use crate::c;\nuse crate::d;\npub(in crate::e) use crate::f::G;\npub(super) fn x() {}";
    let got: Vec<(String, bool)> =
        imports(src, &BTreeSet::new()).into_iter().map(|i| (i.path.join("::"), i.reexport)).collect();
    assert_eq!(
        got,
        [
            ("crate::a::B".into(), true),
            ("crate::c".into(), true),
            ("crate::d".into(), false),
            ("crate::f::G".into(), true)
        ]
    );
}

#[test]
fn comments_strings_and_literals_are_not_imports() {
    let src = r####"
// use crate::a;
/* use crate::b; /* nested crate::c::X */ still crate::d::Y */
/// crate::e::Z in a doc comment
let s = "crate::f::W \" crate::g::V";
let r = r#"crate::h::U "# ;
let r2 = r##"a "# crate::i::T"##;
let b = b"crate::j::S";
let q = '"'; let l: &'static str = "x"; let e = '\'';
fn f<'a>(x: &'a u8) -> impl Sized + use<'a> { x }
let k = crate::k::R::new();
$crate::dtype::DType;
"####;
    assert_eq!(paths(src), ["crate::k::R::new"]);
    let line = imports(src, &BTreeSet::new())[0].line;
    assert_eq!(line, 11);
}

#[test]
fn inline_paths_name_crate_super_and_child_modules() {
    let children: BTreeSet<String> = ["lower".to_string()].into();
    let src = "fn f() { super::x::y(); self::z(); lower::plan(); other::q(); a.lower::<u8>(); crate::b::C { }; }";
    let got: Vec<String> = imports(src, &children).into_iter().map(|i| i.path.join("::")).collect();
    assert_eq!(got, ["super::x::y", "self::z", "lower::plan", "crate::b::C"]);
}

fn sample_crate(files: &[(&str, &str)]) -> Crate {
    Crate::from_files(files.iter().map(|(p, s)| (PathBuf::from(p), s.to_string())).collect())
}

#[test]
fn paths_resolve_to_modules() {
    let k = sample_crate(&[
        ("lib.rs", "mod a; mod b; pub use a::Thing; pub use b::inner::Deep as Alias;"),
        ("a.rs", "#[macro_export]\n#[doc(hidden)]\nmacro_rules! mac { () => {} }"),
        ("b/mod.rs", "mod inner;"),
        ("b/inner.rs", ""),
    ]);
    let r = |from: &[&str], p: &str| {
        let from: Vec<String> = from.iter().map(|s| s.to_string()).collect();
        let p: Vec<String> = p.split("::").map(String::from).collect();
        k.resolve(&from, &p).map(|m| m.join("::"))
    };
    assert_eq!(r(&["b", "inner"], "crate::a::X"), Some("a".into()));
    assert_eq!(r(&["b", "inner"], "super::Y"), Some("b".into()));
    assert_eq!(r(&["b", "inner"], "super::super::a::X"), Some("a".into()));
    assert_eq!(r(&["b"], "inner::Z"), Some("b::inner".into()));
    assert_eq!(r(&["b"], "self::inner::Z"), Some("b::inner".into()));
    // Root items go to the module they are re-exported from.
    assert_eq!(r(&["b"], "crate::Thing"), Some("a".into()));
    assert_eq!(r(&["b"], "crate::Alias"), Some("b::inner".into()));
    assert_eq!(r(&["b"], "crate::Deep"), Some("".into()));
    assert_eq!(r(&["b"], "crate::mac"), Some("a".into()));
    assert_eq!(r(&["b"], "crate::Unknown"), Some("".into()));
    assert_eq!(r(&["b"], "std::fmt"), None);
}

#[test]
fn the_table_is_read_top_layer_first() {
    let readme = "# x\n## Layering\n\nText.\n\n| layer | modules | what |\n| --- | --- | --- |\n| 1 | lib | root |\n| 2 | `a`, b | two |\n\nAfter.\n| 9 | z | not the table |\n";
    let t = layers(readme).unwrap();
    assert_eq!(
        t,
        [("1".to_string(), vec!["lib".to_string()]), ("2".to_string(), vec!["a".to_string(), "b".to_string()])]
    );
    assert!(layers("## Other\n| 1 | a |").is_err());
    assert!(layers("## Layering\nno table\n## Next\n| 1 | a | x |\n|--|--|--|\n| 1 | a | x |").is_err());
}

fn table(rows: &[&[&str]]) -> Vec<(String, Vec<String>)> {
    rows.iter().enumerate().map(|(i, r)| ((i + 1).to_string(), r.iter().map(|s| s.to_string()).collect())).collect()
}

#[test]
fn upward_imports_and_cycles_are_reported_with_their_sites() {
    let k = sample_crate(&[
        ("lib.rs", "mod a; mod b; mod c; pub use a::A;"),
        ("a.rs", "use crate::b::B;"),
        ("b.rs", "use crate::{c::C, a::A2};\nfn f() { crate::A; }"),
        ("c.rs", "// use crate::a::A;\n"),
    ]);
    let report = check(&k, &table(&[&["lib"], &["a", "b"], &["c"]]));
    let text = report.join("\n");
    // b imports a in the same layer, a imports b: a cycle, with each site.
    assert!(text.contains("cycle between top-level modules {a, b}, for one: a -> b -> a, by:"), "{text}");
    assert!(text.contains("src/a.rs:1: `crate::b::B`: a imports b"), "{text}");
    assert!(text.contains("src/b.rs:1: `crate::a::A2`: b imports a"), "{text}");
    assert!(text.contains("src/b.rs:2: `crate::A`: b imports a"), "{text}");
    assert!(!text.contains("higher layer"), "{text}");
    // c below: an import of it is fine; one from it upward is reported.
    let k = sample_crate(&[("lib.rs", "mod a; mod c;"), ("a.rs", "use crate::c::C;"), ("c.rs", "use crate::a::X;")]);
    let text = check(&k, &table(&[&["lib"], &["a"], &["c"]])).join("\n");
    assert!(
        text.contains("1 imports of a higher layer:\n  src/c.rs:1: `crate::a::X`: c (layer 3) imports a (layer 2)"),
        "{text}"
    );
    // A module missing from the table is named.
    let text = check(&k, &table(&[&["lib"], &["a"]])).join("\n");
    assert!(text.contains("top-level module `c` is in no layer"), "{text}");
    // A clean crate reports nothing.
    let k = sample_crate(&[("lib.rs", "mod a; mod c; pub use a::A;"), ("a.rs", "use crate::c::C;"), ("c.rs", "")]);
    assert_eq!(check(&k, &table(&[&["lib"], &["a"], &["c"]])), Vec::<String>::new());
}

#[test]
fn cycles_between_sub_modules_are_reported_but_a_folder_may_reexport_its_children() {
    let k = sample_crate(&[
        ("lib.rs", "mod g;"),
        ("g/mod.rs", "mod low; mod mem; pub(crate) use low::plan; pub use mem::M;\nfn f() { low::helper(); }"),
        ("g/low/mod.rs", "mod blocks; use crate::g::Payload;"),
        ("g/low/blocks.rs", "use super::super::Payload;"),
        ("g/mem.rs", "use super::Payload;"),
    ]);
    let text = check(&k, &table(&[&["lib"], &["g"]])).join("\n");
    // g's own file calls into g::low, which uses g's own items: a cycle.
    assert!(
        text.contains("sub-modules of `g` {g, g::low}, for one: g (its own file) -> g::low -> g (its own file), by:"),
        "{text}"
    );
    assert!(text.contains("src/g/mod.rs:2: `low::helper`: g imports g::low"), "{text}");
    assert!(text.contains("src/g/low/mod.rs:1: `crate::g::Payload`: g::low imports g"), "{text}");
    // g::low::blocks counts as g::low; g re-exporting g::mem, which uses
    // g, makes no cycle.
    assert!(text.contains("src/g/low/blocks.rs:1: `super::super::Payload`: g::low imports g"), "{text}");
    assert!(!text.contains("g::mem"), "{text}");
    assert_eq!(text.matches("cycle").count(), 1, "{text}");
    // A folder using its child's item itself is a use, and makes a cycle.
    let k = sample_crate(&[("lib.rs", "mod g;"), ("g/mod.rs", "mod mem;\nuse mem::M;"), ("g/mem.rs", "use super::P;")]);
    let text = check(&k, &table(&[&["lib"], &["g"]])).join("\n");
    assert!(text.contains("g (its own file) -> g::mem -> g (its own file)"), "{text}");
}

#[test]
fn an_inline_module_is_its_own_scope() {
    // `super` inside `mod tests { .. }` is the file's module, not its parent.
    let k = sample_crate(&[
        ("lib.rs", "mod g;"),
        ("g/mod.rs", "mod a;\nuse a::f;"),
        ("g/a.rs", "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::f;\n    fn t() { super::f(); }\n}\nfn h() { super::z(); }"),
    ]);
    let text = check(&k, &table(&[&["lib"], &["g"]])).join("\n");
    assert!(text.contains("g (its own file) -> g::a -> g (its own file)"), "{text}");
    assert!(text.contains("src/g/a.rs:7: `super::z`"), "{text}");
    assert!(!text.contains("a.rs:4") && !text.contains("a.rs:5"), "{text}");
    let imps = imports("mod tests {\n use super::f;\n}\nuse crate::x;", &BTreeSet::new());
    let scopes: Vec<Vec<String>> = imps.into_iter().map(|i| i.scope).collect();
    assert_eq!(scopes, [vec!["tests".to_string()], vec![]]);
}

#[test]
fn cycles_are_found_whatever_their_length() {
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let edges: BTreeSet<(String, String)> = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "d")]
        .iter()
        .map(|(x, y)| (x.to_string(), y.to_string()))
        .collect();
    let c = cycles(&set(&["a", "b", "c", "d", "e", "f"]), &edges);
    assert_eq!(c, [vec!["a", "b", "c"], vec!["d", "e"]]);
    assert_eq!(cycle_path(&c[0], &edges), ["a", "b", "c", "a"]);
    assert_eq!(cycle_path(&c[1], &edges), ["d", "e", "d"]);
}
