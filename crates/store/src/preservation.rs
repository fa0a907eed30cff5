//! Preservation of removed content (TCO Art. 6): when it starts (the platform confirms a
//! removal or restriction), its extensions, every opening of the preserved content, and the
//! purge once it ends. See `migrations/postgres/0015_preservation.sql` for what the purge
//! removes and what it keeps.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::{CaseId, OrganisationId, PreservationAccessId, PreservationExtensionId};
use vigie_domain::preservation::{
    ACCESS_LASTS, AccessPurpose, AccessRequest, DETAILS_KEPT_AFTER_PURGE, ExtensionRequest, is_due,
};

use crate::audit::{actor_from, append_audit_batch, lock_audit_head};
use crate::organisations::corrupt;
use crate::{Store, StoreError, StoreResult, on_pool};

/// Why a preservation write was refused, as `StoreError::Conflict`'s constraint.
pub mod conflicts {
    /// The case's content was never confirmed removed: there is nothing preserved.
    pub const NOT_PRESERVED: &str = "preservation_not_started";
    /// The preservation ended and the content was purged.
    pub const PURGED: &str = "preservation_purged";
    /// An extension must reach past the current end (checked again under the lock).
    pub const NOT_LATER: &str = "preservation_extension_not_later";
}

/// Where a case's preservation stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreservationRecord {
    /// The case.
    pub case_id: CaseId,
    /// Its platform.
    pub platform_id: OrganisationId,
    /// When the platform removed or disabled the content (its first confirmed takedown).
    pub removed_at: DateTime<Utc>,
    /// Until when the content is kept: six months from the removal, or an extension's end.
    pub preserved_until: DateTime<Utc>,
    /// When it was purged.
    pub purged_at: Option<DateTime<Utc>>,
    /// Extensions, oldest first.
    pub extensions: Vec<ExtensionRecord>,
    /// Openings of the content, oldest first.
    pub accesses: Vec<AccessRecord>,
}

/// An extension an authority or a court asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionRecord {
    /// Its id.
    pub id: PreservationExtensionId,
    /// Who asked.
    pub authority: String,
    /// Their reference.
    pub reference: String,
    /// Until when.
    pub until: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Who recorded it.
    pub recorded_by: Actor,
    /// For which organisation (the platform's, or the authority's).
    pub organisation_id: Option<OrganisationId>,
    /// When.
    pub recorded_at: DateTime<Utc>,
}

/// One opening of preserved content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRecord {
    /// Its id.
    pub id: PreservationAccessId,
    /// Who.
    pub actor: Actor,
    /// For which organisation.
    pub organisation_id: Option<OrganisationId>,
    /// Why (the article's purposes).
    pub purpose: AccessPurpose,
    /// Why, in their words.
    pub reason: String,
    /// When.
    pub opened_at: DateTime<Utc>,
    /// Until when the content stays open to them.
    pub expires_at: DateTime<Utc>,
}

/// What one purge removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurgedCase {
    /// The case.
    pub case_id: CaseId,
    /// Submissions whose details were scrubbed.
    pub submissions: u64,
    /// Digests of the media whose rows went (no other case holds them): their files and
    /// renditions go next.
    pub media: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct ExtensionRow {
    id: Uuid,
    authority: String,
    reference: String,
    until: DateTime<Utc>,
    reason: String,
    recorded_by_kind: String,
    recorded_by: Option<Uuid>,
    organisation_id: Option<Uuid>,
    recorded_at: DateTime<Utc>,
}

