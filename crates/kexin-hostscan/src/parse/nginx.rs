//! nginx configuration: directives and blocks with `include` expanded.
//!
//! Tokens are words separated by whitespace, `"…"`/`'…'` quoted strings
//! (backslash escapes), `;`, `{`, `}` and `#` comments to the end of the
//! line; `${var}` inside a word stays part of it. `include pattern;` is
//! replaced in place by the directives of the matching files (glob in the
//! last component, relative paths relative to the main file's directory,
//! i.e. the nginx prefix `/etc/nginx`), nested at most
//! [`MAX_INCLUDE_DEPTH`] deep.
//!
//! Queries: [`NginxConfig::find_all`] gives every occurrence with its
//! context (`["http", "server", "location /"]`), [`NginxConfig::servers`]
//! the `server` blocks of `http`, and [`NginxConfig::inherited`] resolves a
//! directive the way nginx inherits it (the innermost level that sets it
//! wins; an inner `add_header` hides all outer ones).

use super::{Loc, MAX_INCLUDE_FILES, MAX_NESTING, Problem, Source, dirname, expand_include};
use crate::root::ReadError;

/// Debian's main file.
pub const NGINX_CONF: &str = "/etc/nginx/nginx.conf";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub loc: Loc,
    /// `Some` for a block directive (`http { … }`).
    pub block: Option<Vec<Directive>>,
}

impl Directive {
    /// Children named `name` (empty for a simple directive).
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.block
            .iter()
            .flat_map(|b| b.iter())
            .filter(move |d| d.name == name)
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Directive> {
        self.block
            .iter()
            .flat_map(|b| b.iter())
            .find(|d| d.name == name)
    }

    /// `name args…` as shown in a context path (`location /admin`).
    pub fn label(&self) -> String {
        if self.args.is_empty() {
            self.name.clone()
        } else {
            format!("{} {}", self.name, self.args.join(" "))
        }
    }
}

/// A directive with the chain of blocks around it.
#[derive(Debug, Clone)]
pub struct Found<'a> {
    /// Enclosing blocks, outermost first.
    pub parents: Vec<&'a Directive>,
    pub directive: &'a Directive,
}

impl Found<'_> {
    /// Labels of the enclosing blocks (`["http", "server", "location /"]`).
    pub fn context(&self) -> Vec<String> {
        self.parents.iter().map(|d| d.label()).collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NginxConfig {
    /// Main-level directives, includes expanded.
    pub directives: Vec<Directive>,
    pub files: Vec<String>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Semi,
    Open,
    Close,
}

fn tokenize(text: &str, file: &str, problems: &mut Vec<Problem>) -> Vec<(Tok, usize)> {
    let mut out = Vec::new();
    let mut line = 1usize;
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    let mut word_line = 1usize;
    let flush = |word: &mut String, out: &mut Vec<(Tok, usize)>, l: usize| {
        if !word.is_empty() {
            out.push((Tok::Word(std::mem::take(word)), l));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                flush(&mut word, &mut out, word_line);
                line += 1;
            }
            c if c.is_whitespace() => flush(&mut word, &mut out, word_line),
            '#' if word.is_empty() => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            ';' | '{' | '}' => {
                if c == '{' && word.ends_with('$') {
                    // ${var}
                    word.push('{');
                    for d in chars.by_ref() {
                        if d == '\n' {
                            line += 1;
                        }
                        word.push(d);
                        if d == '}' {
                            break;
                        }
                    }
                    continue;
                }
                flush(&mut word, &mut out, word_line);
                out.push((
                    match c {
                        ';' => Tok::Semi,
                        '{' => Tok::Open,
                        _ => Tok::Close,
                    },
                    line,
                ));
            }
            '"' | '\'' if word.is_empty() => {
                let start = line;
                let mut s = String::new();
                let mut closed = false;
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => {
                            if let Some(e) = chars.next() {
                                if e == '\n' {
                                    line += 1;
                                }
                                match e {
                                    '"' | '\'' | '\\' => s.push(e),
                                    e => {
                                        s.push('\\');
                                        s.push(e);
                                    }
                                }
                            }
                        }
                        d if d == c => {
                            closed = true;
                            break;
                        }
                        d => {
                            if d == '\n' {
                                line += 1;
                            }
                            s.push(d);
                        }
                    }
                }
                if !closed {
                    problems.push(Problem::new(file, start, "unterminated quoted string"));
                }
                out.push((Tok::Word(s), start));
            }
            c => {
                if word.is_empty() {
                    word_line = line;
                }
                word.push(c);
            }
        }
    }
    flush(&mut word, &mut out, word_line);
    out
}

