//! Reading catalog files: YAML to the typed model, then the rules the
//! types cannot express. Every problem of every file is collected before
//! the loader gives up, each with its file, line, column and key.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path as FsPath;

use serde::de::DeserializeOwned;
use serde_saphyr::{DefaultMessageFormatter, Localizer, Location, MessageFormatter};

use crate::Catalog;
use crate::error::{CatalogError, Problem};
use crate::locate::{Path, Tree};
use crate::model::{CheckDef, EvidenceKind, Part, Point, SCHEMA, Source, Standard, Text};

/// One file handed to the loader: the name to report it by, and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct CatalogFile<'a> {
    /// Shown in problems, e.g. `catalog/standards/soc.yaml`. For a standard,
    /// its stem must equal the standard's id.
    pub path: &'a str,
    pub bytes: &'a [u8],
}

/// The YAML dialect of the catalog: strict booleans (`yes` is not `true`),
/// no merge keys, no custom tags, duplicate keys refused.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.strict_booleans = true;
    o.with_snippet = false;
    o.merge_keys = serde_saphyr::MergeKeyPolicy::Error;
    o.reject_unsupported_tags = true;
    o
}

/// Parses and checks one standard file on its own: everything except the
/// references to `sources.yaml` and `checks.yaml` and uniqueness across
/// files, which need the rest of the catalog.
pub fn parse_standard(path: &str, bytes: &[u8]) -> Result<Standard, CatalogError> {
    let mut problems = Vec::new();
    let standard = read_standard(CatalogFile { path, bytes }, None, &mut problems);
    match standard {
        Some(s) if problems.is_empty() => Ok(s),
        _ => Err(CatalogError::new(problems)),
    }
}

impl Catalog {
    /// Loads the catalog under `root` (the `catalog/` directory):
    /// `sources.yaml`, `checks.yaml` and every `standards/*.yaml`.
    pub fn load_dir(root: &FsPath) -> Result<Catalog, CatalogError> {
        let mut problems = Vec::new();
        let read = |path: std::path::PathBuf, problems: &mut Vec<Problem>| {
            let shown = path.display().to_string();
            match std::fs::read(&path) {
                Ok(bytes) => Some((shown, bytes)),
                Err(e) => {
                    problems.push(file_problem(&shown, format!("cannot read: {e}")));
                    None
                }
            }
        };
        let sources = read(root.join("sources.yaml"), &mut problems);
        let checks = read(root.join("checks.yaml"), &mut problems);

        let dir = root.join("standards");
        let mut standards = Vec::new();
        match std::fs::read_dir(&dir) {
            Err(e) => problems.push(file_problem(
                &dir.display().to_string(),
                format!("cannot read the standards directory: {e}"),
            )),
            Ok(entries) => {
                let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                paths.sort();
                for path in paths {
                    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                    let name = name.unwrap_or_default();
                    if name.starts_with('.') {
                        continue;
                    }
                    if !name.ends_with(".yaml") || !path.is_file() {
                        problems.push(file_problem(
                            &path.display().to_string(),
                            "not a standard: the standards directory holds only <id>.yaml files"
                                .into(),
                        ));
                        continue;
                    }
                    standards.extend(read(path, &mut problems));
                }
            }
        }
        let (Some(sources), Some(checks)) = (sources, checks) else {
            return Err(CatalogError::new(problems));
        };
        let files: Vec<CatalogFile<'_>> = standards
            .iter()
            .map(|(path, bytes)| CatalogFile { path, bytes })
            .collect();
        let sources = CatalogFile {
            path: &sources.0,
            bytes: &sources.1,
        };
        let checks = CatalogFile {
            path: &checks.0,
            bytes: &checks.1,
        };
        match Catalog::from_files(sources, checks, &files) {
            Ok(c) if problems.is_empty() => Ok(c),
            Ok(_) => Err(CatalogError::new(problems)),
            Err(e) => {
                problems.extend(e.problems);
                Err(CatalogError::new(problems))
            }
        }
    }