impl ExtensionRow {
    fn into_record(self) -> StoreResult<ExtensionRecord> {
        Ok(ExtensionRecord {
            recorded_by: actor_from(&self.recorded_by_kind, self.recorded_by)
                .map_err(|problem| corrupt("preservation_extensions", self.id, problem))?,
            id: PreservationExtensionId(self.id),
            authority: self.authority,
            reference: self.reference,
            until: self.until,
            reason: self.reason,
            organisation_id: self.organisation_id.map(OrganisationId),
            recorded_at: self.recorded_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AccessRow {
    id: Uuid,
    actor_kind: String,
    actor_id: Option<Uuid>,
    organisation_id: Option<Uuid>,
    purpose: String,
    reason: String,
    opened_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

const ACCESS_COLUMNS: &str = "id, actor_kind, actor_id, organisation_id, purpose, reason, opened_at, expires_at";

impl AccessRow {
    fn into_record(self) -> StoreResult<AccessRecord> {
        let bad = |problem: String| corrupt("preservation_accesses", self.id, problem);
        Ok(AccessRecord {
            id: PreservationAccessId(self.id),
            actor: actor_from(&self.actor_kind, self.actor_id).map_err(bad)?,
            organisation_id: self.organisation_id.map(OrganisationId),
            purpose: AccessPurpose::parse(&self.purpose).map_err(bad)?,
            reason: self.reason,
            opened_at: self.opened_at,
            expires_at: self.expires_at,
        })
    }
}

/// A time column that may be null.
type Time = Option<DateTime<Utc>>;

/// A case's preservation columns.
type PreservationRow = (Uuid, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn conflict(constraint: &str) -> StoreError {
    StoreError::Conflict { constraint: constraint.into() }
}

/// Inside `$tx`, after the audit head is locked: starts or lengthens the preservation of case
/// `$case` for a takedown carried out at `$removed_at` (the first removal counts; the end is
/// the later of the current one and six months from this removal). Nothing for a purged case.
/// Evaluates to the new end, or `None`.
macro_rules! start_preservation {
    ($tx:expr, $case:expr, $removed_at:expr, $now:expr) => {{
        let case: vigie_domain::ids::CaseId = $case;
        let removed_at: chrono::DateTime<chrono::Utc> = $removed_at;
        let current: (
            Option<chrono::DateTime<chrono::Utc>>,
            Option<chrono::DateTime<chrono::Utc>>,
            Option<chrono::DateTime<chrono::Utc>>,
        ) = sqlx::query_as("select removed_at, preserved_until, purged_at from cases where id = $1")
            .bind(case.0)
            .fetch_one(&mut *$tx)
            .await?;
        match current {
            (_, _, Some(_)) => None,
            (first, until, None) => {
                let first = first.map_or(removed_at, |first| first.min(removed_at));
                let until = until
                    .into_iter()
                    .chain([vigie_domain::preservation::preserved_until(removed_at)])
                    .max()
                    .unwrap_or(removed_at);
                sqlx::query("update cases set removed_at = $2, preserved_until = $3, updated_at = $4 where id = $1")
                    .bind(case.0)
                    .bind(first)
                    .bind(until)
                    .bind($now)
                    .execute(&mut *$tx)
                    .await?;
                Some(until)
            }
        }
    }};
}
pub(crate) use start_preservation;

impl Store {
    /// A case's preservation, `None` while its content was never confirmed removed.
    pub async fn get_preservation(&self, case: CaseId) -> StoreResult<Option<PreservationRecord>> {
        let row: Option<PreservationRow> = on_pool!(self, pool => {
            sqlx::query_as("select platform_id, removed_at, preserved_until, purged_at from cases where id = $1")
                .bind(case.0)
                .fetch_optional(pool)
                .await
        })?;
        let Some((platform, Some(removed_at), Some(preserved_until), purged_at)) = row else {
            return match row {
                None => Err(StoreError::NotFound),
                Some(_) => Ok(None),
            };
        };
        let extensions: Vec<ExtensionRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "select id, authority, reference, until, reason, recorded_by_kind, recorded_by, organisation_id, recorded_at \
                 from preservation_extensions where case_id = $1 order by recorded_at, id",
            )
            .bind(case.0)
            .fetch_all(pool)
            .await
        })?;
        let sql =
            format!("select {ACCESS_COLUMNS} from preservation_accesses where case_id = $1 order by opened_at, id");
        let accesses: Vec<AccessRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(case.0).fetch_all(pool).await)?;
        Ok(Some(PreservationRecord {
            case_id: case,
            platform_id: OrganisationId(platform),
            removed_at,
            preserved_until,
            purged_at,
            extensions: extensions.into_iter().map(ExtensionRow::into_record).collect::<StoreResult<_>>()?,
            accesses: accesses.into_iter().map(AccessRow::into_record).collect::<StoreResult<_>>()?,
        }))
    }

    /// Whether a case's content is preserved (`Some(false)`), purged (`Some(true)`), or neither
    /// (`None`): one query, for pages listing many cases' actions.
    pub async fn preservation_state(&self, case: CaseId) -> StoreResult<Option<bool>> {
        let row: Option<(Option<DateTime<Utc>>, Option<Time>)> = on_pool!(self, pool => {
            sqlx::query_as("select removed_at, purged_at from cases where id = $1").bind(case.0).fetch_optional(pool).await
        })?;
        match row {
            None => Err(StoreError::NotFound),
            Some((None, _)) => Ok(None),
            Some((Some(_), purged_at)) => Ok(Some(purged_at.is_some())),
        }
    }

    /// The opening of case `case`'s preserved content by `actor` still running, if any.
    pub async fn live_preservation_access(&self, case: CaseId, actor: Actor) -> StoreResult<Option<AccessRecord>> {
        let now = self.now();
        let sql = format!(
            "select {ACCESS_COLUMNS} from preservation_accesses where case_id = $1 and actor_kind = $2 \
             and actor_id is not distinct from $3 and expires_at > $4 order by expires_at desc limit 1"
        );
        let row: Option<AccessRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(case.0).bind(actor.kind()).bind(actor.id()).bind(now).fetch_optional(pool).await
        })?;
        row.map(AccessRow::into_record).transpose()
    }

