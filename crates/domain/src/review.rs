//! Review: the decisions a reviewer records on a case, the grounds they rest on, and where a
//! case stands in review (new, escalated, waiting for a second reviewer, waiting for the
//! authority's clarification, decided).
//!
//! Decisions are final records. A correction is a new decision naming the one it replaces; the
//! only thing that changes on a stored decision is its [`DecisionState`].

use crate::country::CountryCode;
use crate::intake::{SubmissionKind, parse_among};
use crate::validate::{Checker, ValidationError, bounded_paragraphs, bounded_text};

/// What a reviewer decided about a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    /// Remove (or disable access to) the content everywhere.
    Remove,
    /// Disable access in some countries only (`territorial_scope`).
    Restrict,
    /// Keep it up behind a warning or an age gate.
    Label,
    /// Keep it up and attach counter-speech to it.
    KeepWithCounterSpeech,
    /// Neither illegal nor against the terms: keep it up, unchanged.
    NoViolation,
    /// Hand the case to a senior reviewer, with a note.
    Escalate,
    /// Removal orders only: ask the issuing authority to clarify (TCO Art. 3(8)); pauses the
    /// order's clock as `clarification_requested`.
    RequestClarification,
    /// Removal orders only: the platform cannot comply (force majeure or manifest errors,
    /// TCO Art. 3(7) and 3(8)), with the reason.
    CannotComply,
}

impl DecisionKind {
    /// Every kind, in the order the console offers them.
    pub const ALL: [Self; 8] = [
        Self::Remove,
        Self::Restrict,
        Self::Label,
        Self::KeepWithCounterSpeech,
        Self::NoViolation,
        Self::Escalate,
        Self::RequestClarification,
        Self::CannotComply,
    ];

    /// The stable text used in the API, the database and the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Remove => "remove",
            Self::Restrict => "restrict",
            Self::Label => "label",
            Self::KeepWithCounterSpeech => "keep_with_counter_speech",
            Self::NoViolation => "no_violation",
            Self::Escalate => "escalate",
            Self::RequestClarification => "request_clarification",
            Self::CannotComply => "cannot_comply",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }

    /// True for decisions that restrict the content (DSA Art. 17: they need a statement of
    /// reasons, hence a ground).
    pub fn restricts(self) -> bool {
        matches!(self, Self::Remove | Self::Restrict | Self::Label)
    }

    /// True for decisions that close the case (as opposed to routing it: escalation, a request
    /// for clarification). Only closing decisions are subject to four eyes.
    pub fn closes_case(self) -> bool {
        !matches!(self, Self::Escalate | Self::RequestClarification)
    }

    /// True for kinds that only make sense on a removal order.
    pub fn removal_orders_only(self) -> bool {
        matches!(self, Self::RequestClarification | Self::CannotComply)
    }
}

/// How a label restricts content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LabelKind {
    /// An interstitial warning before the content.
    Warning,
    /// Only for adults.
    AgeGate,
}

impl LabelKind {
    /// Every label kind.
    pub const ALL: [Self; 2] = [Self::Warning, Self::AgeGate];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::AgeGate => "age_gate",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// Why a platform cannot comply with a removal order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CannotComplyReason {
    /// TCO Art. 3(7): force majeure or de facto impossibility not attributable to the platform.
    ForceMajeure,
    /// TCO Art. 3(8): the order contains manifest errors or not enough information.
    ManifestErrors,
}

impl CannotComplyReason {
    /// Every reason.
    pub const ALL: [Self; 2] = [Self::ForceMajeure, Self::ManifestErrors];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ForceMajeure => "force_majeure",
            Self::ManifestErrors => "manifest_errors",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// What a decision rests on (DSA Art. 17(3)(d) and (e)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ground {
    /// The content is illegal: the law and article, and why the content falls under it.
    Illegal {
        /// The law (for instance "Regulation (EU) 2021/784" or "Code pénal").
        law: String,
        /// The article (for instance "Art. 2(7)(a)" or "421-2-5").
        article: String,
        /// Why the content falls under it.
        explanation: String,
    },
    /// The content is incompatible with the platform's terms: the clause and why.
    Terms {
        /// The clause of the terms (for instance "Community guidelines §4.2 violent extremism").
        clause: String,
        /// Why the content breaks it.
        explanation: String,
    },
}