impl NginxConfig {
    /// Parse `/etc/nginx/nginx.conf` and its includes.
    pub fn load(src: &dyn Source) -> Result<NginxConfig, ReadError> {
        NginxConfig::load_from(src, NGINX_CONF)
    }

    /// Parse a main file and its includes; fails only if it is unreadable.
    pub fn load_from(src: &dyn Source, path: &str) -> Result<NginxConfig, ReadError> {
        let t = src.read(path)?;
        let mut cfg = NginxConfig::default();
        let prefix = dirname(path).to_string();
        cfg.directives = cfg.parse_file(src, &prefix, &t.path, &t.text, 0);
        Ok(cfg)
    }

    /// Parse text alone (includes become problems).
    pub fn parse_str(file: &str, text: &str) -> NginxConfig {
        let mut cfg = NginxConfig::default();
        cfg.directives = cfg.parse_file(&super::MemRoot::new(), dirname(file), file, text, 0);
        cfg
    }

    fn parse_file(
        &mut self,
        src: &dyn Source,
        prefix: &str,
        file: &str,
        text: &str,
        depth: usize,
    ) -> Vec<Directive> {
        self.files.push(file.to_string());
        let toks = tokenize(text, file, &mut self.problems);
        // Stack of open blocks: (the block directive without children, children so far).
        let mut stack: Vec<(Option<Directive>, Vec<Directive>)> = vec![(None, Vec::new())];
        let mut pending: Vec<(String, usize)> = Vec::new();
        // Depth of blocks being skipped because they nest too deep.
        let mut skip = 0usize;
        for (tok, line) in toks {
            if skip > 0 {
                match tok {
                    Tok::Open => skip += 1,
                    Tok::Close => skip -= 1,
                    _ => {}
                }
                continue;
            }
            match tok {
                Tok::Word(w) => pending.push((w, line)),
                Tok::Semi => {
                    if pending.is_empty() {
                        self.problems
                            .push(Problem::new(file, line, "unexpected `;`"));
                        continue;
                    }
                    let (name, l) = pending.remove(0);
                    let args: Vec<String> = pending.drain(..).map(|(w, _)| w).collect();
                    let top = &mut stack.last_mut().expect("stack never empty").1;
                    if name == "include" {
                        let expanded = self.include(src, prefix, file, l, &args, depth);
                        top.extend(expanded);
                    } else {
                        top.push(Directive {
                            name,
                            args,
                            loc: Loc::new(file, l),
                            block: None,
                        });
                    }
                }
                Tok::Open => {
                    if pending.is_empty() {
                        self.problems
                            .push(Problem::new(file, line, "block without a name"));
                        // Keep the braces balanced with an anonymous block.
                        pending.push((String::new(), line));
                    }
                    let (name, l) = pending.remove(0);
                    let args = pending.drain(..).map(|(w, _)| w).collect();
                    if stack.len() > MAX_NESTING {
                        self.problems.push(Problem::new(
                            file,
                            l,
                            format!("blocks nested deeper than {MAX_NESTING}; skipped"),
                        ));
                        skip = 1;
                        continue;
                    }
                    stack.push((
                        Some(Directive {
                            name,
                            args,
                            loc: Loc::new(file, l),
                            block: None,
                        }),
                        Vec::new(),
                    ));
                }
                Tok::Close => {
                    if !pending.is_empty() {
                        self.problems.push(Problem::new(
                            file,
                            line,
                            "directive without `;` before `}`",
                        ));
                        pending.clear();
                    }
                    if stack.len() == 1 {
                        self.problems
                            .push(Problem::new(file, line, "unexpected `}`"));
                        continue;
                    }
                    close_block(&mut stack);
                }
            }
        }
        if let Some((_, l)) = pending.first() {
            self.problems.push(Problem::new(
                file,
                *l,
                "directive without `;` at end of file",
            ));
        }
        while stack.len() > 1 {
            let l = stack
                .last()
                .and_then(|(d, _)| d.as_ref())
                .map(|d| d.loc.line)
                .unwrap_or(0);
            self.problems
                .push(Problem::new(file, l, "block not closed at end of file"));
            close_block(&mut stack);
        }
        stack.pop().map(|(_, c)| c).unwrap_or_default()
    }