    /// Opens a case's preserved content to `actor` for [`ACCESS_LASTS`], recorded with its
    /// purpose and reason, and in the audit trail (`case.preservation_access`, purpose and
    /// reason included: the trail is the log of who looked, when and why).
    pub async fn open_preserved_content(
        &self,
        case: CaseId,
        organisation: OrganisationId,
        request: &AccessRequest,
        actor: Actor,
    ) -> StoreResult<AccessRecord> {
        let now = self.now();
        let id = PreservationAccessId::new_v7();
        let expires_at = now + ACCESS_LASTS;
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let row: PreservationRow =
                sqlx::query_as("select platform_id, removed_at, preserved_until, purged_at from cases where id = $1")
                    .bind(case.0)
                    .fetch_one(&mut *tx)
                    .await?;
            match row {
                (_, _, _, Some(_)) => return Err(conflict(conflicts::PURGED)),
                (_, None, _, _) | (_, _, None, _) => return Err(conflict(conflicts::NOT_PRESERVED)),
                _ => {}
            }
            sqlx::query(
                "insert into preservation_accesses (id, case_id, actor_kind, actor_id, organisation_id, purpose, \
                 reason, opened_at, expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id.0)
            .bind(case.0)
            .bind(actor.kind())
            .bind(actor.id())
            .bind(organisation.0)
            .bind(request.purpose.as_str())
            .bind(&request.reason)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            let record = AuditRecord {
                actor,
                organisation_id: Some(OrganisationId(row.0)),
                action: "case.preservation_access".into(),
                subject_type: "case".into(),
                subject_id: case.to_string(),
                details: serde_json::json!({
                    "purpose": request.purpose.as_str(),
                    "reason": request.reason,
                    "until": expires_at.to_rfc3339(),
                })
                .to_string(),
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        Ok(AccessRecord {
            id,
            actor,
            organisation_id: Some(organisation),
            purpose: request.purpose,
            reason: request.reason.clone(),
            opened_at: now,
            expires_at,
        })
    }

    /// Records an extension of a case's preservation and moves its end (audited as
    /// `case.preservation_extend`, with the authority, its reference and the new end).
    pub async fn extend_preservation(
        &self,
        case: CaseId,
        organisation: OrganisationId,
        request: &ExtensionRequest,
        actor: Actor,
    ) -> StoreResult<ExtensionRecord> {
        let now = self.now();
        let id = PreservationExtensionId::new_v7();
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let row: PreservationRow =
                sqlx::query_as("select platform_id, removed_at, preserved_until, purged_at from cases where id = $1")
                    .bind(case.0)
                    .fetch_one(&mut *tx)
                    .await?;
            let current_end = match row {
                (_, _, _, Some(_)) => return Err(conflict(conflicts::PURGED)),
                (_, Some(_), Some(end), None) => end,
                _ => return Err(conflict(conflicts::NOT_PRESERVED)),
            };
            if request.until <= current_end {
                return Err(conflict(conflicts::NOT_LATER));
            }
            sqlx::query(
                "insert into preservation_extensions (id, case_id, authority, reference, until, reason, \
                 recorded_by_kind, recorded_by, organisation_id, recorded_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id.0)
            .bind(case.0)
            .bind(&request.authority)
            .bind(&request.reference)
            .bind(request.until)
            .bind(&request.reason)
            .bind(actor.kind())
            .bind(actor.id())
            .bind(organisation.0)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("update cases set preserved_until = $2, updated_at = $3 where id = $1")
                .bind(case.0)
                .bind(request.until)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let record = AuditRecord {
                actor,
                organisation_id: Some(OrganisationId(row.0)),
                action: "case.preservation_extend".into(),
                subject_type: "case".into(),
                subject_id: case.to_string(),
                details: serde_json::json!({
                    "authority": request.authority,
                    "reference": request.reference,
                    "until": request.until.to_rfc3339(),
                })
                .to_string(),
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
        });
        Ok(ExtensionRecord {
            id,
            authority: request.authority.clone(),
            reference: request.reference.clone(),
            until: request.until,
            reason: request.reason.clone(),
            recorded_by: actor,
            organisation_id: Some(organisation),
            recorded_at: now,
        })
    }

    /// Up to `limit` cases whose preservation ended and that nothing holds (no open complaint, no
    /// event about them still being sent).
    pub async fn due_purges(&self, limit: u32) -> StoreResult<Vec<CaseId>> {
        let now = self.now();
        let ids: Vec<Uuid> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "select id from cases c where preserved_until is not null and purged_at is null \
                 and preserved_until <= $1 \
                 and not exists (select 1 from complaints k where k.case_id = c.id and k.status = 'open') \
                 and not exists (select 1 from deliveries d join events e on e.id = d.event_id \
                     where d.status = 'pending' and (e.action_id in (select id from actions a where a.case_id = c.id) \
                     or e.submission_id in (select id from submissions s where s.case_id = c.id))) \
                 order by preserved_until limit $2",
            )
            .bind(now)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })?;
        Ok(ids.into_iter().map(CaseId).collect())
    }

    /// Purges a case whose preservation ended, in one transaction: its submissions' details are
    /// cut down to [`DETAILS_KEPT_AFTER_PURGE`], its media links, content keys, matches and notes
    /// are deleted, so are media rows no other case holds, and the bodies of its sent events;
    /// the case is marked `purged_at` and the audit trail records `case.purge` (as the system).
    /// `None` when there is nothing to do: purged already (by another node), not due, or held
    /// by an open complaint. The caller deletes the files of [`PurgedCase::media`] after.
    pub async fn purge_case(&self, case: CaseId) -> StoreResult<Option<PurgedCase>> {
        let now = self.now();
        let purged = on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            // The audit head first, as every writer: two nodes purging the same case queue here,
            // and the second finds it purged.
            let (mut sequence, mut previous_hash) = lock_audit_head!(tx);
            let row: PreservationRow =
                sqlx::query_as("select platform_id, removed_at, preserved_until, purged_at from cases where id = $1")
                    .bind(case.0)
                    .fetch_one(&mut *tx)
                    .await?;
            let (platform, until) = match row {
                (platform, Some(_), Some(until), None) => (platform, until),
                _ => return Ok(None),
            };
            let open: i64 = sqlx::query_scalar("select count(*) from complaints where case_id = $1 and status = 'open'")
                .bind(case.0)
                .fetch_one(&mut *tx)
                .await?;
            // An event about the case still being sent keeps it whole until it is answered or
            // given up (72 hours at most).
            let sending: i64 = sqlx::query_scalar(
                "select count(*) from deliveries d join events e on e.id = d.event_id where d.status = 'pending' \
                 and (e.action_id in (select id from actions where case_id = $1) \
                      or e.submission_id in (select id from submissions where case_id = $1))",
            )
            .bind(case.0)
            .fetch_one(&mut *tx)
            .await?;
            if !is_due(until, open > 0, now) || sending > 0 {
                return Ok(None);
            }
            let submissions: Vec<(Uuid, String)> =
                sqlx::query_as("select id, details from submissions where case_id = $1")
                    .bind(case.0)
                    .fetch_all(&mut *tx)
                    .await?;
            for (id, details) in &submissions {
                sqlx::query("update submissions set details = $2, updated_at = $3 where id = $1")
                    .bind(id)
                    .bind(kept_details(details))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            let media_ids: Vec<i64> = sqlx::query_scalar(
                "select distinct sm.media_id from submission_media sm join submissions s on s.id = sm.submission_id \
                 where s.case_id = $1",
            )
            .bind(case.0)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query("delete from submission_media where submission_id in (select id from submissions where case_id = $1)")
                .bind(case.0)
                .execute(&mut *tx)
                .await?;
            let mut media = Vec::new();
            for media_id in media_ids {
                let gone: Option<String> = sqlx::query_scalar(
                    "delete from media where id = $1 \
                     and not exists (select 1 from submission_media where media_id = $1) returning sha256",
                )
                .bind(media_id)
                .fetch_optional(&mut *tx)
                .await?;
                media.extend(gone);
            }
            for table in ["case_keys", "case_matches", "case_notes"] {
                sqlx::query(&format!("delete from {table} where case_id = $1")).bind(case.0).execute(&mut *tx).await?;
            }
            // What was sent about the content (it names the URLs); nothing is being sent (above).
            sqlx::query(
                "update events set body = null where body is not null \
                 and (action_id in (select id from actions where case_id = $1) \
                      or submission_id in (select id from submissions where case_id = $1))",
            )
            .bind(case.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("update cases set purged_at = $2, updated_at = $2 where id = $1")
                .bind(case.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let record = AuditRecord {
                actor: Actor::System,
                organisation_id: Some(OrganisationId(platform)),
                action: "case.purge".into(),
                subject_type: "case".into(),
                subject_id: case.to_string(),
                details: serde_json::json!({
                    "preserved_until": until.to_rfc3339(),
                    "submissions": submissions.len(),
                    "media": media.len(),
                })
                .to_string(),
            };
            append_audit_batch!(tx, std::slice::from_ref(&record), now, sequence, previous_hash);
            tx.commit().await?;
            PurgedCase { case_id: case, submissions: submissions.len() as u64, media }
        });
        Ok(Some(purged))
    }
}