    /// Builds a catalog from files already in memory; the rules are those
    /// of [`Catalog::load_dir`]. Standards keep the order they are given in.
    pub fn from_files(
        sources: CatalogFile<'_>,
        checks: CatalogFile<'_>,
        standards: &[CatalogFile<'_>],
    ) -> Result<Catalog, CatalogError> {
        let mut problems = Vec::new();
        let sources = read_sources(sources, &mut problems);
        let checks = read_checks(checks, &mut problems);
        let refs = match (&sources, &checks) {
            (Some(s), Some(c)) => Some(Refs {
                sources: s.iter().map(|s| s.id.as_str()).collect(),
                checks: c.iter().map(|c| c.id.as_str()).collect(),
            }),
            _ => None,
        };

        let mut parsed = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for file in standards {
            let mut own = Vec::new();
            let Some(standard) = read_standard(*file, refs.as_ref(), &mut own) else {
                problems.extend(own);
                continue;
            };
            // Ids are unique across the whole catalog, not only per file.
            let tree = std::str::from_utf8(file.bytes).ok().and_then(Tree::parse);
            for (id, path) in ids_of(&standard) {
                match seen.get(&id) {
                    Some(first) if first != file.path => own.push(locate(
                        file.path,
                        tree.as_ref(),
                        Finding::new(
                            &path.key("id"),
                            &path,
                            Some(&id),
                            format!("duplicate id: also defined in {first}"),
                        ),
                    )),
                    Some(_) => {}
                    None => {
                        seen.insert(id, file.path.to_owned());
                    }
                }
            }
            problems.extend(own);
            parsed.push(standard);
        }
        match (sources, checks) {
            (Some(sources), Some(checks)) if problems.is_empty() => Ok(Catalog {
                standards: parsed,
                sources,
                checks,
            }),
            _ => Err(CatalogError::new(problems)),
        }
    }
}

/// The ids that standards may refer to.
pub(crate) struct Refs<'a> {
    pub(crate) sources: HashSet<&'a str>,
    pub(crate) checks: HashSet<&'a str>,
}

fn read_standard(
    file: CatalogFile<'_>,
    refs: Option<&Refs<'_>>,
    problems: &mut Vec<Problem>,
) -> Option<Standard> {
    let (standard, text) = parse_typed::<Standard>(file, problems)?;
    let tree = Tree::parse(text);
    let stem = file_stem(file.path);
    for finding in check_standard(&standard, Some(stem), refs, tree.as_ref()) {
        problems.push(locate(file.path, tree.as_ref(), finding));
    }
    Some(standard)
}

fn read_sources(file: CatalogFile<'_>, problems: &mut Vec<Problem>) -> Option<Vec<Source>> {
    let (sources, text) = parse_typed::<Vec<Source>>(file, problems)?;
    let tree = Tree::parse(text);
    let before = problems.len();
    for finding in check_sources(&sources) {
        problems.push(locate(file.path, tree.as_ref(), finding));
    }
    (problems.len() == before).then_some(sources)
}

fn read_checks(file: CatalogFile<'_>, problems: &mut Vec<Problem>) -> Option<Vec<CheckDef>> {
    let (checks, text) = parse_typed::<Vec<CheckDef>>(file, problems)?;
    let tree = Tree::parse(text);
    let before = problems.len();
    for finding in check_checks(&checks) {
        problems.push(locate(file.path, tree.as_ref(), finding));
    }
    (problems.len() == before).then_some(checks)
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.strip_suffix(".yaml").unwrap_or(name)
}

fn file_problem(file: &str, message: String) -> Problem {
    Problem {
        file: file.to_owned(),
        line: None,
        column: None,
        item: None,
        field: String::new(),
        message,
    }
}