impl Ground {
    /// `illegal` or `terms`.
    pub fn type_str(&self) -> &'static str {
        match self {
            Self::Illegal { .. } => "illegal",
            Self::Terms { .. } => "terms",
        }
    }

    /// The explanation, whichever the type.
    pub fn explanation(&self) -> &str {
        match self {
            Self::Illegal { explanation, .. } | Self::Terms { explanation, .. } => explanation,
        }
    }
}

/// Where a case stands in review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReviewState {
    /// Waiting for a first decision.
    New,
    /// Escalated: waits for a senior reviewer.
    Escalated,
    /// Four eyes: a decision waits for a second, different senior reviewer.
    AwaitingConfirmation,
    /// The authority was asked to clarify its removal order; the order's clock is paused.
    ClarificationRequested,
    /// Decided: a closing decision is in force.
    Decided,
}

impl ReviewState {
    /// Every state, in the order a case moves through them.
    pub const ALL: [Self; 5] =
        [Self::New, Self::Escalated, Self::AwaitingConfirmation, Self::ClarificationRequested, Self::Decided];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Escalated => "escalated",
            Self::AwaitingConfirmation => "awaiting_confirmation",
            Self::ClarificationRequested => "clarification_requested",
            Self::Decided => "decided",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }

    /// True while the case is in some reviewer's queue.
    pub fn is_open(self) -> bool {
        self != Self::Decided
    }

    /// True when only a senior reviewer may act on the case.
    pub fn needs_senior(self) -> bool {
        matches!(self, Self::Escalated | Self::AwaitingConfirmation)
    }
}

/// Where one decision stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionState {
    /// It holds.
    InForce,
    /// Four eyes: waits for a second reviewer's confirmation.
    Pending,
    /// The second reviewer did not confirm it; it never took effect.
    Rejected,
    /// A later decision replaced it (a correction).
    Replaced,
}

impl DecisionState {
    /// Every state.
    pub const ALL: [Self; 4] = [Self::InForce, Self::Pending, Self::Rejected, Self::Replaced];

    /// The stable text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InForce => "in_force",
            Self::Pending => "pending",
            Self::Rejected => "rejected",
            Self::Replaced => "replaced",
        }
    }

    /// Parses the text form.
    pub fn parse(text: &str) -> Result<Self, String> {
        parse_among(text, &Self::ALL, Self::as_str)
    }
}

/// Longest law, article or clause name.
pub const MAX_REFERENCE_CHARS: usize = 300;
/// Longest explanation, facts, note or counter-speech text.
pub const MAX_EXPLANATION_CHARS: usize = 10_000;
/// Most countries a restriction may name.
pub const MAX_COUNTRIES: usize = 250;
/// Most labels a decision may give the media it adds to a bank.
pub const MAX_BANK_LABELS: usize = 20;

/// A decision as sent, before checking: every field optional, so that all issues come back at
/// once. Field names are the API's.
#[derive(Clone, Debug, Default)]
pub struct DecisionInput {
    /// `decision`.
    pub decision: Option<String>,
    /// `ground.type`.
    pub ground_type: Option<String>,
    /// `ground.law`.
    pub law: Option<String>,
    /// `ground.article`.
    pub article: Option<String>,
    /// `ground.clause`.
    pub clause: Option<String>,
    /// `ground.explanation`.
    pub ground_explanation: Option<String>,
    /// Whether a `ground` object was sent at all.
    pub ground_present: bool,
    /// `territorial_scope`.
    pub territorial_scope: Option<Vec<String>>,
    /// `label`.
    pub label: Option<String>,
    /// `counter_speech`.
    pub counter_speech: Option<String>,
    /// `reason` (cannot_comply).
    pub reason: Option<String>,
    /// `explanation` (decisions without a ground).
    pub explanation: Option<String>,
    /// `note` (escalation; optional elsewhere).
    pub note: Option<String>,
    /// `facts`.
    pub facts: Option<String>,
    /// `automated_detection`.
    pub automated_detection: Option<bool>,
    /// `automated_decision`.
    pub automated_decision: Option<bool>,
    /// `add_to_bank.bank`, when `add_to_bank` was sent.
    pub add_to_bank: Option<String>,
    /// `add_to_bank.labels`.
    pub add_to_bank_labels: Vec<String>,
}

