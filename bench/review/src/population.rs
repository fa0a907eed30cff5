//! Who exists on the benchmark's instance, and what happened there: a plan drawn from a fixed
//! seed (which platform each case is for, when its submissions came, which kinds, matches,
//! clocks, claims, decisions and notes), then the rows that history leaves in the database.
//!
//! Submissions are built as the API receives them: their JSON goes through the server's own
//! `parse_submission` and `check_submission`, so their stored details, normalised URLs,
//! content keys and references are what intake would have written; priorities and deadlines
//! come from the domain's `initial_priority`, `priority_with_matches` and `DeadlinePolicy`.
//! Case aggregates follow the store's `refresh_case` rule, and every state change has the
//! audit event the store would have appended.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::rngs::StdRng;
use rand::{Rng, RngCore};
use serde_json::{Value, json};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::{OrganisationId, TokenId, UserId};
use vigie_domain::intake::{
    ContentKey, DeadlinePolicy, Priority, PrioritySignals, SubmissionKind, SubmissionNumber, initial_priority,
    priority_with_matches,
};
use vigie_domain::organisation::OrganisationKind;
use vigie_server::intake::validate::{check_submission, parse_submission};

use crate::seed::{Cell, Rows};

/// How far back the oldest open case goes.
const HISTORY_DAYS: i64 = 60;

/// A platform receiving cases.
pub struct PlatformSpec {
    pub name: &'static str,
    pub slug: &'static str,
    pub country: &'static str,
    /// Its share of the cases.
    pub share: f64,
    /// Where its content lives.
    pub domain: &'static str,
    /// Its own referral window, if it set one.
    pub referral_window_minutes: Option<i32>,
    /// Kinds it wants decided by four eyes.
    pub four_eyes: &'static [SubmissionKind],
    pub reviewers: usize,
    pub seniors: usize,
}

/// The reviewer's platform comes first: it holds most of the cases (the realistic worst case).
pub const PLATFORMS: [PlatformSpec; 4] = [
    PlatformSpec {
        name: "VideoShare",
        slug: "videoshare",
        country: "IE",
        share: 0.70,
        domain: "video.videoshare.example",
        referral_window_minutes: None,
        four_eyes: &[SubmissionKind::RemovalOrder],
        reviewers: 12,
        seniors: 3,
    },
    PlatformSpec {
        name: "PicBoard",
        slug: "picboard",
        country: "NL",
        share: 0.15,
        domain: "img.picboard.example",
        referral_window_minutes: None,
        four_eyes: &[],
        reviewers: 4,
        seniors: 1,
    },
    PlatformSpec {
        name: "ChatterBox",
        slug: "chatterbox",
        country: "DE",
        share: 0.10,
        domain: "chatterbox.example",
        referral_window_minutes: Some(12 * 60),
        four_eyes: &[],
        reviewers: 4,
        seniors: 1,
    },
    PlatformSpec {
        name: "ForumHub",
        slug: "forumhub",
        country: "FR",
        share: 0.05,
        domain: "forumhub.example",
        referral_window_minutes: None,
        four_eyes: &[],
        reviewers: 3,
        seniors: 1,
    },
];

/// An organisation sending submissions.
pub struct SenderSpec {
    pub name: &'static str,
    pub slug: &'static str,
    pub kind: OrganisationKind,
    pub country: &'static str,
}

pub const SENDERS: [SenderSpec; 9] = [
    SenderSpec { name: "OFAC", slug: "ofac", kind: OrganisationKind::ReferralUnit, country: "FR" },
    SenderSpec { name: "BKA Meldestelle", slug: "bka", kind: OrganisationKind::ReferralUnit, country: "DE" },
    SenderSpec { name: "CITCO", slug: "citco", kind: OrganisationKind::ReferralUnit, country: "ES" },
    SenderSpec { name: "EU IRU", slug: "eu-iru", kind: OrganisationKind::ReferralUnit, country: "NL" },
    SenderSpec {
        name: "Observatoire Exemple",
        slug: "observatoire",
        kind: OrganisationKind::TrustedFlagger,
        country: "FR",
    },
    SenderSpec {
        name: "Jugendschutz Stelle",
        slug: "jugendschutz",
        kind: OrganisationKind::TrustedFlagger,
        country: "DE",
    },
    SenderSpec {
        name: "Extremism Watch",
        slug: "extremism-watch",
        kind: OrganisationKind::TrustedFlagger,
        country: "IE",
    },
    SenderSpec { name: "Fondation Vigilance", slug: "vigilance", kind: OrganisationKind::Ngo, country: "BE" },
    SenderSpec { name: "Digital Rights Watch", slug: "drw", kind: OrganisationKind::Ngo, country: "AT" },
];

/// Who owns a bank.
#[derive(Clone, Copy)]
pub enum BankOwner {
    Operator,
    Platform(usize),
}

/// A hash bank cases match.
pub struct BankSpec {
    pub name: &'static str,
    pub owner: BankOwner,
    pub signal_type: &'static str,
    pub visibility: &'static str,
    /// PDQ signals to create (a URL bank holds the URLs of the cases planned to match it).
    pub pdq_signals: usize,
}

pub const BANKS: [BankSpec; 3] = [
    BankSpec {
        name: "gifct-pdq",
        owner: BankOwner::Operator,
        signal_type: "pdq",
        visibility: "match",
        pdq_signals: 5000,
    },
    BankSpec {
        name: "videoshare-pdq",
        owner: BankOwner::Platform(0),
        signal_type: "pdq",
        visibility: "private",
        pdq_signals: 3000,
    },
    BankSpec {
        name: "tcap-urls",
        owner: BankOwner::Operator,
        signal_type: "url",
        visibility: "shared",
        pdq_signals: 0,
    },
];
const GIFCT: usize = 0;
const VIDEOSHARE_PDQ: usize = 1;
const URL_BANK: usize = 2;

/// Labels signals carry, the first ones most often.
pub const SIGNAL_LABELS: [&str; 8] = [
    "content:propaganda_video",
    "content:attack_footage",
    "behaviour:glorification",
    "content:execution",
    "behaviour:recruitment",
    "content:branded_publication",
    "behaviour:instruction",
    "incident:christchurch-2019",
];

/// The label the filtered queue asks for.
pub const QUEUE_LABEL: &str = "content:attack_footage";