/// A submission's details cut down to the fields the purge keeps (and that a reader who has not
/// opened preserved content sees). Details that are not a JSON
/// object (never written so) keep nothing.
pub fn kept_details(details: &str) -> String {
    let kept: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(details) {
        Ok(serde_json::Value::Object(fields)) => {
            fields.into_iter().filter(|(name, _)| DETAILS_KEPT_AFTER_PURGE.contains(&name.as_str())).collect()
        }
        _ => serde_json::Map::new(),
    };
    serde_json::Value::Object(kept).to_string()
}

#[cfg(test)]
mod tests {
    use super::kept_details;

    #[test]
    fn the_purge_keeps_the_legal_act_and_drops_the_content_and_the_people() {
        let order = r#"{"issuing_authority":"OCLCTIC","urls":["https://video.example.net/v/1"],"reference":"R-1",
            "grounds":["a"],"contact_email":"agent@example.gouv.fr","additional_information":"at 02:10"}"#;
        let kept = |details: &str| serde_json::from_str::<serde_json::Value>(&kept_details(details)).unwrap();
        assert_eq!(
            kept(order),
            serde_json::json!({"grounds": ["a"], "issuing_authority": "OCLCTIC", "reference": "R-1"})
        );
        let report = r#"{"url":"https://x.example/p","comment":"look","contact_name":"A","category":"apology"}"#;
        assert_eq!(kept(report), serde_json::json!({"category": "apology"}));
        assert_eq!(kept_details("not json"), "{}");
    }
}