/// A checked decision, ready to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionDraft {
    /// What was decided.
    pub kind: DecisionKind,
    /// What it rests on; always present for restricting kinds.
    pub ground: Option<Ground>,
    /// Countries a `restrict` applies to (sorted, no repeats); empty otherwise.
    pub territorial_scope: Vec<CountryCode>,
    /// The label a `label` decision puts on.
    pub label: Option<LabelKind>,
    /// What a `keep_with_counter_speech` decision attaches (a playlist or a description).
    pub counter_speech: Option<String>,
    /// Why a platform cannot comply.
    pub reason: Option<CannotComplyReason>,
    /// The explanation of decisions without a ground (no violation, clarification wanted,
    /// cannot comply); empty otherwise.
    pub explanation: String,
    /// An internal note (required to escalate).
    pub note: String,
    /// The facts and circumstances relied on.
    pub facts: String,
    /// Whether the content was detected by automated means (DSA Art. 17(3)(c)).
    pub automated_detection: bool,
    /// Whether the decision was taken by automated means.
    pub automated_decision: bool,
    /// A bank (id or name) to add the case's media to, and their labels.
    pub add_to_bank: Option<(String, Vec<crate::bank::Label>)>,
}

fn required_line(checker: &mut Checker, field: &str, value: Option<&str>) -> Option<String> {
    match value {
        None => {
            checker.push(field, "is required");
            None
        }
        Some(text) => checker.check(field, bounded_text(text, 1, MAX_REFERENCE_CHARS)),
    }
}

fn required_paragraphs(checker: &mut Checker, field: &str, value: Option<&str>) -> Option<String> {
    match value {
        None => {
            checker.push(field, "is required");
            None
        }
        Some(text) => checker.check(field, bounded_paragraphs(text, 1, MAX_EXPLANATION_CHARS)),
    }
}

fn optional_paragraphs(checker: &mut Checker, field: &str, value: Option<&str>) -> String {
    match value {
        None => String::new(),
        Some(text) => checker.check(field, bounded_paragraphs(text, 0, MAX_EXPLANATION_CHARS)).unwrap_or_default(),
    }
}

fn refuse_if_present<T>(checker: &mut Checker, field: &str, value: &Option<T>, kind: DecisionKind) {
    if value.is_some() {
        checker.push(field, format!("does not apply to `{}`", kind.as_str()));
    }
}

