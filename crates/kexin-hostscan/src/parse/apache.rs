//! Apache httpd configuration: directives and `<Section>` blocks with
//! `Include`/`IncludeOptional` expanded.
//!
//! Lines: `Directive args…` (double-quoted arguments allowed), `#` comment
//! lines, `\` continuations, `<Section args>` … `</Section>` (names
//! case-insensitive). `Include` and `IncludeOptional` are replaced in place
//! by the matching files (glob in the last component; relative paths are
//! relative to `ServerRoot`, default `/etc/apache2` on Debian and
//! `/etc/httpd` for `/etc/httpd/conf/httpd.conf`); a missing `Include`
//! target is a problem, a missing `IncludeOptional` is not.
//!
//! Conditional sections (`<IfModule>`, `<IfDefine>`, `<IfVersion>`) are not
//! evaluated: [`ApacheConfig::global`] looks through them, since the
//! modules they test are normally loaded on a configured server.

use super::{
    Loc, MAX_INCLUDE_FILES, MAX_NESTING, Problem, Source, expand_include, logical_lines,
    split_quoted,
};
use crate::root::ReadError;

/// Main files tried by [`ApacheConfig::load`], with their default
/// `ServerRoot`.
pub const MAIN_FILES: &[(&str, &str)] = &[
    ("/etc/apache2/apache2.conf", "/etc/apache2"),
    ("/etc/httpd/conf/httpd.conf", "/etc/httpd"),
];

/// Sections looked through by [`ApacheConfig::global`].
pub const CONDITIONAL_SECTIONS: &[&str] =
    &["ifmodule", "ifdefine", "ifversion", "ifdirective", "iffile"];

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    /// Directive or section name as written.
    pub name: String,
    pub args: Vec<String>,
    pub loc: Loc,
    /// `Some` for a section.
    pub children: Option<Vec<Node>>,
}

impl Node {
    /// Case-insensitive name comparison.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    pub fn is_section(&self) -> bool {
        self.children.is_some()
    }

    /// `<Name args>` or `Name args` label.
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.args.join(" "))
            .trim_end()
            .to_string()
    }

    /// Direct children named `name` (case-insensitive).
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children
            .iter()
            .flat_map(|c| c.iter())
            .filter(move |n| n.is(name))
    }

    /// Last occurrence of `name` among the children, looking through
    /// conditional sections (later directives override earlier ones).
    pub fn get(&self, name: &str) -> Option<&Node> {
        last_through(self.children.as_deref().unwrap_or(&[]), name)
    }
}

fn last_through<'a>(nodes: &'a [Node], name: &str) -> Option<&'a Node> {
    let mut found = None;
    for n in nodes {
        if n.is(name) && !n.is_section() {
            found = Some(n);
        } else if let Some(c) = &n.children
            && CONDITIONAL_SECTIONS.contains(&n.name.to_ascii_lowercase().as_str())
            && let Some(x) = last_through(c, name)
        {
            found = Some(x);
        }
    }
    found
}

/// A node with its enclosing sections.
#[derive(Debug, Clone)]
pub struct Found<'a> {
    pub parents: Vec<&'a Node>,
    pub node: &'a Node,
}

