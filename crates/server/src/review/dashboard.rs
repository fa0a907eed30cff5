//! The team dashboard's figures: open and overdue cases, decisions today, and the time from
//! receipt to decision (median and 90th percentile) today and over the last seven days, per
//! submission kind.

use chrono::{DateTime, Duration, Utc};
use vigie_domain::access::{Permission, Principal};
use vigie_domain::intake::SubmissionKind;
use vigie_store::{DecisionTiming, QueueCounts};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// Receipt-to-decision times of a set of decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    /// How many closing decisions.
    pub decisions: usize,
    /// Median seconds from the case's first receipt to the decision.
    pub median_seconds: Option<i64>,
    /// 90th percentile, in seconds.
    pub p90_seconds: Option<i64>,
}

impl Timing {
    /// The figures of `durations` (seconds, any order).
    pub fn of(mut durations: Vec<i64>) -> Self {
        durations.sort_unstable();
        Self {
            decisions: durations.len(),
            median_seconds: percentile(&durations, 50),
            p90_seconds: percentile(&durations, 90),
        }
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `p`% of
/// values at or below it.
fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The dashboard of one team (a platform's reviewers, or the operator's for every platform).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dashboard {
    /// Open cases by state, and overdue.
    pub counts: QueueCounts,
    /// Since midnight UTC.
    pub today: Timing,
    /// The last seven days.
    pub week: Timing,
    /// Per submission kind (a case counts under each of its kinds): today, then the week.
    pub per_kind: Vec<(SubmissionKind, Timing, Timing)>,
    /// The platforms' actions: not yet confirmed, and not delivered (retries given up).
    pub actions: vigie_store::ActionCounts,
    /// Complaints to answer, and of which past their two weeks.
    pub complaints_open: i64,
    /// Open complaints past their due time.
    pub complaints_overdue: i64,
    /// When the figures were computed.
    pub at: DateTime<Utc>,
}

fn seconds(timing: &DecisionTiming) -> i64 {
    (timing.decided_at - timing.received_at).num_seconds().max(0)
}

/// Computes the dashboard for the principal's queue.
pub async fn dashboard(state: &AppState, principal: &Principal) -> ApiResult<Dashboard> {
    if !principal.may(Permission::ReadCases(principal.organisation_id)) {
        return Err(ApiError::Forbidden);
    }
    let platforms = super::queue_platforms(state, principal).await?;
    let now = Utc::now();
    let midnight = now.date_naive().and_hms_opt(0, 0, 0).map(|time| time.and_utc()).unwrap_or(now);
    let week_start = now - Duration::days(7);
    let counts = state.store.queue_counts(&platforms, now).await?;
    let actions = state.store.action_counts(&platforms).await?;
    let (mut complaints_open, mut complaints_overdue) = (0, 0);
    for platform in &platforms {
        let open =
            state.store.list_complaints(*platform, Some(vigie_domain::complaints::ComplaintStatus::Open), 10_000);
        for complaint in open.await? {
            complaints_open += 1;
            complaints_overdue += i64::from(complaint.due_at < now);
        }
    }
    let week = state.store.decision_timings(&platforms, week_start.min(midnight)).await?;
    let today: Vec<&DecisionTiming> = week.iter().filter(|timing| timing.decided_at >= midnight).collect();
    let in_week: Vec<&DecisionTiming> = week.iter().filter(|timing| timing.decided_at >= week_start).collect();
    let per_kind = SubmissionKind::ALL
        .into_iter()
        .map(|kind| {
            let of = |set: &[&DecisionTiming]| {
                Timing::of(
                    set.iter().filter(|timing| timing.kinds.contains(&kind)).map(|timing| seconds(timing)).collect(),
                )
            };
            (kind, of(&today), of(&in_week))
        })
        .collect();
    Ok(Dashboard {
        counts,
        today: Timing::of(today.iter().map(|timing| seconds(timing)).collect()),
        week: Timing::of(in_week.iter().map(|timing| seconds(timing)).collect()),
        per_kind,
        actions,
        complaints_open,
        complaints_overdue,
        at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(Timing::of(vec![]).median_seconds, None);
        let one = Timing::of(vec![42]);
        assert_eq!((one.median_seconds, one.p90_seconds), (Some(42), Some(42)));
        let ten = Timing::of((1..=10).rev().collect());
        assert_eq!((ten.median_seconds, ten.p90_seconds, ten.decisions), (Some(5), Some(9), 10));
        let eleven = Timing::of((1..=11).collect());
        assert_eq!((eleven.median_seconds, eleven.p90_seconds), (Some(6), Some(10)));
    }
}
