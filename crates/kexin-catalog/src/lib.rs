/*!
The working group's standards, as data.

Kexin implements the seventeen standards of the TC608 cloud security and risk
management working group. What each standard asks for — its parts, its
assessment points, the level each point belongs to, what proves it — lives in
YAML files under `catalog/`, one file per standard, not in code. Assessments,
reports, the host scanner's mapping and the crosswalk between standards all
read the same files through this crate. Changing what Kexin evaluates is an
edit to a reviewed text file, and every consumer sees the same change.

The standards' own texts are not public, so the files hold Kexin's
paraphrase, and ground each point, where they can, in public controls
(NIST SP 800-53, ISO/IEC 27001/27017/27018, GB/T 22239, CIS ...). Those
groundings are what lets one piece of evidence serve many points:
[`Catalog::related_points`] finds the points of other standards that rest on
the same control, and [`Catalog::crosswalk_check`] the points an automatic
check proves.

# Strict by design

Data that drives evaluations must not be quietly wrong. The loader
([`Catalog::load_dir`], [`parse_standard`]) refuses any file that is not
exactly the format: unknown keys, wrong types, a point level the standard
does not use, a check id that `checks.yaml` does not define. It collects
every problem of every file and names each by file, line, column and key:

```text
catalog/standards/soc.yaml line 120 column 9: parts[0].parts[3].points[2].wieght: unknown field `wieght`, expected one of ...
catalog/standards/soc.yaml line 131 column 16: soc.platform.x.y: level: `advanced` is not one of the standard's levels (basic, enhanced)
```

[`Catalog::lint`] then checks what neither the types nor the JSON Schema
(`catalog/schema/standard.schema.json`) can: ids unique across all files,
every defined check used, and the structure the seed fixes — ten basic
cloud-host items, eighteen data-protection contents, seventy-one SOC platform
indicators — kept as data in [`counts`].

# The shipped catalog

[`Catalog::embedded`] is the catalog compiled into the binary; a test keeps
its file list equal to `catalog/standards`. [`Catalog::load_dir`] reads
another copy, e.g. one being edited.
*/

pub mod counts;
mod embedded;
mod error;
mod lint;
mod load;
mod locate;
mod model;
mod nav;

pub use embedded::{EMBEDDED_CHECKS, EMBEDDED_ROOT, EMBEDDED_SOURCES, EMBEDDED_STANDARDS};
pub use error::{CatalogError, Problem};
pub use lint::LintIssue;
pub use load::{CatalogFile, parse_standard};
pub use model::{
    CheckDef, EvidenceKind, EvidenceSpec, Grounding, Part, Phase, Point, Provenance, Relation,
    SCHEMA, Side, Source, SourceKind, SourceTitle, Standard, Text,
};
pub use nav::{LevelCounts, PointRef, Points, Related, effective_phase, effective_side};

pub use kexin_core::Level;

use serde::{Deserialize, Serialize};

/// All standards, with the sources they cite and the checks they name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// In file-name order (which is id order).
    pub standards: Vec<Standard>,
    /// `sources.yaml`
    pub sources: Vec<Source>,
    /// `checks.yaml`
    pub checks: Vec<CheckDef>,
}