/// YAML to `T`, or a problem naming the position and key serde stopped at.
fn parse_typed<'a, T: DeserializeOwned>(
    file: CatalogFile<'a>,
    problems: &mut Vec<Problem>,
) -> Option<(T, &'a str)> {
    let text = match std::str::from_utf8(file.bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &file.bytes[..e.valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            let start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&valid[start..]).chars().count() as u64 + 1;
            problems.push(Problem {
                line: Some(line),
                column: Some(column),
                ..file_problem(file.path, "not valid UTF-8".into())
            });
            return None;
        }
    };
    let error = match serde_saphyr::from_str_with_options::<T>(text, yaml_options()) {
        Ok(value) => return Some((value, text)),
        Err(e) => e,
    };
    // A second pass, only on failure, for the key path: tracking the path
    // in the first pass would move the reported position off the key.
    // (The closure's result is dropped: after a failed parse the reader
    // complains about the unread rest of the input instead.)
    let mut field = String::new();
    let _ = serde_saphyr::with_deserializer_from_str_with_options(text, yaml_options(), |de| {
        if let Err(e) = serde_path_to_error::deserialize::<_, T>(de) {
            field = e.path().to_string();
        }
        Ok(())
    });
    if field == "." {
        field.clear();
    }
    let (line, column) = match error.location() {
        Some(loc) if loc != Location::UNKNOWN => (Some(loc.line()), Some(loc.column())),
        _ => (None, None),
    };
    let options = serde_saphyr::render_options! {
        formatter: &PlainMessages,
        snippets: serde_saphyr::SnippetMode::Off,
    };
    problems.push(Problem {
        line,
        column,
        field,
        ..file_problem(file.path, error.render_with_options(options))
    });
    None
}

/// serde-saphyr's messages without the " at line X, column Y" suffix: the
/// position is part of [`Problem`] already.
struct PlainMessages;

struct NoPositions;

impl Localizer for NoPositions {
    fn attach_location<'a>(&self, base: Cow<'a, str>, _: Location) -> Cow<'a, str> {
        base
    }
}

impl MessageFormatter for PlainMessages {
    fn localizer(&self) -> &dyn Localizer {
        &NoPositions
    }

    fn format_message<'a>(&self, err: &'a serde_saphyr::Error) -> Cow<'a, str> {
        DefaultMessageFormatter.format_message(err)
    }
}

/// A rule broken somewhere in a file, before it is given a position.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    /// Where in the file, to look the position up.
    pub(crate) path: Path,
    /// The id of the standard, part, point, source or check concerned.
    pub(crate) item: Option<String>,
    /// `path` relative to the item.
    pub(crate) field: String,
    pub(crate) message: String,
}

impl Finding {
    fn new(path: &Path, item_path: &Path, item: Option<&str>, message: String) -> Finding {
        Finding {
            path: path.clone(),
            item: item.map(str::to_owned),
            field: path.relative_to(item_path),
            message,
        }
    }
}

fn locate(file: &str, tree: Option<&Tree>, f: Finding) -> Problem {
    let position = tree.and_then(|t| t.position(&f.path));
    Problem {
        file: file.to_owned(),
        line: position.map(|p| p.0),
        column: position.map(|p| p.1),
        item: f.item,
        field: f.field,
        message: f.message,
    }
}

/// `[a-z0-9]+(-[a-z0-9]+)*`
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Slugs joined by dots, at least two of them.
pub(crate) fn is_dotted_id(s: &str) -> bool {
    s.contains('.') && s.split('.').all(is_slug)
}

/// `<scanner>.<area>.<slug>`: three or more slugs, the first starting with a letter.
pub(crate) fn is_check_id(s: &str) -> bool {
    s.split('.').count() >= 3
        && s.split('.').all(is_slug)
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

/// `S1` to `S17`.
pub(crate) fn blueprint_number(s: &str) -> Option<u8> {
    let n = s.strip_prefix('S')?;
    if n.starts_with('0') || n.len() > 2 {
        return None;
    }
    n.parse().ok().filter(|n| (1..=17).contains(n))
}

/// Every id in a standard with the path of its node: the standard's own,
/// then parts and points in document order.
pub(crate) fn ids_of(standard: &Standard) -> Vec<(String, Path)> {
    fn walk(parts: &[Part], base: &Path, out: &mut Vec<(String, Path)>) {
        for (i, part) in parts.iter().enumerate() {
            let path = base.key("parts").index(i);
            out.push((part.id.clone(), path.clone()));
            for (j, point) in part.points.iter().enumerate() {
                out.push((point.id.clone(), path.key("points").index(j)));
            }
            walk(&part.parts, &path, out);
        }
    }
    let mut out = vec![(standard.id.clone(), Path::root())];
    walk(&standard.parts, &Path::root(), &mut out);
    out
}

/// The rules of one standard that the types do not express. `stem` is the
/// file stem when there is a file; `refs` the known sources and checks when
/// they are known; `tree` the file's shape, to spot lists written out empty.
pub(crate) fn check_standard(
    standard: &Standard,
    stem: Option<&str>,
    refs: Option<&Refs<'_>>,
    tree: Option<&Tree>,
) -> Vec<Finding> {
    let mut v = StandardCheck {
        standard,
        refs,
        tree,
        findings: Vec::new(),
        ids: HashMap::new(),
    };
    v.standard(stem);
    v.findings
}

struct StandardCheck<'a> {
    standard: &'a Standard,
    refs: Option<&'a Refs<'a>>,
    tree: Option<&'a Tree>,
    findings: Vec<Finding>,
    /// First path of every id seen, to report duplicates.
    ids: HashMap<&'a str, Path>,
}