/// Checks a decision as sent, naming every field at fault. `removal_order`: whether the case
/// holds a removal order (two kinds apply only to those).
pub fn check_decision(input: &DecisionInput, removal_order: bool) -> Result<DecisionDraft, ValidationError> {
    let mut checker = Checker::default();
    let kind = match input.decision.as_deref() {
        None => {
            checker.push("decision", "is required");
            None
        }
        Some(text) => checker.check("decision", DecisionKind::parse(text)),
    };
    if let Some(kind) = kind
        && kind.removal_orders_only()
        && !removal_order
    {
        checker.push("decision", format!("`{}` applies only to cases holding a removal order", kind.as_str()));
    }

    let ground = if input.ground_present {
        match input.ground_type.as_deref() {
            None => {
                checker.push("ground.type", "is required: `illegal` or `terms`");
                None
            }
            Some("illegal") => {
                if input.clause.is_some() {
                    checker.push(
                        "ground.clause",
                        "applies to `terms` grounds; an `illegal` ground names a law and an article",
                    );
                }
                let law = required_line(&mut checker, "ground.law", input.law.as_deref());
                let article = required_line(&mut checker, "ground.article", input.article.as_deref());
                let explanation =
                    required_paragraphs(&mut checker, "ground.explanation", input.ground_explanation.as_deref());
                match (law, article, explanation) {
                    (Some(law), Some(article), Some(explanation)) => {
                        Some(Ground::Illegal { law, article, explanation })
                    }
                    _ => None,
                }
            }
            Some("terms") => {
                if input.law.is_some() || input.article.is_some() {
                    let field = if input.law.is_some() { "ground.law" } else { "ground.article" };
                    checker.push(field, "applies to `illegal` grounds; a `terms` ground names a clause");
                }
                let clause = required_line(&mut checker, "ground.clause", input.clause.as_deref());
                let explanation =
                    required_paragraphs(&mut checker, "ground.explanation", input.ground_explanation.as_deref());
                match (clause, explanation) {
                    (Some(clause), Some(explanation)) => Some(Ground::Terms { clause, explanation }),
                    _ => None,
                }
            }
            Some(_) => {
                checker.push("ground.type", "must be one of: illegal, terms");
                None
            }
        }
    } else {
        None
    };

    let mut territorial_scope = Vec::new();
    let mut label = None;
    let mut counter_speech = None;
    let mut reason = None;
    let mut explanation = String::new();
    let note;
    if let Some(kind) = kind {
        if kind.restricts() && !input.ground_present {
            checker.push(
                "ground",
                format!(
                    "is required for `{}`: the law and article, or the terms' clause, and an explanation",
                    kind.as_str()
                ),
            );
        }
        if matches!(kind, DecisionKind::Escalate | DecisionKind::RequestClarification) && input.ground_present {
            checker.push("ground", format!("does not apply to `{}`", kind.as_str()));
        }
        // Territorial scope.
        if kind == DecisionKind::Restrict {
            match &input.territorial_scope {
                None => checker
                    .push("territorial_scope", "is required for `restrict`: the countries where access is disabled"),
                Some(list) if list.is_empty() => checker.push("territorial_scope", "must name at least one country"),
                Some(list) if list.len() > MAX_COUNTRIES => {
                    checker.push("territorial_scope", format!("must name at most {MAX_COUNTRIES} countries"))
                }
                Some(list) => {
                    for (index, code) in list.iter().enumerate() {
                        if let Some(country) =
                            checker.check(&format!("territorial_scope[{index}]"), CountryCode::parse(code))
                        {
                            territorial_scope.push(country);
                        }
                    }
                    territorial_scope.sort_by(|a, b| a.as_str().cmp(b.as_str()));
                    territorial_scope.dedup();
                }
            }
        } else {
            refuse_if_present(&mut checker, "territorial_scope", &input.territorial_scope, kind);
        }
        // Label.
        if kind == DecisionKind::Label {
            match input.label.as_deref() {
                None => checker.push("label", "is required for `label`: `warning` or `age_gate`"),
                Some(text) => label = checker.check("label", LabelKind::parse(text)),
            }
        } else {
            refuse_if_present(&mut checker, "label", &input.label, kind);
        }
        // Counter-speech.
        if kind == DecisionKind::KeepWithCounterSpeech {
            counter_speech = required_paragraphs(&mut checker, "counter_speech", input.counter_speech.as_deref());
        } else {
            refuse_if_present(&mut checker, "counter_speech", &input.counter_speech, kind);
        }
        // Cannot comply.
        if kind == DecisionKind::CannotComply {
            match input.reason.as_deref() {
                None => checker.push("reason", "is required for `cannot_comply`: `force_majeure` or `manifest_errors`"),
                Some(text) => reason = checker.check("reason", CannotComplyReason::parse(text)),
            }
        } else {
            refuse_if_present(&mut checker, "reason", &input.reason, kind);
        }
        // Decisions without a ground explain themselves.
        let needs_explanation =
            matches!(kind, DecisionKind::NoViolation | DecisionKind::RequestClarification | DecisionKind::CannotComply)
                || (kind == DecisionKind::KeepWithCounterSpeech && !input.ground_present);
        if needs_explanation {
            explanation =
                required_paragraphs(&mut checker, "explanation", input.explanation.as_deref()).unwrap_or_default();
        } else {
            explanation = optional_paragraphs(&mut checker, "explanation", input.explanation.as_deref());
        }
        note = if kind == DecisionKind::Escalate {
            required_paragraphs(&mut checker, "note", input.note.as_deref()).unwrap_or_default()
        } else {
            optional_paragraphs(&mut checker, "note", input.note.as_deref())
        };
        if input.add_to_bank.is_some()
            && !matches!(kind, DecisionKind::Remove | DecisionKind::Restrict | DecisionKind::Label)
        {
            checker.push(
                "add_to_bank",
                format!("does not apply to `{}`: only content found violating goes into a bank", kind.as_str()),
            );
        }
    } else {
        note = optional_paragraphs(&mut checker, "note", input.note.as_deref());
    }
    let facts = optional_paragraphs(&mut checker, "facts", input.facts.as_deref());

    let add_to_bank = match &input.add_to_bank {
        None => None,
        Some(bank) => {
            let bank = checker.check("add_to_bank.bank", bounded_text(bank, 1, 200));
            if input.add_to_bank_labels.len() > MAX_BANK_LABELS {
                checker.push("add_to_bank.labels", format!("must hold at most {MAX_BANK_LABELS} labels"));
            }
            let mut labels = Vec::new();
            // Over the limit, the list is refused whole: its items are not checked one by one
            // (a form can hold hundreds of thousands of them).
            let checked =
                if input.add_to_bank_labels.len() > MAX_BANK_LABELS { &[][..] } else { &input.add_to_bank_labels[..] };
            for (index, label) in checked.iter().enumerate() {
                if let Some(label) =
                    checker.check(&format!("add_to_bank.labels[{index}]"), crate::bank::Label::parse(label))
                {
                    labels.push(label);
                }
            }
            labels.sort();
            labels.dedup();
            bank.map(|bank| (bank, labels))
        }
    };

    if !checker.is_clean() {
        return Err(checker.into_error());
    }
    let Some(kind) = kind else { unreachable_clean() };
    Ok(DecisionDraft {
        kind,
        ground,
        territorial_scope,
        label,
        counter_speech,
        reason,
        explanation,
        note,
        facts,
        automated_detection: input.automated_detection.unwrap_or(false),
        automated_decision: input.automated_decision.unwrap_or(false),
        add_to_bank,
    })
}