impl Found<'_> {
    pub fn context(&self) -> Vec<String> {
        self.parents.iter().map(|n| n.label()).collect()
    }

    /// Inside a `<VirtualHost>`?
    pub fn virtual_host(&self) -> Option<&Node> {
        self.parents
            .iter()
            .rev()
            .find(|p| p.is("VirtualHost"))
            .copied()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApacheConfig {
    pub nodes: Vec<Node>,
    pub files: Vec<String>,
    pub problems: Vec<Problem>,
    /// `ServerRoot` used to resolve relative includes.
    pub server_root: String,
}

impl ApacheConfig {
    /// Parse the first main file of [`MAIN_FILES`] that exists. The error of
    /// the last attempt is returned if none can be read.
    pub fn load(src: &dyn Source) -> Result<ApacheConfig, ReadError> {
        let mut last = None;
        for (main, root) in MAIN_FILES {
            match ApacheConfig::load_from(src, main, root) {
                Ok(c) => return Ok(c),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(ReadError::NotFound {
            path: MAIN_FILES[0].0.to_string(),
        }))
    }

    /// Parse a main file with a default `ServerRoot`.
    pub fn load_from(
        src: &dyn Source,
        path: &str,
        server_root: &str,
    ) -> Result<ApacheConfig, ReadError> {
        let t = src.read(path)?;
        let mut cfg = ApacheConfig {
            server_root: server_root.to_string(),
            ..ApacheConfig::default()
        };
        cfg.nodes = cfg.parse_file(src, &t.path, &t.text, 0);
        Ok(cfg)
    }

    /// Parse text alone (includes become problems).
    pub fn parse_str(file: &str, text: &str) -> ApacheConfig {
        let mut cfg = ApacheConfig {
            server_root: "/etc/apache2".into(),
            ..ApacheConfig::default()
        };
        cfg.nodes = cfg.parse_file(&super::MemRoot::new(), file, text, 0);
        cfg
    }

    fn parse_file(&mut self, src: &dyn Source, file: &str, text: &str, depth: usize) -> Vec<Node> {
        self.files.push(file.to_string());
        let mut stack: Vec<(Option<Node>, Vec<Node>)> = vec![(None, Vec::new())];
        // Depth of sections being skipped because they nest too deep.
        let mut skip = 0usize;
        for (lineno, line) in logical_lines(text) {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if skip > 0 {
                if t.starts_with("</") {
                    skip -= 1;
                } else if t.starts_with('<') {
                    skip += 1;
                }
                continue;
            }
            if let Some(rest) = t.strip_prefix("</") {
                let name = rest.trim_end_matches('>').trim();
                match stack.last().and_then(|(n, _)| n.as_ref()) {
                    Some(open) if open.name.eq_ignore_ascii_case(name) => close(&mut stack),
                    Some(open) => {
                        self.problems.push(Problem::new(
                            file,
                            lineno,
                            format!("`</{name}>` closes `<{}>`", open.name),
                        ));
                        close(&mut stack);
                    }
                    None => self.problems.push(Problem::new(
                        file,
                        lineno,
                        format!("`</{name}>` without an open section"),
                    )),
                }
                continue;
            }
            if let Some(rest) = t.strip_prefix('<') {
                let Some(inner) = rest.strip_suffix('>') else {
                    self.problems.push(Problem::new(
                        file,
                        lineno,
                        "section line without closing `>`",
                    ));
                    continue;
                };
                let words = match split_quoted(inner) {
                    Ok(w) if !w.is_empty() => w,
                    Ok(_) => {
                        self.problems
                            .push(Problem::new(file, lineno, "empty section name"));
                        continue;
                    }
                    Err(e) => {
                        self.problems.push(Problem::new(file, lineno, e));
                        continue;
                    }
                };
                if stack.len() > MAX_NESTING {
                    self.problems.push(Problem::new(
                        file,
                        lineno,
                        format!("sections nested deeper than {MAX_NESTING}; skipped"),
                    ));
                    skip = 1;
                    continue;
                }
                stack.push((
                    Some(Node {
                        name: words[0].clone(),
                        args: words[1..].to_vec(),
                        loc: Loc::new(file, lineno),
                        children: None,
                    }),
                    Vec::new(),
                ));
                continue;
            }
            let words = match split_quoted(t) {
                Ok(w) if !w.is_empty() => w,
                Ok(_) => continue,
                Err(e) => {
                    self.problems.push(Problem::new(file, lineno, e));
                    continue;
                }
            };
            let name = &words[0];
            let args = words[1..].to_vec();
            if name.eq_ignore_ascii_case("ServerRoot")
                && let Some(r) = args.first()
            {
                self.server_root = r.clone();
            }
            if name.eq_ignore_ascii_case("Include") || name.eq_ignore_ascii_case("IncludeOptional")
            {
                let optional = name.eq_ignore_ascii_case("IncludeOptional");
                let nodes = self.include(src, file, lineno, &args, optional, depth);
                stack.last_mut().expect("stack never empty").1.extend(nodes);
                continue;
            }
            stack.last_mut().expect("stack never empty").1.push(Node {
                name: name.clone(),
                args,
                loc: Loc::new(file, lineno),
                children: None,
            });
        }
        while stack.len() > 1 {
            let (n, l) = stack
                .last()
                .and_then(|(n, _)| n.as_ref())
                .map(|n| (n.name.clone(), n.loc.line))
                .unwrap_or_default();
            self.problems.push(Problem::new(
                file,
                l,
                format!("`<{n}>` not closed at end of file"),
            ));
            close(&mut stack);
        }
        stack.pop().map(|(_, c)| c).unwrap_or_default()
    }

    fn include(
        &mut self,
        src: &dyn Source,
        file: &str,
        line: usize,
        args: &[String],
        optional: bool,
        depth: usize,
    ) -> Vec<Node> {
        let mut out = Vec::new();
        if !super::include_allowed(&mut self.problems, "Include", file, line, args, depth) {
            return out;
        }
        let root = self.server_root.clone();
        let paths = match expand_include(src, &root, &args[0]) {
            Ok(p) => p,
            Err(e) => {
                self.problems
                    .push(Problem::new(file, line, format!("Include: {e}")));
                return out;
            }
        };
        let is_glob = args[0].contains(['*', '?']);
        for p in paths {
            if self.files.len() >= MAX_INCLUDE_FILES {
                self.problems.push(Problem::new(
                    file,
                    line,
                    format!("more than {MAX_INCLUDE_FILES} files included; rest not followed"),
                ));
                break;
            }
            match src.read(&p) {
                Ok(t) => out.extend(self.parse_file(src, &t.path, &t.text, depth + 1)),
                Err(e) if optional && e.is_not_found() => {}
                Err(ReadError::NotAFile { .. }) if is_glob => {}
                Err(e) => self
                    .problems
                    .push(Problem::new(file, line, format!("Include: {e}"))),
            }
        }
        out
    }

    /// Every node with its enclosing sections, in file order.
    pub fn walk(&self) -> Vec<Found<'_>> {
        let mut out = Vec::new();
        let mut todo: Vec<(Vec<&Node>, &Node)> =
            self.nodes.iter().rev().map(|n| (Vec::new(), n)).collect();
        while let Some((parents, n)) = todo.pop() {
            if let Some(c) = &n.children {
                let mut p = parents.clone();
                p.push(n);
                for x in c.iter().rev() {
                    todo.push((p.clone(), x));
                }
            }
            out.push(Found { parents, node: n });
        }
        out
    }

    /// Every occurrence of a directive or section (case-insensitive).
    pub fn find_all(&self, name: &str) -> Vec<Found<'_>> {
        self.walk()
            .into_iter()
            .filter(|f| f.node.is(name))
            .collect()
    }

    /// The server-wide value: the last top-level occurrence, looking through
    /// conditional sections.
    pub fn global(&self, name: &str) -> Option<&Node> {
        last_through(&self.nodes, name)
    }

    /// All `<VirtualHost>` sections (also inside conditional sections).
    pub fn virtual_hosts(&self) -> Vec<&Node> {
        self.find_all("VirtualHost")
            .into_iter()
            .map(|f| f.node)
            .collect()
    }

    /// The value in effect in a virtual host: its own last occurrence, else
    /// the global one.
    pub fn in_vhost<'a>(&'a self, vhost: &'a Node, name: &str) -> Option<&'a Node> {
        vhost.get(name).or_else(|| self.global(name))
    }
}

fn close(stack: &mut Vec<(Option<Node>, Vec<Node>)>) {
    if let Some((Some(mut n), children)) = stack.pop() {
        n.children = Some(children);
        if let Some(top) = stack.last_mut() {
            top.1.push(n);
        }
    }
}