impl<'a> StandardCheck<'a> {
    fn report(&mut self, path: &Path, item_path: &Path, item: &str, message: String) {
        self.findings
            .push(Finding::new(path, item_path, Some(item), message));
    }

    fn text(&mut self, text: &Text, path: &Path, item_path: &Path, item: &str) {
        for (lang, value) in [("zh", &text.zh), ("en", &text.en)] {
            if value.trim().is_empty() {
                self.report(&path.key(lang), item_path, item, "must not be empty".into());
            }
        }
    }

    fn no_empty_list(&mut self, path: &Path, item_path: &Path, item: &str) {
        if self.tree.is_some_and(|t| t.is_empty_list(path)) {
            self.report(
                path,
                item_path,
                item,
                "must not be an empty list; leave the key out instead".into(),
            );
        }
    }

    fn id(&mut self, id: &'a str, parent: &str, path: &Path) {
        let id_path = path.key("id");
        if !is_dotted_id(id) {
            self.report(
                &id_path,
                path,
                id,
                "ids are dot-separated slugs of a-z, 0-9 and single dashes".into(),
            );
        } else if !id.starts_with(&format!("{parent}.")) {
            self.report(
                &id_path,
                path,
                id,
                format!("must start with its parent's id `{parent}.`"),
            );
        }
        if let Some(first) = self.ids.get(id) {
            let message = match self.tree.and_then(|t| t.position(&first.key("id"))) {
                Some((line, _)) => format!("duplicate id: first defined at line {line}"),
                None => format!("duplicate id: first defined at {first}"),
            };
            self.report(&id_path, path, id, message);
        } else {
            self.ids.insert(id, path.clone());
        }
    }

    fn standard(&mut self, stem: Option<&str>) {
        let s = self.standard;
        let root = Path::root();
        let id = s.id.as_str();
        if s.schema != SCHEMA {
            self.report(
                &root.key("schema"),
                &root,
                id,
                format!("must be `{SCHEMA}`, found `{}`", s.schema),
            );
        }
        if !is_slug(id) {
            self.report(
                &root.key("id"),
                &root,
                id,
                "a standard's id is a slug of a-z, 0-9 and single dashes".into(),
            );
        }
        if let Some(stem) = stem.filter(|stem| *stem != id) {
            self.report(
                &root.key("id"),
                &root,
                id,
                format!("must equal the file name `{stem}`"),
            );
        }
        self.ids.insert(id, root.clone());
        if blueprint_number(&s.blueprint).is_none() {
            self.report(
                &root.key("blueprint"),
                &root,
                id,
                format!("must be one of S1 to S17, found `{}`", s.blueprint),
            );
        }
        self.text(&s.title, &root.key("title"), &root, id);
        self.text(&s.summary, &root.key("summary"), &root, id);
        if let Some(notes) = &s.notes {
            self.text(notes, &root.key("notes"), &root, id);
        }
        if s.levels.is_empty() {
            self.report(
                &root.key("levels"),
                &root,
                id,
                "must name at least one level".into(),
            );
        } else if !s.levels.windows(2).all(|w| w[0] < w[1]) {
            self.report(
                &root.key("levels"),
                &root,
                id,
                "must be distinct and in order: basic, enhanced, advanced".into(),
            );
        }
        self.no_empty_list(&root.key("variants"), &root, id);
        let mut variants = HashSet::new();
        for (i, variant) in s.variants.iter().enumerate() {
            let path = root.key("variants").index(i);
            if !is_slug(variant) {
                self.report(&path, &root, id, format!("`{variant}` is not a slug"));
            }
            if !variants.insert(variant) {
                self.report(&path, &root, id, format!("`{variant}` is listed twice"));
            }
        }
        if s.parts.is_empty() {
            self.report(
                &root.key("parts"),
                &root,
                id,
                "must hold at least one part".into(),
            );
        }
        for (i, part) in s.parts.iter().enumerate() {
            self.part(part, id, &root.key("parts").index(i));
        }
    }

