//! Detection and correlation over one ordered stream of events.
//!
//! The evaluator judges events one at a time; correlation rules need the
//! matches in stream order with the event's time and fields. A
//! [`DetectionStream`] ties the two together so that every caller (the CLI,
//! rule tests, the server later) feeds events in and gets [`Detection`]s
//! out, each saying whether it is an alert of its own (`emit`: Sigma's
//! `generate` semantics — a rule only referenced by correlations is not).

use kexin_sigma::SigmaDocument;
use serde::Serialize;
use time::OffsetDateTime;

use crate::correlation::{CorrelationEngine, CorrelationError, CorrelationHit, Observation};
use crate::{Engine, EventFields, LogsourceRef, Match, Scratch};

/// A result of the stream.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detection {
    /// A detection rule matched an event.
    Match {
        #[serde(flatten)]
        detection: Box<Match>,
        /// Whether this match is an alert of its own.
        emit: bool,
    },
    /// A correlation rule's condition was met.
    Correlation(Box<CorrelationHit>),
}

impl Detection {
    /// Whether this result is an alert of its own.
    pub fn emit(&self) -> bool {
        match self {
            Self::Match { emit, .. } => *emit,
            Self::Correlation(h) => h.emit,
        }
    }

    /// The rule's Sigma `name`, else its id, else its title.
    pub fn rule_key(&self) -> &str {
        let (name, id, title) = match self {
            Self::Match { detection: m, .. } => (&m.rule_name, &m.rule_id, &m.title),
            Self::Correlation(h) => (&h.rule_name, &h.rule_id, &h.title),
        };
        name.as_deref().or(id.as_deref()).unwrap_or(title)
    }
}

/// Evaluates events in stream order and correlates their matches.
pub struct DetectionStream<'e> {
    engine: &'e Engine,
    correlations: CorrelationEngine,
    scratch: Scratch,
    matches: Vec<Match>,
}

impl<'e> DetectionStream<'e> {
    /// A stream over `engine`'s rules and the correlation rules among `docs`
    /// (which must also hold the detection rules they refer to).
    pub fn new<'a>(
        engine: &'e Engine,
        docs: impl IntoIterator<Item = &'a SigmaDocument>,
    ) -> Result<Self, CorrelationError> {
        Ok(Self {
            engine,
            correlations: CorrelationEngine::from_documents(docs)?,
            scratch: Scratch::new(),
            matches: Vec::new(),
        })
    }

    /// The correlation engine (statistics, limits).
    pub fn correlations(&self) -> &CorrelationEngine {
        &self.correlations
    }

    /// One normalized log event. `event_id` names it in correlation evidence;
    /// `arrival` stands in for the event's time when it has none.
    pub fn log_event(
        &mut self,
        event: &kexin_logs::Event,
        event_id: &str,
        arrival: OffsetDateTime,
        out: &mut Vec<Detection>,
    ) {
        self.matches.clear();
        self.engine
            .evaluate_log_event(event, &mut self.scratch, &mut self.matches);
        self.correlate(event, event_id, arrival, out);
    }

    /// One JSON event of the given logsource (see
    /// [`Engine::derive_logsource`]).
    pub fn json_event(
        &mut self,
        event: &serde_json::Value,
        logsource: LogsourceRef<'_>,
        event_id: &str,
        arrival: OffsetDateTime,
        out: &mut Vec<Detection>,
    ) {
        self.matches.clear();
        self.engine
            .evaluate(event, logsource, &mut self.scratch, &mut self.matches);
        if !self.matches.is_empty() {
            let ts = self.engine.timestamp(event);
            self.matches.iter_mut().for_each(|m| m.timestamp = ts);
        }
        self.correlate(event, event_id, arrival, out);
    }

    /// The engine the stream evaluates with.
    pub fn engine(&self) -> &'e Engine {
        self.engine
    }

    /// End of stream: windows still open are evaluated.
    pub fn finish(&mut self, out: &mut Vec<Detection>) {
        out.extend(
            self.correlations
                .flush()
                .into_iter()
                .map(|h| Detection::Correlation(Box::new(h))),
        );
    }

    fn correlate<E: EventFields + ?Sized>(
        &mut self,
        event: &E,
        event_id: &str,
        arrival: OffsetDateTime,
        out: &mut Vec<Detection>,
    ) {
        for m in self.matches.drain(..) {
            let (id, name) = (m.rule_id.as_deref(), m.rule_name.as_deref());
            let emit = self.correlations.emit_standalone(id, name);
            let hits = if self.correlations.is_referenced(id, name) {
                let time = m.timestamp.unwrap_or(arrival);
                let (engine, rule_index) = (self.engine, m.rule_index);
                let lookup = |field: &str| engine.field(rule_index, event, field);
                self.correlations.observe(&Observation {
                    rule_id: id,
                    rule_name: name,
                    timestamp: (time.unix_timestamp_nanos() / 1_000_000) as i64,
                    event_id: Some(event_id),
                    field: &lookup,
                })
            } else {
                Vec::new()
            };
            out.push(Detection::Match {
                detection: Box::new(m),
                emit,
            });
            out.extend(
                hits.into_iter()
                    .map(|h| Detection::Correlation(Box::new(h))),
            );
        }
    }
}