/// What setup created, with the ids the rows need.
pub struct World {
    pub platforms: Vec<PlatformWorld>,
    pub senders: Vec<SenderWorld>,
    pub banks: Vec<BankWorld>,
}

pub struct PlatformWorld {
    pub id: OrganisationId,
    /// The token its partner flags to other platforms come from.
    pub referrer_token: TokenId,
    /// Reviewers, seniors last.
    pub reviewers: Vec<UserId>,
    pub seniors: Vec<UserId>,
}

pub struct SenderWorld {
    pub id: OrganisationId,
    pub token: TokenId,
}

pub struct BankWorld {
    /// `(id, canonical value, labels)`, in import order.
    pub signals: Vec<(i64, String, String)>,
}

impl BankWorld {
    /// Whether a platform's reviewers read this bank's signal ids (otherwise a match shows the
    /// bank, labels and distance only, as `MatchEngine::lookup` records it).
    fn signal_ids_visible(spec: &BankSpec, platform: usize) -> bool {
        match (spec.visibility, spec.owner) {
            ("shared", _) => true,
            (_, BankOwner::Platform(owner)) => owner == platform,
            _ => false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The plan

#[derive(Clone, Copy)]
pub enum SenderChoice {
    Public,
    Organisation(usize),
    Partner(usize),
}

pub struct SubmissionPlan {
    pub kind: SubmissionKind,
    pub sender: SenderChoice,
    pub received: DateTime<Utc>,
    pub clock: ClockPlan,
}

#[derive(Clone, Copy)]
pub enum ClockPlan {
    Running,
    /// Paused (force majeure) and still paused.
    Paused {
        at: DateTime<Utc>,
    },
    /// Paused, then resumed: a fresh hour from the resumption.
    Resumed {
        paused: DateTime<Utc>,
        resumed: DateTime<Utc>,
    },
}

pub struct PdqMatchPlan {
    pub bank: usize,
    pub signal_rank: f64,
    pub distance: u32,
    /// Found on arrival (the submission carries it) rather than by the media worker.
    pub on_arrival: bool,
}

#[derive(Clone, Copy)]
pub enum ReviewPlan {
    New,
    Escalated { at: DateTime<Utc> },
    AwaitingConfirmation { at: DateTime<Utc> },
    Clarification { at: DateTime<Utc> },
    Decided { at: DateTime<Utc>, kind: &'static str },
}

pub struct ClaimPlan {
    pub at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub reviewer: usize,
}

pub struct CasePlan {
    pub platform: usize,
    pub created: DateTime<Utc>,
    pub submissions: Vec<SubmissionPlan>,
    pub image: bool,
    pub pdq_match: Option<PdqMatchPlan>,
    pub url_match: bool,
    pub review: ReviewPlan,
    pub claim: Option<ClaimPlan>,
    pub notes: Vec<(DateTime<Utc>, usize)>,
}

pub struct MergedPlan {
    pub into: usize,
    pub created: DateTime<Utc>,
    pub merged: DateTime<Utc>,
}

pub struct Plan {
    pub cases: Vec<CasePlan>,
    pub merged: Vec<MergedPlan>,
}

fn micros(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(time.timestamp_micros()).expect("in range")
}

/// A time `fraction` of the way from `from` to `to`, at microsecond precision (what the store
/// keeps).
fn between(from: DateTime<Utc>, to: DateTime<Utc>, fraction: f64) -> DateTime<Utc> {
    let span = (to - from).num_microseconds().unwrap_or(0).max(0) as f64;
    micros(from + Duration::microseconds((span * fraction) as i64))
}

fn pick<T: Copy>(rng: &mut StdRng, weighted: &[(f64, T)]) -> T {
    let total: f64 = weighted.iter().map(|(weight, _)| weight).sum();
    let mut point = rng.r#gen::<f64>() * total;
    for (weight, value) in weighted {
        if point < *weight {
            return *value;
        }
        point -= weight;
    }
    weighted[weighted.len() - 1].1
}

/// Submissions per case: most content is reported once or twice, a few items hundreds of
/// times (a viral video).
fn submission_count(rng: &mut StdRng) -> usize {
    let draw = rng.r#gen::<f64>();
    match draw {
        _ if draw < 0.52 => 1,
        _ if draw < 0.77 => 2,
        _ if draw < 0.89 => rng.gen_range(3..=4),
        _ if draw < 0.965 => rng.gen_range(5..=9),
        _ if draw < 0.996 => rng.gen_range(10..=30),
        _ => rng.gen_range(31..=200),
    }
}

fn first_kind(rng: &mut StdRng) -> SubmissionKind {
    pick(
        rng,
        &[
            (0.08, SubmissionKind::RemovalOrder),
            (0.15, SubmissionKind::Referral),
            (0.20, SubmissionKind::Notice),
            (0.45, SubmissionKind::UserReport),
            (0.12, SubmissionKind::PartnerFlag),
        ],
    )
}

fn later_kind(rng: &mut StdRng) -> SubmissionKind {
    pick(
        rng,
        &[
            (0.03, SubmissionKind::RemovalOrder),
            (0.08, SubmissionKind::Referral),
            (0.20, SubmissionKind::Notice),
            (0.62, SubmissionKind::UserReport),
            (0.07, SubmissionKind::PartnerFlag),
        ],
    )
}

fn sender_for(rng: &mut StdRng, kind: SubmissionKind, platform: usize) -> SenderChoice {
    let of_kind = |wanted: OrganisationKind| -> Vec<usize> {
        SENDERS.iter().enumerate().filter(|(_, sender)| sender.kind == wanted).map(|(index, _)| index).collect()
    };
    let one_of =
        |rng: &mut StdRng, indices: Vec<usize>| SenderChoice::Organisation(indices[rng.gen_range(0..indices.len())]);
    match kind {
        SubmissionKind::RemovalOrder | SubmissionKind::Referral => one_of(rng, of_kind(OrganisationKind::ReferralUnit)),
        SubmissionKind::Notice if rng.gen_bool(0.5) => one_of(rng, of_kind(OrganisationKind::TrustedFlagger)),
        SubmissionKind::Notice => one_of(rng, of_kind(OrganisationKind::Ngo)),
        SubmissionKind::UserReport if rng.gen_bool(0.85) => SenderChoice::Public,
        SubmissionKind::UserReport => one_of(rng, of_kind(OrganisationKind::Ngo)),
        SubmissionKind::PartnerFlag => {
            let others: Vec<usize> = (0..PLATFORMS.len()).filter(|other| *other != platform).collect();
            SenderChoice::Partner(others[rng.gen_range(0..others.len())])
        }
    }
}

/// Draws the history of `cases` open cases holding `submissions` submissions in all, up to `now`.
pub fn plan(rng: &mut StdRng, cases: usize, submissions: usize, now: DateTime<Utc>) -> Plan {
    let now = micros(now);
    let mut counts: Vec<usize> = (0..cases).map(|_| submission_count(rng)).collect();
    // Exactly `submissions` in all: trim or add one at a time on random cases.
    let mut total: usize = counts.iter().sum();
    while total > submissions {
        let case = rng.gen_range(0..cases);
        if counts[case] > 1 {
            counts[case] -= 1;
            total -= 1;
        }
    }
    while total < submissions {
        counts[rng.gen_range(0..cases)] += 1;
        total += 1;
    }
    let platform_weights: Vec<(f64, usize)> =
        PLATFORMS.iter().enumerate().map(|(index, platform)| (platform.share, index)).collect();
    let mut planned = Vec::with_capacity(cases);
    for count in counts {
        let platform = pick(rng, &platform_weights);
        // Backlogs are mostly recent, with a tail of old cases.
        let age = Duration::minutes(((HISTORY_DAYS * 24 * 60) as f64 * rng.r#gen::<f64>().powi(2)) as i64 + 1);
        let created = micros(now - age);
        let mut submissions = Vec::with_capacity(count);
        for index in 0..count {
            let kind = if index == 0 { first_kind(rng) } else { later_kind(rng) };
            let received = if index == 0 { created } else { between(created, now, rng.r#gen::<f64>().powi(3) * 0.999) };
            let clock = if kind == SubmissionKind::RemovalOrder {
                let draw = rng.r#gen::<f64>();
                if draw < 0.04 {
                    ClockPlan::Paused { at: between(received, now, rng.r#gen::<f64>() * 0.01) }
                } else if draw < 0.07 {
                    let paused = micros(received + Duration::minutes(10)).min(now);
                    ClockPlan::Resumed { paused, resumed: between(paused, now, rng.r#gen::<f64>() * 0.02) }
                } else {
                    ClockPlan::Running
                }
            } else {
                ClockPlan::Running
            };
            submissions.push(SubmissionPlan { kind, sender: sender_for(rng, kind, platform), received, clock });
        }
        submissions.sort_by_key(|submission| submission.received);
        let kinds: BTreeSet<SubmissionKind> = submissions.iter().map(|submission| submission.kind).collect();
        let image_share = match submissions[0].kind {
            SubmissionKind::UserReport | SubmissionKind::PartnerFlag | SubmissionKind::Notice => 0.22,
            _ => 0.10,
        };
        let image = rng.gen_bool(image_share);
        let pdq_match = (image && rng.gen_bool(0.55)).then(|| PdqMatchPlan {
            bank: if platform == 0 && rng.gen_bool(0.5) { VIDEOSHARE_PDQ } else { GIFCT },
            signal_rank: rng.r#gen::<f64>().powi(4),
            distance: ((32.0 * rng.r#gen::<f64>().powi(2)) as u32).min(31),
            on_arrival: rng.gen_bool(0.4),
        });
        let url_match = rng.gen_bool(0.04);
        let last = submissions.last().map_or(created, |submission| submission.received);
        let later = |rng: &mut StdRng| between(last, now, rng.r#gen::<f64>());
        let draw = rng.r#gen::<f64>();
        let four_eyes = PLATFORMS[platform].four_eyes.iter().any(|kind| kinds.contains(kind));
        let has_order = kinds.contains(&SubmissionKind::RemovalOrder);
        let review = if draw < 0.07 {
            let kind = pick(
                rng,
                &[
                    (0.50, "remove"),
                    (0.08, "restrict"),
                    (0.05, "label"),
                    (0.04, "keep_with_counter_speech"),
                    (0.28, "no_violation"),
                    (0.05, "cannot_comply"),
                ],
            );
            let kind = if kind == "cannot_comply" && !has_order { "remove" } else { kind };
            ReviewPlan::Decided { at: later(rng), kind }
        } else if draw < 0.10 {
            ReviewPlan::Escalated { at: later(rng) }
        } else if draw < 0.115 && four_eyes {
            ReviewPlan::AwaitingConfirmation { at: later(rng) }
        } else if draw < 0.125 && has_order {
            ReviewPlan::Clarification { at: later(rng) }
        } else {
            ReviewPlan::New
        };
        let reviewers = PLATFORMS[platform].reviewers + PLATFORMS[platform].seniors;
        let claim = if matches!(review, ReviewPlan::Decided { .. }) {
            None
        } else {
            let draw = rng.r#gen::<f64>();
            let reviewer = match review {
                ReviewPlan::Escalated { .. } | ReviewPlan::AwaitingConfirmation { .. } => {
                    PLATFORMS[platform].reviewers + rng.gen_range(0..PLATFORMS[platform].seniors)
                }
                _ => rng.gen_range(0..PLATFORMS[platform].reviewers),
            };
            if draw < 0.025 {
                let at = micros(now - Duration::seconds(rng.gen_range(0..150)));
                Some(ClaimPlan { at, until: micros(at + Duration::seconds(180)), reviewer })
            } else if draw < 0.055 {
                let at = later(rng).min(micros(now - Duration::minutes(10)));
                Some(ClaimPlan { at, until: micros(at + Duration::seconds(180)), reviewer })
            } else {
                None
            }
        };
        let notes = if rng.gen_bool(0.04) {
            (0..rng.gen_range(1..=3)).map(|_| (later(rng), rng.gen_range(0..reviewers))).collect()
        } else {
            Vec::new()
        };
        planned.push(CasePlan { platform, created, submissions, image, pdq_match, url_match, review, claim, notes });
    }
    // Cases merged into others when a shared URL or file turned up: 1 % more cases, holding
    // nothing any more.
    let merged = (0..cases / 100)
        .map(|_| {
            let into = rng.gen_range(0..cases);
            let created = between(planned[into].created, now, rng.r#gen::<f64>() * 0.5);
            MergedPlan { into, created, merged: between(created, now, rng.r#gen::<f64>() * 0.1) }
        })
        .collect();
    Plan { cases: planned, merged }
}

/// A case's content: where it is, and mirrors a removal order may list too.
pub fn case_url(platform: usize, case: usize) -> String {
    format!("https://{}/watch/{case:06}", PLATFORMS[platform].domain)
}

fn mirror_url(platform: usize, case: usize, mirror: usize) -> String {
    format!("https://cdn{mirror}.{}/v/{case:06}.mp4", PLATFORMS[platform].domain)
}

/// The URLs the URL bank holds: those of the cases planned to match it.
pub fn url_bank_values(plan: &Plan) -> Vec<String> {
    plan.cases
        .iter()
        .enumerate()
        .filter(|(_, case)| case.url_match)
        .map(|(index, case)| case_url(case.platform, index))
        .collect()
}

/// Random PDQ values for a bank, from the seeded generator.
pub fn pdq_values(rng: &mut StdRng, count: usize) -> Vec<String> {
    (0..count).map(|_| hex(rng, 32)).collect()
}

/// Labels of a bank's n-th signal: one or two, the first labels of the list most often.
pub fn signal_labels(rng: &mut StdRng) -> Vec<&'static str> {
    let first = (SIGNAL_LABELS.len() as f64 * rng.r#gen::<f64>().powi(2)) as usize;
    let mut labels = vec![SIGNAL_LABELS[first.min(SIGNAL_LABELS.len() - 1)]];
    if rng.gen_bool(0.4) {
        labels.push(SIGNAL_LABELS[rng.gen_range(0..SIGNAL_LABELS.len())]);
    }
    labels.sort_unstable();
    labels.dedup();
    labels
}

fn hex(rng: &mut StdRng, bytes: usize) -> String {
    let mut buffer = vec![0_u8; bytes];
    rng.fill_bytes(&mut buffer);
    buffer.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A PDQ hash `distance` bits away from `value`.
fn flip_bits(rng: &mut StdRng, value: &str, distance: u32) -> String {
    let mut bytes: Vec<u8> =
        (0..value.len() / 2).map(|index| u8::from_str_radix(&value[index * 2..index * 2 + 2], 16).unwrap()).collect();
    let mut flipped = BTreeSet::new();
    while flipped.len() < distance as usize {
        flipped.insert(rng.gen_range(0..256_usize));
    }
    for bit in flipped {
        bytes[bit / 8] ^= 1 << (bit % 8);
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A UUIDv7 of `time`, random bits from the seeded generator: ids sort as the store's do.
fn v7(rng: &mut StdRng, time: DateTime<Utc>) -> Uuid {
    let mut random = [0_u8; 10];
    rng.fill_bytes(&mut random);
    uuid::Builder::from_unix_timestamp_millis(time.timestamp_millis() as u64, &random).into_uuid()
}

// ---------------------------------------------------------------------------------------------
// Submissions as the API receives them

const DECONFLICTIONS: [&str; 3] = ["cleared", "not_required", "pending"];
const CATEGORIES: [&str; 5] =
    ["propaganda", "terrorist_threat", "recruitment", "attack_instructions", "other_violent_extremism"];
const SEEN_WHERE: [&str; 4] = ["video_platform", "social_network", "website", "forum"];

/// The JSON a sender posts for submission `sequence` of case `case`.
pub fn submission_json(
    rng: &mut StdRng,
    kind: SubmissionKind,
    platform: usize,
    case: usize,
    sequence: usize,
    received: DateTime<Utc>,
    sender_country: &str,
) -> Value {
    let url = case_url(platform, case);
    let slug = PLATFORMS[platform].slug;
    let time = |time: DateTime<Utc>| time.to_rfc3339_opts(SecondsFormat::Secs, true);
    match kind {
        SubmissionKind::RemovalOrder => {
            let mut urls = vec![url];
            for mirror in 0..rng.gen_range(0..=2) {
                urls.push(mirror_url(platform, case, mirror));
            }
            json!({"kind": "removal_order", "issuing_authority": "Competent authority", "member_state": sender_country,
                "reference": format!("TCO-{sender_country}-2026-{sequence:07}"),
                "issued_at": time(received - Duration::minutes(rng.gen_range(2..90))),
                "urls": urls, "grounds": if rng.gen_bool(0.6) { json!(["a", "c"]) } else { json!(["b"]) },
                "statement_of_reasons": "The video glorifies a terrorist attack and calls on viewers to commit similar acts (Art. 2(7)(a) and (c)).",
                "cross_border": rng.gen_bool(0.3), "redress": "Administrative court of the issuing member state, within 48 hours of receipt.",
                "contact_email": "tco-orders@authority.example", "platform": slug})
        }
        SubmissionKind::Referral => json!({"kind": "referral", "reference": format!("IRU-2026-{sequence:07}"),
            "urls": [url], "explanation": "Recruitment material for a proscribed organisation, in breach of the dangerous organisations policy.",
            "policy": "Dangerous organisations and individuals",
            "deconfliction": DECONFLICTIONS[rng.gen_range(0..DECONFLICTIONS.len())], "platform": slug}),
        SubmissionKind::Notice => json!({"kind": "notice", "urls": [url],
            "explanation": "The video shows the attack filmed by its perpetrator with a caption praising it; this is provocation to terrorism.",
            "legal_ground": "Art. 421-2-5 code pénal", "notifier_name": "Signalements", "notifier_email": "signalements@flagger.example",
            "good_faith": true, "reference": format!("N-{sequence:07}"), "platform": slug}),
        SubmissionKind::UserReport => {
            let mut report = json!({"kind": "user_report",
                "category": CATEGORIES[rng.gen_range(0..CATEGORIES.len())],
                "url": url, "seen_at": time(received - Duration::minutes(rng.gen_range(5..600))),
                "seen_where": SEEN_WHERE[rng.gen_range(0..SEEN_WHERE.len())],
                "language": if rng.gen_bool(0.6) { "fr" } else { "en" }, "platform": slug});
            if rng.gen_bool(0.5) {
                report["comment"] = json!("Seen while scrolling; it shows people being threatened with weapons.");
            }
            if rng.gen_bool(0.3) {
                report["contact_email"] = json!(format!("reporter{sequence}@mail.example"));
            }
            report
        }
        SubmissionKind::PartnerFlag => json!({"kind": "partner_flag", "reference": format!("flag-{sequence:07}"),
            "urls": [url], "signals": [{"type": "pdq", "value": hex(rng, 32)}],
            "labels": [SIGNAL_LABELS[rng.gen_range(0..4)]], "explanation": "Matched our hash bank on upload.",
            "platform": slug}),
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

/// An audit event to append, in time order, after the events setup wrote.
pub struct PendingEvent {
    pub at: DateTime<Utc>,
    pub record: AuditRecord,
}

/// Everything the history leaves in the database, in insertion order.
#[derive(Default)]
pub struct Population {
    pub cases: Rows,
    pub submissions: Rows,
    pub case_keys: Rows,
    pub media: Rows,
    pub submission_media: Rows,
    pub case_matches: Rows,
    pub deadline_events: Rows,
    pub decisions: Rows,
    pub case_notes: Rows,
    pub events: Vec<PendingEvent>,
    /// Per media row: the index in `events` of the event that recorded its hashes.
    pub media_events: Vec<usize>,
    /// Case ids of the reviewer's platform (platform 0), by number of submissions, most first.
    pub reviewer_cases: Vec<(Uuid, usize)>,
    /// Open case ids, in plan order.
    pub case_ids: Vec<Uuid>,
}

pub const CASE_COLUMNS: &[&str] = &[
    "id",
    "platform_id",
    "status",
    "priority",
    "due_at",
    "merged_into",
    "submission_count",
    "match_count",
    "created_at",
    "updated_at",
    "review_state",
    "claimed_by",
    "claimed_until",
    "decided_at",
];
pub const SUBMISSION_COLUMNS: &[&str] = &[
    "id",
    "number",
    "case_id",
    "platform_id",
    "submitter_id",
    "actor_kind",
    "actor_id",
    "kind",
    "status",
    "priority",
    "trusted_flagger",
    "reference",
    "idempotency_key",
    "request_fingerprint",
    "received_at",
    "due_at",
    "paused_at",
    "details",
    "created_at",
    "updated_at",
];
pub const CASE_KEY_COLUMNS: &[&str] = &["platform_id", "key", "case_id"];
/// The media id is given (submission_media names it); `identified_seq` is filled once the
/// audit chain is numbered.
pub const MEDIA_COLUMNS: &[&str] = &[
    "id",
    "sha256",
    "md5",
    "byte_size",
    "media_type",
    "status",
    "pdq",
    "pdq_quality",
    "attempts",
    "identified_seq",
    "created_at",
    "updated_at",
];
pub const SUBMISSION_MEDIA_COLUMNS: &[&str] = &["submission_id", "media_id", "filename", "created_at"];
pub const CASE_MATCH_COLUMNS: &[&str] = &[
    "case_id",
    "submission_id",
    "media_sha256",
    "bank",
    "signal_id",
    "signal_type",
    "distance",
    "labels",
    "created_at",
];
pub const DEADLINE_EVENT_COLUMNS: &[&str] = &[
    "submission_id",
    "action",
    "reason",
    "explanation",
    "due_at_before",
    "due_at_after",
    "actor_kind",
    "actor_id",
    "recorded_at",
];
pub const DECISION_COLUMNS: &[&str] = &[
    "id",
    "case_id",
    "platform_id",
    "kind",
    "state",
    "ground_type",
    "law",
    "article",
    "clause",
    "ground_explanation",
    "territorial_scope",
    "label",
    "counter_speech",
    "reason",
    "explanation",
    "facts",
    "decided_by_kind",
    "decided_by",
    "created_at",
];
pub const CASE_NOTE_COLUMNS: &[&str] = &["id", "case_id", "author_kind", "author_id", "body", "created_at"];

fn uuid_cell(id: Option<Uuid>) -> Cell {
    id.map_or(Cell::Null, Cell::Uuid)
}

fn time_cell(time: Option<DateTime<Utc>>) -> Cell {
    time.map_or(Cell::Null, Cell::Time)
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

fn optional_text(value: Option<&str>) -> Cell {
    value.map_or(Cell::Null, text)
}

/// One submission as built, before its row is written.
struct Built {
    id: Uuid,
    kind: SubmissionKind,
    priority: Priority,
    due: DateTime<Utc>,
    paused_at: Option<DateTime<Utc>>,
    received: DateTime<Utc>,
    updated: DateTime<Utc>,
}

impl Population {
    fn event(&mut self, at: DateTime<Utc>, record: AuditRecord) -> usize {
        self.events.push(PendingEvent { at, record });
        self.events.len() - 1
    }
}

/// The rows of `plan` on `world`.
pub fn materialise(rng: &mut StdRng, plan: &Plan, world: &World) -> anyhow::Result<Population> {
    let mut out = Population::default();
    let policy = DeadlinePolicy::default();
    let url_signals: HashMap<&str, &(i64, String, String)> =
        world.banks[URL_BANK].signals.iter().map(|signal| (signal.1.as_str(), signal)).collect();
    let mut case_ids: Vec<Uuid> = Vec::with_capacity(plan.cases.len());
    let mut sequence = 0_usize;
    let mut media_id = 0_i64;
    for (index, case) in plan.cases.iter().enumerate() {
        let platform = &world.platforms[case.platform];
        let spec = &PLATFORMS[case.platform];
        let case_id = v7(rng, case.created);
        case_ids.push(case_id);
        let reviewer_actor = |reviewer: usize| -> Actor {
            let all: Vec<&UserId> = platform.reviewers.iter().chain(&platform.seniors).collect();
            Actor::User(*all[reviewer % all.len()])
        };
        let mut keys: BTreeSet<String> = BTreeSet::new();
        let mut built: Vec<Built> = Vec::with_capacity(case.submissions.len());
        let mut match_count = 0_i64;
        let mut updated = case.created;
        // Media and matches ride on the first submission.
        let first_id = v7(rng, case.submissions[0].received);
        let media = case.image.then(|| {
            let sha256 = hex(rng, 32);
            let md5 = hex(rng, 16);
            (sha256, md5)
        });
        let pdq_signal = case.pdq_match.as_ref().map(|planned| {
            let signals = &world.banks[planned.bank].signals;
            let signal = &signals[((signals.len() as f64 * planned.signal_rank) as usize).min(signals.len() - 1)];
            (planned, signal)
        });
        let url_signal = case.url_match.then(|| url_signals.get(case_url(case.platform, index).as_str()).copied());
        let url_signal = match url_signal {
            Some(None) => anyhow::bail!("case {index}'s URL is not in the URL bank"),
            Some(Some(signal)) => Some(signal),
            None => None,
        };

        for (position, submission) in case.submissions.iter().enumerate() {
            sequence += 1;
            let (submitter, actor, sender_kind, country) = match submission.sender {
                SenderChoice::Public => (None, Actor::Public, None, "FR"),
                SenderChoice::Organisation(sender) => (
                    Some(world.senders[sender].id),
                    Actor::Token(world.senders[sender].token),
                    Some(SENDERS[sender].kind),
                    SENDERS[sender].country,
                ),
                SenderChoice::Partner(partner) => (
                    Some(world.platforms[partner].id),
                    Actor::Token(world.platforms[partner].referrer_token),
                    Some(OrganisationKind::Platform),
                    PLATFORMS[partner].country,
                ),
            };
            let request =
                submission_json(rng, submission.kind, case.platform, index, sequence, submission.received, country);
            let parsed = parse_submission(request).map_err(|error| anyhow::anyhow!("bench JSON refused: {error:?}"))?;
            let media_count = usize::from(position == 0 && media.is_some());
            let checked = check_submission(&parsed, media_count, submission.received)
                .map_err(|error| anyhow::anyhow!("bench submission refused: {error:?}"))?;
            let id = if position == 0 { first_id } else { v7(rng, submission.received) };
            let trusted_flagger = sender_kind == Some(OrganisationKind::TrustedFlagger);
            let trusted_sender = trusted_flagger || sender_kind == Some(OrganisationKind::ReferralUnit);
            let mut window = policy.window(submission.kind, trusted_flagger);
            if submission.kind == SubmissionKind::Referral
                && let Some(minutes) = spec.referral_window_minutes
            {
                window = Duration::minutes(i64::from(minutes));
            }
            // Matches found on arrival: the URL bank's on the first submission, and a file
            // already known.
            let mut arrival_matches = 0;
            if position == 0 {
                if let Some(signal) = url_signal {
                    out.case_matches.push(vec![
                        Cell::Uuid(case_id),
                        Cell::Uuid(id),
                        Cell::Null,
                        text(BANKS[URL_BANK].name),
                        Cell::Int(signal.0),
                        text("url"),
                        Cell::Int(0),
                        text(&signal.2),
                        Cell::Time(submission.received),
                    ]);
                    arrival_matches += 1;
                }
                if let (Some((planned, signal)), Some((sha256, _))) = (&pdq_signal, &media)
                    && planned.on_arrival
                {
                    let visible = BankWorld::signal_ids_visible(&BANKS[planned.bank], case.platform);
                    out.case_matches.push(vec![
                        Cell::Uuid(case_id),
                        Cell::Uuid(id),
                        text(sha256),
                        text(BANKS[planned.bank].name),
                        if visible { Cell::Int(signal.0) } else { Cell::Null },
                        text("pdq"),
                        Cell::Int(i64::from(planned.distance)),
                        text(&signal.2),
                        Cell::Time(submission.received),
                    ]);
                    arrival_matches += 1;
                }
            }
            match_count += arrival_matches;
            let priority = priority_with_matches(
                initial_priority(PrioritySignals { kind: submission.kind, trusted_sender, threat: checked.threat }),
                arrival_matches > 0,
            );
            let mut due = submission.received + window;
            let mut paused_at = None;
            let mut submission_updated = submission.received;
            let explanation = "The hosting service is down for emergency maintenance; the order cannot be executed.";
            match submission.clock {
                ClockPlan::Running => {}
                ClockPlan::Paused { at } => {
                    paused_at = Some(at);
                    submission_updated = at;
                    let actor = reviewer_actor(0);
                    out.deadline_events.push(vec![
                        Cell::Uuid(id),
                        text("pause"),
                        text("force_majeure"),
                        text(explanation),
                        Cell::Time(due),
                        Cell::Null,
                        text(actor.kind()),
                        uuid_cell(actor.id()),
                        Cell::Time(at),
                    ]);
                    out.event(at, pause_record(actor, platform.id, id, "force_majeure"));
                }
                ClockPlan::Resumed { paused, resumed } => {
                    let actor = reviewer_actor(0);
                    out.deadline_events.push(vec![
                        Cell::Uuid(id),
                        text("pause"),
                        text("force_majeure"),
                        text(explanation),
                        Cell::Time(due),
                        Cell::Null,
                        text(actor.kind()),
                        uuid_cell(actor.id()),
                        Cell::Time(paused),
                    ]);
                    out.event(paused, pause_record(actor, platform.id, id, "force_majeure"));
                    due = vigie_domain::intake::due_after_resume(submission.kind, due, paused, resumed);
                    out.deadline_events.push(vec![
                        Cell::Uuid(id),
                        text("resume"),
                        Cell::Null,
                        text("The service is back."),
                        Cell::Null,
                        Cell::Time(due),
                        text(actor.kind()),
                        uuid_cell(actor.id()),
                        Cell::Time(resumed),
                    ]);
                    out.event(
                        resumed,
                        AuditRecord {
                            actor,
                            organisation_id: Some(platform.id),
                            action: "submission.resume".into(),
                            subject_type: "submission".into(),
                            subject_id: id.to_string(),
                            details: format!(r#"{{"due_at":"{}"}}"#, due.to_rfc3339()),
                        },
                    );
                    submission_updated = resumed;
                }
            }
            let mut content_keys = checked.content_keys();
            if position == 0
                && let Some((sha256, md5)) = &media
            {
                content_keys.push(ContentKey::Sha256(sha256.clone()));
                content_keys.push(ContentKey::Md5(md5.clone()));
            }
            keys.extend(content_keys.iter().map(ContentKey::to_key));
            let number = {
                let mut random = [0_u8; 8];
                rng.fill_bytes(&mut random);
                SubmissionNumber::from_random(random)
            };
            out.event(
                submission.received,
                AuditRecord {
                    actor,
                    organisation_id: submitter,
                    action: "submission.receive".into(),
                    subject_type: "submission".into(),
                    subject_id: id.to_string(),
                    details: format!(
                        r#"{{"kind":"{}","case":"{case_id}","platform":"{}","priority":"{priority}","matches":{arrival_matches}}}"#,
                        submission.kind, platform.id
                    ),
                },
            );
            // An idempotency key from API clients that send one.
            let idempotency = (submitter.is_some() && rng.gen_bool(0.3)).then(|| {
                let key = format!("bench-{sequence}");
                let fingerprint = vigie_server::intake::request_fingerprint(key.as_bytes());
                (key, fingerprint)
            });
            out.submissions.push(vec![
                Cell::Uuid(id),
                text(number.as_str()),
                Cell::Uuid(case_id),
                Cell::Uuid(platform.id.0),
                uuid_cell(submitter.map(|id| id.0)),
                text(actor.kind()),
                uuid_cell(actor.id()),
                text(submission.kind.as_str()),
                text(if paused_at.is_some() { "paused" } else { "received" }),
                Cell::Int(i64::from(priority.rank())),
                Cell::Bool(trusted_flagger),
                optional_text(checked.reference.as_deref()),
                optional_text(idempotency.as_ref().map(|(key, _)| key.as_str())),
                optional_text(idempotency.as_ref().map(|(_, fingerprint)| fingerprint.as_str())),
                Cell::Time(submission.received),
                Cell::Time(due),
                time_cell(paused_at),
                Cell::Text(checked.details_json(Some(platform.id.0))),
                Cell::Time(submission.received),
                Cell::Time(submission_updated),
            ]);
            updated = updated.max(submission_updated);
            built.push(Built {
                id,
                kind: submission.kind,
                priority,
                due,
                paused_at,
                received: submission.received,
                updated: submission_updated,
            });
        }

        // The image and what the media worker found for it.
        if let Some((sha256, md5)) = &media {
            media_id += 1;
            let received = built[0].received;
            let identified = micros(received + Duration::seconds(rng.gen_range(1..30)));
            let found_later = pdq_signal.as_ref().filter(|(planned, _)| !planned.on_arrival);
            let pdq = match &pdq_signal {
                Some((planned, signal)) => flip_bits(rng, &signal.1, planned.distance),
                None => hex(rng, 32),
            };
            if let Some((planned, signal)) = found_later {
                let visible = BankWorld::signal_ids_visible(&BANKS[planned.bank], case.platform);
                out.case_matches.push(vec![
                    Cell::Uuid(case_id),
                    Cell::Null,
                    text(sha256),
                    text(BANKS[planned.bank].name),
                    if visible { Cell::Int(signal.0) } else { Cell::Null },
                    text("pdq"),
                    Cell::Int(i64::from(planned.distance)),
                    text(&signal.2),
                    Cell::Time(identified),
                ]);
                match_count += 1;
                updated = updated.max(identified);
            }
            let event = out.event(
                identified,
                AuditRecord {
                    actor: Actor::System,
                    organisation_id: None,
                    action: "media.identify".into(),
                    subject_type: "media".into(),
                    subject_id: sha256.clone(),
                    details: format!(
                        r#"{{"status":"hashed","matches":{},"cases":1}}"#,
                        usize::from(found_later.is_some())
                    ),
                },
            );
            out.media.push(vec![
                Cell::Int(media_id),
                text(sha256),
                text(md5),
                Cell::Int(rng.gen_range(40_000..6_000_000)),
                text("image"),
                text("hashed"),
                Cell::Text(pdq),
                Cell::Int(rng.gen_range(60..=100)),
                Cell::Int(1),
                Cell::Null,
                Cell::Time(received),
                Cell::Time(identified),
            ]);
            out.media_events.push(event);
            out.submission_media.push(vec![
                Cell::Uuid(built[0].id),
                Cell::Int(media_id),
                text("upload.jpg"),
                Cell::Time(received),
            ]);
        }

        // Review: decisions, a request for clarification pausing the orders, claims, notes.
        let mut review_state = "new";
        let mut decided_at = None;
        let decision = |kind: &str, state: &str, at: DateTime<Utc>, rng: &mut StdRng| -> (Uuid, Vec<Cell>) {
            let id = v7(rng, at);
            let (ground_type, law, article, clause, ground_explanation) = match kind {
                "remove" | "restrict" if rng.gen_bool(0.7) => (
                    Some("illegal"),
                    Some("Regulation (EU) 2021/784"),
                    Some("Art. 2(7)(a)"),
                    None,
                    Some("Glorifies the attack and calls for more."),
                ),
                "remove" | "restrict" | "label" => (
                    Some("terms"),
                    None,
                    None,
                    Some("Community guidelines 4.2: violent extremism"),
                    Some("Praise of a designated terrorist organisation."),
                ),
                _ => (None, None, None, None, None),
            };
            let reviewer = reviewer_actor(rng.gen_range(0..spec.reviewers));
            let row = vec![
                Cell::Uuid(id),
                Cell::Uuid(case_id),
                Cell::Uuid(platform.id.0),
                text(kind),
                text(state),
                optional_text(ground_type),
                optional_text(law),
                optional_text(article),
                optional_text(clause),
                optional_text(ground_explanation),
                text(if kind == "restrict" { "DE FR" } else { "" }),
                optional_text((kind == "label").then_some("warning")),
                optional_text((kind == "keep_with_counter_speech").then_some("https://counter.example/context")),
                optional_text((kind == "cannot_comply").then_some("manifest_errors")),
                text(match kind {
                    "no_violation" => "News reporting on the attack, without praise.",
                    "escalate" => "Possibly a journalist's footage: needs a senior reviewer.",
                    "request_clarification" => "The order names a URL that does not exist on our service.",
                    "cannot_comply" => "The order names no content we host.",
                    "keep_with_counter_speech" => "Documentary use; context attached.",
                    _ => "",
                }),
                text(if matches!(kind, "escalate" | "request_clarification") {
                    ""
                } else {
                    "Watched in full; the caption praises the perpetrator."
                }),
                text(reviewer.kind()),
                uuid_cell(reviewer.id()),
                Cell::Time(at),
            ];
            (id, row)
        };
        let decide_event = |decision_id: Uuid, kind: &str, state: &str, row: &[Cell], extra: &str| -> AuditRecord {
            let Cell::Uuid(decider) = row[17] else { unreachable!("deciders are users") };
            let ground = match &row[5] {
                Cell::Text(ground) => format!(r#","ground":"{ground}""#),
                _ => String::new(),
            };
            AuditRecord {
                actor: Actor::User(UserId(decider)),
                organisation_id: Some(platform.id),
                action: "case.decide".into(),
                subject_type: "case".into(),
                subject_id: case_id.to_string(),
                details: format!(r#"{{"decision":"{decision_id}","kind":"{kind}","state":"{state}"{ground}{extra}}}"#),
            }
        };
        match case.review {
            ReviewPlan::New => {}
            ReviewPlan::Decided { at, kind } => {
                let (decision_id, row) = decision(kind, "in_force", at, rng);
                out.event(at, decide_event(decision_id, kind, "in_force", &row, ""));
                out.decisions.push(row);
                review_state = "decided";
                decided_at = Some(at);
                updated = updated.max(at);
            }
            ReviewPlan::Escalated { at } => {
                let (decision_id, row) = decision("escalate", "in_force", at, rng);
                out.event(at, decide_event(decision_id, "escalate", "in_force", &row, ""));
                out.decisions.push(row);
                review_state = "escalated";
                updated = updated.max(at);
            }
            ReviewPlan::AwaitingConfirmation { at } => {
                let (decision_id, row) = decision("remove", "pending", at, rng);
                out.event(at, decide_event(decision_id, "remove", "pending", &row, ""));
                out.decisions.push(row);
                review_state = "awaiting_confirmation";
                updated = updated.max(at);
            }
            ReviewPlan::Clarification { at } => {
                let (decision_id, row) = decision("request_clarification", "in_force", at, rng);
                let Cell::Uuid(decider) = row[17] else { unreachable!("deciders are users") };
                let mut paused = Vec::new();
                for (position, submission) in built.iter_mut().enumerate() {
                    if submission.kind != SubmissionKind::RemovalOrder || submission.paused_at.is_some() {
                        continue;
                    }
                    submission.paused_at = Some(at);
                    submission.updated = at;
                    paused.push(format!(r#""{}""#, submission.id));
                    let row_index = out.submissions.len() - case.submissions.len() + position;
                    let row = &mut out.submissions[row_index];
                    row[8] = text("paused");
                    row[16] = Cell::Time(at);
                    row[19] = Cell::Time(at);
                    out.deadline_events.push(vec![
                        Cell::Uuid(submission.id),
                        text("pause"),
                        text("clarification_requested"),
                        text("The order names a URL that does not exist on our service."),
                        Cell::Time(submission.due),
                        Cell::Null,
                        text("user"),
                        Cell::Uuid(decider),
                        Cell::Time(at),
                    ]);
                }
                let extra =
                    if paused.is_empty() { String::new() } else { format!(r#","paused":[{}]"#, paused.join(",")) };
                out.event(at, decide_event(decision_id, "request_clarification", "in_force", &row, &extra));
                out.decisions.push(row);
                review_state = "clarification_requested";
                updated = updated.max(at);
            }
        }
        let claim = case.claim.as_ref().map(|claim| {
            let actor = reviewer_actor(claim.reviewer);
            out.event(
                claim.at,
                AuditRecord {
                    actor,
                    organisation_id: Some(platform.id),
                    action: "case.claim".into(),
                    subject_type: "case".into(),
                    subject_id: case_id.to_string(),
                    details: format!(r#"{{"until":"{}"}}"#, claim.until.to_rfc3339()),
                },
            );
            (actor.id(), claim.until)
        });
        for (at, author) in &case.notes {
            let actor = reviewer_actor(*author);
            let id = v7(rng, *at);
            out.case_notes.push(vec![
                Cell::Uuid(id),
                Cell::Uuid(case_id),
                text(actor.kind()),
                uuid_cell(actor.id()),
                text("Same account posted three other clips last week; checked the channel."),
                Cell::Time(*at),
            ]);
            out.event(
                *at,
                AuditRecord {
                    actor,
                    organisation_id: Some(platform.id),
                    action: "case.note".into(),
                    subject_type: "case".into(),
                    subject_id: case_id.to_string(),
                    details: format!(r#"{{"note":"{id}"}}"#),
                },
            );
        }

        // The aggregates, as `refresh_case` computes them.
        let due_at =
            built.iter().filter(|submission| submission.paused_at.is_none()).map(|submission| submission.due).min();
        let mut priority = built.iter().map(|submission| submission.priority).max().unwrap_or(Priority::Low);
        if match_count > 0 {
            priority = priority.max(Priority::High);
        }
        updated = built.iter().map(|submission| submission.updated).fold(updated, DateTime::max);
        for key in keys {
            out.case_keys.push(vec![Cell::Uuid(platform.id.0), Cell::Text(key), Cell::Uuid(case_id)]);
        }
        out.cases.push(vec![
            Cell::Uuid(case_id),
            Cell::Uuid(platform.id.0),
            text("open"),
            Cell::Int(i64::from(priority.rank())),
            time_cell(due_at),
            Cell::Null,
            Cell::Int(built.len() as i64),
            Cell::Int(match_count),
            Cell::Time(case.created),
            Cell::Time(updated),
            text(review_state),
            uuid_cell(claim.and_then(|(holder, _)| holder)),
            time_cell(claim.map(|(_, until)| until)),
            time_cell(decided_at),
        ]);
        if case.platform == 0 {
            out.reviewer_cases.push((case_id, built.len()));
        }
    }

    for merged in &plan.merged {
        let into = case_ids[merged.into];
        let platform = &world.platforms[plan.cases[merged.into].platform];
        let id = v7(rng, merged.created);
        out.cases.push(vec![
            Cell::Uuid(id),
            Cell::Uuid(platform.id.0),
            text("merged"),
            Cell::Int(1),
            Cell::Null,
            Cell::Uuid(into),
            Cell::Int(0),
            Cell::Int(0),
            Cell::Time(merged.created),
            Cell::Time(merged.merged),
            text("new"),
            Cell::Null,
            Cell::Null,
            Cell::Null,
        ]);
        out.event(
            merged.merged,
            AuditRecord {
                actor: Actor::System,
                organisation_id: Some(platform.id),
                action: "case.merge".into(),
                subject_type: "case".into(),
                subject_id: id.to_string(),
                details: format!(r#"{{"into":"{into}","reason":"shared content key"}}"#),
            },
        );
    }
    out.reviewer_cases.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.case_ids = case_ids;
    Ok(out)
}

fn pause_record(actor: Actor, platform: OrganisationId, submission: Uuid, reason: &str) -> AuditRecord {
    AuditRecord {
        actor,
        organisation_id: Some(platform),
        action: "submission.pause".into(),
        subject_type: "submission".into(),
        subject_id: submission.to_string(),
        details: format!(r#"{{"reason":"{reason}"}}"#),
    }
}