    fn part(&mut self, part: &'a Part, parent: &str, path: &Path) {
        let id = part.id.as_str();
        self.id(id, parent, path);
        self.text(&part.title, &path.key("title"), path, id);
        if let Some(level) = part.level
            && !self.standard.levels.contains(&level)
        {
            let message = format!(
                "`{}` is not one of the standard's levels ({})",
                level.as_str(),
                levels(&self.standard.levels)
            );
            self.report(&path.key("level"), path, id, message);
        }
        self.no_empty_list(&path.key("parts"), path, id);
        self.no_empty_list(&path.key("points"), path, id);
        if part.parts.is_empty() && part.points.is_empty() {
            self.report(
                path,
                path,
                id,
                "a part holds `parts`, `points` or both".into(),
            );
        }
        for (i, point) in part.points.iter().enumerate() {
            self.point(point, id, &path.key("points").index(i));
        }
        for (i, child) in part.parts.iter().enumerate() {
            self.part(child, id, &path.key("parts").index(i));
        }
    }

    fn point(&mut self, point: &'a Point, parent: &str, path: &Path) {
        let s = self.standard;
        let id = point.id.as_str();
        self.id(id, parent, path);
        self.text(&point.title, &path.key("title"), path, id);
        self.text(&point.statement, &path.key("statement"), path, id);
        if !s.levels.contains(&point.level) {
            let message = format!(
                "`{}` is not one of the standard's levels ({})",
                point.level.as_str(),
                levels(&s.levels)
            );
            self.report(&path.key("level"), path, id, message);
        }
        if !(1..=5).contains(&point.weight) {
            let message = format!("must be between 1 and 5, found {}", point.weight);
            self.report(&path.key("weight"), path, id, message);
        }
        self.no_empty_list(&path.key("variants"), path, id);
        let mut variants = HashSet::new();
        for (i, variant) in point.variants.iter().enumerate() {
            let vpath = path.key("variants").index(i);
            if !s.variants.contains(variant) {
                let message = if s.variants.is_empty() {
                    format!("`{variant}`: the standard names no variants")
                } else {
                    format!(
                        "`{variant}` is not one of the standard's variants ({})",
                        s.variants.join(", ")
                    )
                };
                self.report(&vpath, path, id, message);
            }
            if !variants.insert(variant) {
                self.report(&vpath, path, id, format!("`{variant}` is listed twice"));
            }
        }
        if point.evidence.is_empty() {
            self.report(
                &path.key("evidence"),
                path,
                id,
                "must name at least one kind of evidence".into(),
            );
        }
        for (i, evidence) in point.evidence.iter().enumerate() {
            let epath = path.key("evidence").index(i);
            self.text(&evidence.description, &epath.key("description"), path, id);
            match (evidence.kind, &evidence.check) {
                (EvidenceKind::Check, None) => self.report(
                    &epath.key("kind"),
                    path,
                    id,
                    "evidence of kind `check` names its `check` id".into(),
                ),
                (EvidenceKind::Check, Some(check)) => {
                    let cpath = epath.key("check");
                    if !is_check_id(check) {
                        self.report(
                            &cpath,
                            path,
                            id,
                            format!("`{check}` is not a check id (<scanner>.<area>.<slug>)"),
                        );
                    } else if let Some(refs) = self.refs
                        && !refs.checks.contains(check.as_str())
                    {
                        self.report(
                            &cpath,
                            path,
                            id,
                            format!("unknown check `{check}`: not listed in checks.yaml"),
                        );
                    }
                }
                (_, Some(_)) => self.report(
                    &epath.key("check"),
                    path,
                    id,
                    "only evidence of kind `check` names a check id".into(),
                ),
                (_, None) => {}
            }
        }
        for (i, grounding) in point.grounding.iter().enumerate() {
            let gpath = path.key("grounding").index(i);
            if !is_slug(&grounding.source) {
                let message = format!("`{}` is not a source id", grounding.source);
                self.report(&gpath.key("source"), path, id, message);
            } else if let Some(refs) = self.refs
                && !refs.sources.contains(grounding.source.as_str())
            {
                let message = format!(
                    "unknown source `{}`: not listed in sources.yaml",
                    grounding.source
                );
                self.report(&gpath.key("source"), path, id, message);
            }
            if grounding.reference.trim().is_empty() {
                self.report(&gpath.key("ref"), path, id, "must not be empty".into());
            }
        }
    }
}