// A clean checker means `decision` parsed; this is never reached.
#[allow(clippy::missing_panics_doc)]
fn unreachable_clean() -> ! {
    unreachable!("a clean check always has a decision kind")
}

/// What recording a decision does to the case and to the decision itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The decision's state once recorded.
    pub decision: DecisionState,
    /// The case's review state afterwards.
    pub case: ReviewState,
}

/// Why a reviewer may not record a decision on a case as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The case is decided; a correction must name the decision it replaces.
    AlreadyDecided,
    /// A decision waits for a second reviewer; confirm or reject it first.
    AwaitingConfirmation,
    /// Only a senior reviewer may decide an escalated case.
    NeedsSenior,
    /// A correction must name a decision of this case that is in force.
    NothingToReplace,
}

/// The transition a new decision makes, or why it is refused. `four_eyes`: the platform wants a
/// second reviewer for this case's kinds; `senior`: the decider holds `senior_reviewer`;
/// `replaces`: the decision names one it corrects.
pub fn transition(
    current: ReviewState,
    kind: DecisionKind,
    four_eyes: bool,
    senior: bool,
    replaces: bool,
) -> Result<Transition, Refusal> {
    match current {
        ReviewState::Decided if !replaces => return Err(Refusal::AlreadyDecided),
        ReviewState::Decided => {}
        _ if replaces => return Err(Refusal::NothingToReplace),
        ReviewState::AwaitingConfirmation => return Err(Refusal::AwaitingConfirmation),
        ReviewState::Escalated if !senior => return Err(Refusal::NeedsSenior),
        ReviewState::Escalated | ReviewState::New | ReviewState::ClarificationRequested => {}
    }
    if replaces && !kind.closes_case() {
        // A correction replaces a closing decision with another closing decision.
        return Err(Refusal::NothingToReplace);
    }
    Ok(match kind {
        DecisionKind::Escalate => Transition { decision: DecisionState::InForce, case: ReviewState::Escalated },
        DecisionKind::RequestClarification => {
            Transition { decision: DecisionState::InForce, case: ReviewState::ClarificationRequested }
        }
        _ if four_eyes => Transition { decision: DecisionState::Pending, case: ReviewState::AwaitingConfirmation },
        _ => Transition { decision: DecisionState::InForce, case: ReviewState::Decided },
    })
}

