//! Console sessions, stored only as the hash of their cookie.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::UserId;
use vigie_domain::user::User;

use crate::audit::append_audit;
use crate::{Store, StoreResult, on_pool};

/// A session to open at login.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// SHA-256 (hex) of the cookie value.
    pub secret_hash: String,
    /// Who logged in.
    pub user_id: UserId,
    /// The token every console form must echo back.
    pub csrf_token: String,
    /// When it ends regardless of activity.
    pub expires_at: DateTime<Utc>,
}

/// A live session with its user.
#[derive(Clone, Debug)]
pub struct SessionView {
    /// The session's id.
    pub id: Uuid,
    /// The logged-in user.
    pub user: User,
    /// Whether the user's organisation operates the instance.
    pub organisation_is_operator: bool,
    /// The CSRF token of this session.
    pub csrf_token: String,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Opens a session (a successful login).
    pub async fn insert_session(
        &self,
        session: &NewSession,
        organisation: vigie_domain::ids::OrganisationId,
    ) -> StoreResult<()> {
        let now = self.now();
        let id = Uuid::now_v7();
        let record = AuditRecord {
            actor: Actor::User(session.user_id),
            organisation_id: Some(organisation),
            action: "session.login".into(),
            subject_type: "user".into(),
            subject_id: session.user_id.to_string(),
            details: "{}".into(),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query("delete from sessions where expires_at < $1").bind(now).execute(&mut *tx).await?;
            sqlx::query(
                "insert into sessions (id, secret_hash, user_id, csrf_token, created_at, updated_at, expires_at) \
                 values ($1, $2, $3, $4, $5, $5, $6)",
            )
            .bind(id)
            .bind(&session.secret_hash)
            .bind(session.user_id.0)
            .bind(&session.csrf_token)
            .bind(now)
            .bind(session.expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The live session behind a cookie, if any: not expired, user not disabled.
    pub async fn find_session(&self, secret_hash: &str) -> StoreResult<Option<SessionView>> {
        let now = self.now();
        let found: Option<(Uuid, Uuid, String, DateTime<Utc>, bool)> = on_pool!(self, pool => {
            sqlx::query_as(
                "select s.id, s.user_id, s.csrf_token, s.expires_at, o.is_operator from sessions s \
                 join users u on u.id = s.user_id join organisations o on o.id = u.organisation_id \
                 where s.secret_hash = $1 and s.expires_at > $2 and u.disabled_at is null",
            )
            .bind(secret_hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        let Some((id, user_id, csrf_token, expires_at, organisation_is_operator)) = found else {
            return Ok(None);
        };
        let user = self.get_user(UserId(user_id)).await?;
        Ok(Some(SessionView { id, user, organisation_is_operator, csrf_token, expires_at }))
    }

    /// Ends a session (logout).
    pub async fn delete_session(&self, session: &SessionView) -> StoreResult<()> {
        let now = self.now();
        let record = AuditRecord {
            actor: Actor::User(session.user.id),
            organisation_id: Some(session.user.organisation_id),
            action: "session.logout".into(),
            subject_type: "user".into(),
            subject_id: session.user.id.to_string(),
            details: "{}".into(),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query("delete from sessions where id = $1").bind(session.id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
