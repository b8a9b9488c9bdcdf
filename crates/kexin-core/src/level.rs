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
}
