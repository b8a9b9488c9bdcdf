use serde::{Deserialize, Serialize};

/// The grades the working group's evaluations award, in order. Some
/// standards stop at [`Level::Enhanced`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 基础级
    Basic,
    /// 增强级
    Enhanced,
    /// 先进级
    Advanced,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Basic, Level::Enhanced, Level::Advanced];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Basic => "basic",
            Level::Enhanced => "enhanced",
            Level::Advanced => "advanced",
        }
    }

    pub fn title_zh(self) -> &'static str {
        match self {
            Level::Basic => "基础级",
            Level::Enhanced => "增强级",
            Level::Advanced => "先进级",
        }
    }

    /// The level above this one, if any.
    pub fn next(self) -> Option<Level> {
        match self {
            Level::Basic => Some(Level::Enhanced),
            Level::Enhanced => Some(Level::Advanced),
            Level::Advanced => None,
        }
    }
}

/// The result recorded for one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Partial,
    Fail,
    /// Needs a reason, or it counts as a failure.
    NotApplicable,
    NotAssessed,
}

impl Verdict {
    pub const ALL: [Verdict; 5] = [
        Verdict::Pass,
        Verdict::Partial,
        Verdict::Fail,
        Verdict::NotApplicable,
        Verdict::NotAssessed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Partial => "partial",
            Verdict::Fail => "fail",
            Verdict::NotApplicable => "not_applicable",
            Verdict::NotAssessed => "not_assessed",
        }
    }
}

impl std::str::FromStr for Verdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a result; expected one of: pass, partial, fail, not_applicable, not_assessed"))
    }
}

/// Where an assessment is in its workflow. Signed off is final: later
/// changes need a new assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    Draft,
    Submitted,
    Reviewed,
    SignedOff,
}

impl AssessmentStatus {
    pub const ALL: [AssessmentStatus; 4] = [
        AssessmentStatus::Draft,
        AssessmentStatus::Submitted,
        AssessmentStatus::Reviewed,
        AssessmentStatus::SignedOff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentStatus::Draft => "draft",
            AssessmentStatus::Submitted => "submitted",
            AssessmentStatus::Reviewed => "reviewed",
            AssessmentStatus::SignedOff => "signed_off",
        }
    }
}

impl std::str::FromStr for AssessmentStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        AssessmentStatus::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not an assessment status"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_and_chain() {
        assert!(Level::Basic < Level::Enhanced && Level::Enhanced < Level::Advanced);
        assert_eq!(Level::Basic.next(), Some(Level::Enhanced));
        assert_eq!(Level::Advanced.next(), None);
        assert_eq!(
            serde_json::to_string(&Level::Enhanced).unwrap(),
            "\"enhanced\""
        );
    }

    #[test]
    fn verdicts_and_statuses_round_trip() {
        for v in Verdict::ALL {
            assert_eq!(v.as_str().parse::<Verdict>().unwrap(), v);
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        for s in AssessmentStatus::ALL {
            assert_eq!(s.as_str().parse::<AssessmentStatus>().unwrap(), s);
        }
        assert!(
            "ok".parse::<Verdict>()
                .unwrap_err()
                .contains("not_applicable")
        );
    }
}