/// Which submission kinds a platform wants decided by four eyes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FourEyes {
    kinds: Vec<SubmissionKind>,
}

impl FourEyes {
    /// Parses the stored or sent list (kind names separated by spaces or commas).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut kinds = Vec::new();
        for name in text.split([' ', ',']).filter(|name| !name.is_empty()) {
            let kind = SubmissionKind::parse(name)?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(Self::of(kinds))
    }

    /// The rule for these kinds.
    pub fn of(mut kinds: Vec<SubmissionKind>) -> Self {
        kinds.sort_by_key(|kind| SubmissionKind::ALL.iter().position(|candidate| candidate == kind));
        kinds.dedup();
        Self { kinds }
    }

    /// The kinds, in [`SubmissionKind::ALL`] order.
    pub fn kinds(&self) -> &[SubmissionKind] {
        &self.kinds
    }

    /// The stored form: names separated by single spaces.
    pub fn to_stored(&self) -> String {
        self.kinds.iter().map(|kind| kind.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Whether a case holding submissions of `kinds` needs a second reviewer.
    pub fn applies_to(&self, kinds: &[SubmissionKind]) -> bool {
        kinds.iter().any(|kind| self.kinds.contains(kind))
    }
}

/// How long a claim lasts without renewal. The case page renews it every minute while open.
pub const CLAIM_SECONDS: i64 = 180;

#[cfg(test)]
mod tests {
    use super::*;

    fn remove_input() -> DecisionInput {
        DecisionInput {
            decision: Some("remove".into()),
            ground_present: true,
            ground_type: Some("illegal".into()),
            law: Some("Regulation (EU) 2021/784".into()),
            article: Some("Art. 2(7)(a)".into()),
            ground_explanation: Some("Glorifies an attack.".into()),
            ..DecisionInput::default()
        }
    }

    fn fields(error: ValidationError) -> Vec<String> {
        error.issues.into_iter().map(|issue| issue.field).collect()
    }

    #[test]
    fn a_removal_needs_a_ground() {
        let mut input = remove_input();
        assert!(check_decision(&input, false).is_ok());
        input.ground_present = false;
        assert_eq!(fields(check_decision(&input, false).unwrap_err()), ["ground"]);
    }

    #[test]
    fn grounds_name_their_missing_parts() {
        let mut input = remove_input();
        input.law = None;
        input.ground_explanation = Some("  ".into());
        assert_eq!(fields(check_decision(&input, false).unwrap_err()), ["ground.law", "ground.explanation"]);
        input = remove_input();
        input.ground_type = Some("terms".into());
        assert_eq!(fields(check_decision(&input, false).unwrap_err()), ["ground.law", "ground.clause"]);
        input.ground_type = Some("moral".into());
        assert_eq!(fields(check_decision(&input, false).unwrap_err()), ["ground.type"]);
    }

    #[test]
    fn restrictions_name_real_countries() {
        let mut input = remove_input();
        input.decision = Some("restrict".into());
        assert_eq!(fields(check_decision(&input, false).unwrap_err()), ["territorial_scope"]);
        input.territorial_scope = Some(vec!["fr".into(), "XX".into(), "DE".into(), "FR".into()]);
        assert_eq!(fields(check_decision(&input, false).unwrap_err()), ["territorial_scope[1]"]);
        input.territorial_scope = Some(vec!["fr".into(), "DE".into(), "FR".into()]);
        let draft = check_decision(&input, false).unwrap();
        assert_eq!(draft.territorial_scope.iter().map(CountryCode::as_str).collect::<Vec<_>>(), ["DE", "FR"]);
        input.decision = Some("remove".into());
        assert_eq!(fields(check_decision(&input, false).unwrap_err()), ["territorial_scope"]);
    }

    #[test]
    fn order_only_kinds_and_their_fields() {
        let input = DecisionInput {
            decision: Some("cannot_comply".into()),
            reason: Some("force_majeure".into()),
            explanation: Some("Our storage provider is down.".into()),
            ..DecisionInput::default()
        };
        assert!(check_decision(&input, true).is_ok());
        assert_eq!(fields(check_decision(&input, false).unwrap_err()), ["decision"]);
        let escalate = DecisionInput { decision: Some("escalate".into()), ..DecisionInput::default() };
        assert_eq!(fields(check_decision(&escalate, false).unwrap_err()), ["note"]);
        let no_violation = DecisionInput { decision: Some("no_violation".into()), ..DecisionInput::default() };
        assert_eq!(fields(check_decision(&no_violation, false).unwrap_err()), ["explanation"]);
        let mut bank = no_violation.clone();
        bank.explanation = Some("News reporting.".into());
        bank.add_to_bank = Some("known".into());
        assert_eq!(fields(check_decision(&bank, false).unwrap_err()), ["add_to_bank"]);
    }

    #[test]
    fn transitions() {
        use DecisionKind::*;
        use ReviewState::*;
        let done = |state, kind, four_eyes, senior, replaces| transition(state, kind, four_eyes, senior, replaces);
        assert_eq!(done(New, Remove, false, false, false).unwrap().case, Decided);
        assert_eq!(done(New, Remove, true, false, false).unwrap().decision, DecisionState::Pending);
        assert_eq!(done(New, Escalate, true, false, false).unwrap().case, Escalated);
        assert_eq!(done(Escalated, Remove, false, false, false), Err(Refusal::NeedsSenior));
        assert_eq!(done(Escalated, Remove, false, true, false).unwrap().case, Decided);
        assert_eq!(done(Decided, Remove, false, true, false), Err(Refusal::AlreadyDecided));
        assert_eq!(done(Decided, NoViolation, false, false, true).unwrap().case, Decided);
        assert_eq!(done(Decided, Escalate, false, false, true), Err(Refusal::NothingToReplace));
        assert_eq!(done(New, Remove, false, false, true), Err(Refusal::NothingToReplace));
        assert_eq!(done(AwaitingConfirmation, Remove, false, true, false), Err(Refusal::AwaitingConfirmation));
        assert_eq!(done(New, RequestClarification, true, false, false).unwrap().case, ClarificationRequested);
        assert_eq!(done(ClarificationRequested, Remove, false, false, false).unwrap().case, Decided);
    }

    #[test]
    fn four_eyes_rules() {
        let rule = FourEyes::parse("removal_order, notice removal_order").unwrap();
        assert_eq!(rule.to_stored(), "removal_order notice");
        assert!(rule.applies_to(&[SubmissionKind::Referral, SubmissionKind::Notice]));
        assert!(!rule.applies_to(&[SubmissionKind::Referral]));
        assert!(FourEyes::parse("orders").is_err());
        assert_eq!(FourEyes::parse("").unwrap(), FourEyes::default());
    }
}