fn levels(levels: &[kexin_core::Level]) -> String {
    let names: Vec<&str> = levels.iter().map(|l| l.as_str()).collect();
    names.join(", ")
}

pub(crate) fn check_sources(sources: &[Source]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen = BTreeMap::new();
    for (i, source) in sources.iter().enumerate() {
        let path = Path::root().index(i);
        let id = Some(source.id.as_str());
        let mut report = |key: &'static str, message: String| {
            findings.push(Finding::new(&path.key(key), &path, id, message));
        };
        if !is_slug(&source.id) {
            report(
                "id",
                "a source id is a slug of a-z, 0-9 and single dashes".into(),
            );
        }
        if let Some(first) = seen.insert(source.id.as_str(), i) {
            report("id", format!("duplicate source id: also entry {first}"));
        }
        if source.title.en.trim().is_empty() {
            report("title", "the English title must not be empty".into());
        }
        if source
            .title
            .zh
            .as_ref()
            .is_some_and(|zh| zh.trim().is_empty())
        {
            report(
                "title",
                "the Chinese title, when given, must not be empty".into(),
            );
        }
        if source.publisher.trim().is_empty() {
            report("publisher", "must not be empty".into());
        }
    }
    findings
}

pub(crate) fn check_checks(checks: &[CheckDef]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen = BTreeMap::new();
    for (i, check) in checks.iter().enumerate() {
        let path = Path::root().index(i);
        let id = Some(check.id.as_str());
        let mut report = |key: &'static str, message: String| {
            findings.push(Finding::new(&path.key(key), &path, id, message));
        };
        if !is_check_id(&check.id) {
            report("id", "a check id is <scanner>.<area>.<slug>".into());
        } else if check.id.split('.').nth(1) != Some(check.area.as_str()) {
            report(
                "area",
                format!("`{}` is not the id's second segment", check.area),
            );
        }
        if let Some(first) = seen.insert(check.id.as_str(), i) {
            report("id", format!("duplicate check id: also entry {first}"));
        }
        if check.title.zh.trim().is_empty() || check.title.en.trim().is_empty() {
            report("title", "zh and en must not be empty".into());
        }
        if check.what.trim().is_empty() {
            report("what", "must not be empty".into());
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_shapes() {
        assert!(is_slug("cloud-host"));
        assert!(!is_slug("cloud--host") && !is_slug("-a") && !is_slug("A") && !is_slug(""));
        assert!(is_dotted_id("cloud-host.key-policy.x1"));
        assert!(!is_dotted_id("cloud-host") && !is_dotted_id("a..b") && !is_dotted_id("a.b."));
        assert!(is_check_id("host.ssh.host-key-strength"));
        assert!(!is_check_id("host.ssh") && !is_check_id("1host.ssh.x"));
    }

    #[test]
    fn blueprint_ids_run_from_s1_to_s17() {
        assert_eq!(blueprint_number("S1"), Some(1));
        assert_eq!(blueprint_number("S17"), Some(17));
        for bad in ["S0", "S18", "S01", "s3", "S", "S1x", "S100"] {
            assert_eq!(blueprint_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn file_stems() {
        assert_eq!(file_stem("catalog/standards/soc.yaml"), "soc");
        assert_eq!(file_stem("soc.yaml"), "soc");
        assert_eq!(file_stem(r"c:\x\soc.yaml"), "soc");
    }

    const MINIMAL: &str = "\
schema: kexin-catalog/v1
id: demo
blueprint: S4
title: {zh: 演示, en: Demo}
public_text: false
summary: {zh: 演示, en: Demo}
levels: [basic, enhanced]
parts:
  - id: demo.a
    title: {zh: 甲, en: A}
    provenance: kexin
    points:
      - id: demo.a.one
        title: {zh: 一, en: One}
        statement: {zh: 一, en: One}
        level: basic
        weight: 3
        public_text: false
        evidence:
          - kind: document
            description: {zh: 文档, en: Document}
        grounding: []
";

    #[test]
    fn a_minimal_standard_loads() {
        let s = parse_standard("standards/demo.yaml", MINIMAL.as_bytes()).unwrap();
        assert_eq!(s.id, "demo");
        assert_eq!(s.parts[0].points[0].weight, 3);
    }

    #[test]
    fn every_problem_of_a_file_is_reported() {
        let text = MINIMAL
            .replace("level: basic", "level: advanced")
            .replace("weight: 3", "weight: 9")
            .replace("id: demo.a.one", "id: other.one");
        let e = parse_standard("standards/demo.yaml", text.as_bytes()).unwrap_err();
        let shown = e.to_string();
        assert_eq!(e.problems.len(), 3, "{shown}");
        assert!(
            shown.contains(
                "line 13 column 13: other.one: id: must start with its parent's id `demo.a.`"
            ),
            "{shown}"
        );
        assert!(shown.contains("line 16 column 16: other.one: level: `advanced` is not one of the standard's levels (basic, enhanced)"), "{shown}");
        assert!(
            shown
                .contains("line 17 column 17: other.one: weight: must be between 1 and 5, found 9"),
            "{shown}"
        );
    }

    #[test]
    fn the_file_name_must_match_the_id() {
        let e = parse_standard("standards/other.yaml", MINIMAL.as_bytes()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "standards/other.yaml line 2 column 5: demo: id: must equal the file name `other`"
        );
    }

    #[test]
    fn serde_errors_carry_position_and_path() {
        let text = MINIMAL.replace("weight: 3", "wieght: 3");
        let e = parse_standard("standards/demo.yaml", text.as_bytes()).unwrap_err();
        let p = &e.problems[0];
        assert_eq!((p.line, p.column), (Some(17), Some(9)));
        assert!(p.message.starts_with("unknown field `wieght`"), "{p}");
        assert!(!p.message.contains("at line"), "{p}");
        assert!(p.field.starts_with("parts[0].points[0]"), "{p}");
    }

    #[test]
    fn yes_is_not_a_boolean_and_null_is_not_a_value() {
        let text = MINIMAL.replacen("public_text: false", "public_text: yes", 1);
        assert!(parse_standard("standards/demo.yaml", text.as_bytes()).is_err());
        let text = MINIMAL.replace("provenance: kexin", "provenance: kexin\n    level: ~");
        assert!(parse_standard("standards/demo.yaml", text.as_bytes()).is_err());
    }

    #[test]
    fn empty_lists_and_texts_are_refused() {
        let text = MINIMAL
            .replace(
                "levels: [basic, enhanced]",
                "levels: [basic, enhanced]\nvariants: []",
            )
            .replace(
                "{zh: 一, en: One}\n        level",
                "{zh: 一, en: ' '}\n        level",
            );
        let e = parse_standard("standards/demo.yaml", text.as_bytes()).unwrap_err();
        let shown = e.to_string();
        assert!(
            shown.contains("demo: variants: must not be an empty list"),
            "{shown}"
        );
        assert!(
            shown.contains("demo.a.one: statement.en: must not be empty"),
            "{shown}"
        );
    }

    #[test]
    fn invalid_utf8_is_located() {
        let mut bytes = MINIMAL.as_bytes().to_vec();
        bytes.splice(5..5, [0xff]);
        let e = parse_standard("standards/demo.yaml", &bytes).unwrap_err();
        assert_eq!(
            e.to_string(),
            "standards/demo.yaml line 1 column 6: not valid UTF-8"
        );
    }
}
