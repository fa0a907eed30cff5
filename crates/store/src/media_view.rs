//! Showing reported media to reviewers: which media a case holds, each reviewer's protections
//! (blur, greyscale), and downloads of the original files, which are recorded.

use vigie_domain::access::Actor;
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::{CaseId, OrganisationId};
use vigie_domain::media_view::MediaPreferences;

use crate::audit::append_audit;
use crate::intake::{MEDIA_COLUMNS, MediaRecord};
use crate::{Store, StoreError, StoreResult, on_pool};

/// Whose preferences a write changes.
enum Table {
    Users,
    Tokens,
}

impl Store {
    /// The media with this SHA-256 if one of the case's submissions holds it: what a reviewer
    /// of the case may be shown. A merged case holds nothing (its submissions moved).
    pub async fn find_case_media(&self, case: CaseId, sha256: &str) -> StoreResult<Option<MediaRecord>> {
        let sql = format!(
            "select {MEDIA_COLUMNS} from media where sha256 = $2 and id in \
             (select sm.media_id from submission_media sm join submissions s on s.id = sm.submission_id \
              where s.case_id = $1)"
        );
        Ok(on_pool!(self, pool => sqlx::query_as(&sql).bind(case.0).bind(sha256).fetch_optional(pool).await)?)
    }

    /// Records that `actor` downloaded the original file of a case's media: one `media.download`
    /// event about the case (so the platform reads it in its trail), naming the file's digest.
    pub async fn record_media_download(
        &self,
        case: CaseId,
        actor_organisation: OrganisationId,
        sha256: &str,
        actor: Actor,
    ) -> StoreResult<()> {
        let now = self.now();
        if !is_sha256_hex(sha256) {
            return Err(StoreError::NotFound);
        }
        let details = format!(r#"{{"sha256":"{sha256}"}}"#);
        let record = AuditRecord {
            actor,
            organisation_id: Some(actor_organisation),
            action: "media.download".into(),
            subject_type: "case".into(),
            subject_id: case.to_string(),
            details,
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            tx.commit().await?;
        });
        Ok(())
    }

    /// How `actor` wants media shown before revealing them: a user's or a token's own choice,
    /// every protection for anyone else. `NotFound` for a user or token that does not exist.
    pub async fn get_media_preferences(&self, actor: Actor) -> StoreResult<MediaPreferences> {
        let row: (bool, bool) = match actor {
            Actor::User(id) => on_pool!(self, pool => {
                sqlx::query_as("select media_blur, media_greyscale from users where id = $1")
                    .bind(id.0)
                    .fetch_one(pool)
                    .await
            })?,
            Actor::Token(id) => on_pool!(self, pool => {
                sqlx::query_as("select media_blur, media_greyscale from api_tokens where id = $1")
                    .bind(id.0)
                    .fetch_one(pool)
                    .await
            })?,
            Actor::Cli | Actor::System | Actor::Public => return Ok(MediaPreferences::PROTECTED),
        };
        Ok(MediaPreferences { blur: row.0, greyscale: row.1 })
    }

    /// Sets a user's or a token's own protections (`actor` is who they belong to, acting for
    /// `organisation`). One audit event (`user.set_media_preferences` or
    /// `token.set_media_preferences`) naming the new values. `NotFound` for an unknown user or
    /// token; other actors have no preferences to set.
    pub async fn set_media_preferences(
        &self,
        actor: Actor,
        organisation: OrganisationId,
        preferences: MediaPreferences,
    ) -> StoreResult<MediaPreferences> {
        let (table, subject_type, id) = match actor {
            Actor::User(id) => (Table::Users, "user", id.0),
            Actor::Token(id) => (Table::Tokens, "token", id.0),
            Actor::Cli | Actor::System | Actor::Public => {
                return Err(StoreError::Other(anyhow::anyhow!("only users and tokens have media preferences")));
            }
        };
        let now = self.now();
        let details = format!(r#"{{"blur":{},"greyscale":{}}}"#, preferences.blur, preferences.greyscale);
        let record = AuditRecord {
            actor,
            organisation_id: Some(organisation),
            action: format!("{subject_type}.set_media_preferences"),
            subject_type: subject_type.into(),
            subject_id: id.to_string(),
            details,
        };
        let sql = match table {
            Table::Users => "update users set media_blur = $2, media_greyscale = $3, updated_at = $4 where id = $1",
            Table::Tokens => {
                "update api_tokens set media_blur = $2, media_greyscale = $3, updated_at = $4 where id = $1"
            }
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            // The audit head first, as every writer takes it: no lock-order inversion with them.
            append_audit!(tx, &record, now);
            let updated = sqlx::query(sql)
                .bind(id)
                .bind(preferences.blur)
                .bind(preferences.greyscale)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if updated == 0 {
                // Dropped without a commit: the event is not recorded either.
                return Err(StoreError::NotFound);
            }
            tx.commit().await?;
        });
        Ok(preferences)
    }
}

/// 64 lower-case hex digits: the only digests media rows hold (and so safe inside JSON as is).
fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}