    fn include(
        &mut self,
        src: &dyn Source,
        prefix: &str,
        file: &str,
        line: usize,
        args: &[String],
        depth: usize,
    ) -> Vec<Directive> {
        let mut out = Vec::new();
        if !super::include_allowed(&mut self.problems, "include", file, line, args, depth) {
            return out;
        }
        let paths = match expand_include(src, prefix, &args[0]) {
            Ok(p) => p,
            Err(e) => {
                self.problems
                    .push(Problem::new(file, line, format!("include: {e}")));
                return out;
            }
        };
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
                Ok(t) => {
                    let ds = self.parse_file(src, prefix, &t.path, &t.text, depth + 1);
                    out.extend(ds);
                }
                Err(e) => self
                    .problems
                    .push(Problem::new(file, line, format!("include: {e}"))),
            }
        }
        out
    }

    /// Every directive in the tree with its enclosing blocks, in file order.
    pub fn walk(&self) -> Vec<Found<'_>> {
        let mut out = Vec::new();
        let mut todo: Vec<(Vec<&Directive>, &Directive)> = self
            .directives
            .iter()
            .rev()
            .map(|d| (Vec::new(), d))
            .collect();
        while let Some((parents, d)) = todo.pop() {
            if let Some(b) = &d.block {
                let mut p = parents.clone();
                p.push(d);
                for c in b.iter().rev() {
                    todo.push((p.clone(), c));
                }
            }
            out.push(Found {
                parents,
                directive: d,
            });
        }
        out
    }

    /// Every occurrence of a directive, with context.
    pub fn find_all(&self, name: &str) -> Vec<Found<'_>> {
        self.walk()
            .into_iter()
            .filter(|f| f.directive.name == name)
            .collect()
    }

    /// The `server` blocks inside `http`.
    pub fn servers(&self) -> Vec<&Directive> {
        self.directives
            .iter()
            .filter(|d| d.name == "http")
            .flat_map(|h| h.children("server"))
            .collect()
    }

    /// Occurrences of `name` that apply inside the innermost block of
    /// `chain` (outermost first, e.g. `[http, server, location]`): the
    /// innermost level that has the directive wins, then outer levels, then
    /// the main level.
    pub fn inherited<'a>(&'a self, chain: &[&'a Directive], name: &str) -> Vec<&'a Directive> {
        for b in chain.iter().rev() {
            let here: Vec<&Directive> = b
                .block
                .iter()
                .flat_map(|c| c.iter())
                .filter(|d| d.name == name)
                .collect();
            if !here.is_empty() {
                return here;
            }
        }
        self.directives.iter().filter(|d| d.name == name).collect()
    }

    /// The `http` block, if any.
    pub fn http(&self) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == "http")
    }
}

fn close_block(stack: &mut Vec<(Option<Directive>, Vec<Directive>)>) {
    if let Some((Some(mut d), children)) = stack.pop() {
        d.block = Some(children);
        if let Some(top) = stack.last_mut() {
            top.1.push(d);
        }
    }
}
