//! API tokens, stored only as the hash of their secret.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::{Actor, Role, RoleSet};
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::{OrganisationId, TokenId};
use vigie_domain::token::{ApiToken, TokenHash};

use crate::audit::append_audit;
use crate::organisations::corrupt;
use crate::{Store, StoreError, StoreResult, on_pool};

/// A token to create.
#[derive(Clone, Debug)]
pub struct NewToken {
    /// The organisation it acts for.
    pub organisation_id: OrganisationId,
    /// What it is for.
    pub name: String,
    /// The roles it grants.
    pub roles: RoleSet,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// Hash of its secret.
    pub secret_hash: TokenHash,
}

/// A token found by its secret, with what authentication needs about its organisation.
#[derive(Clone, Debug)]
pub struct TokenOwner {
    /// The token.
    pub token: ApiToken,
    /// Whether its organisation operates the instance.
    pub organisation_is_operator: bool,
}

#[derive(sqlx::FromRow)]
struct TokenRoleRow {
    id: Uuid,
    organisation_id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    is_operator: bool,
    role: Option<String>,
}

const SELECT_TOKENS: &str = "select t.id, t.organisation_id, t.name, t.created_at, t.expires_at, t.revoked_at, \
                             t.last_used_at, o.is_operator, r.role from api_tokens t \
                             join organisations o on o.id = t.organisation_id \
                             left join api_token_roles r on r.token_id = t.id";

fn fold_tokens(rows: Vec<TokenRoleRow>) -> StoreResult<Vec<TokenOwner>> {
    let mut order = Vec::new();
    let mut found: BTreeMap<Uuid, (TokenOwner, Vec<Role>)> = BTreeMap::new();
    for row in rows {
        let role = row
            .role
            .as_deref()
            .map(Role::parse)
            .transpose()
            .map_err(|problem| corrupt("api_token_roles", row.id, problem))?;
        let entry = found.entry(row.id).or_insert_with(|| {
            order.push(row.id);
            let token = ApiToken {
                id: TokenId(row.id),
                organisation_id: OrganisationId(row.organisation_id),
                name: row.name,
                roles: RoleSet::default(),
                created_at: row.created_at,
                expires_at: row.expires_at,
                revoked_at: row.revoked_at,
                last_used_at: row.last_used_at,
            };
            (TokenOwner { token, organisation_is_operator: row.is_operator }, Vec::new())
        });
        entry.1.extend(role);
    }
    Ok(order
        .into_iter()
        .filter_map(|id| {
            let (mut owner, roles) = found.remove(&id)?;
            owner.token.roles = RoleSet::of(&roles);
            Some(owner)
        })
        .collect())
}

impl Store {
    /// Stores a new token.
    pub async fn insert_token(&self, token: &NewToken, actor: Actor) -> StoreResult<ApiToken> {
        let now = self.now();
        let id = TokenId::new_v7();
        let roles: Vec<&str> = token.roles.iter().map(Role::as_str).collect();
        let expiry = token.expires_at.map(|at| format!(r#""{}""#, at.to_rfc3339())).unwrap_or("null".into());
        let record = AuditRecord {
            actor,
            organisation_id: Some(token.organisation_id),
            action: "token.create".into(),
            subject_type: "token".into(),
            subject_id: id.to_string(),
            details: format!(r#"{{"roles":["{}"],"expires_at":{expiry}}}"#, roles.join(r#"",""#)),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query(
                "insert into api_tokens (id, organisation_id, name, secret_hash, created_at, updated_at, expires_at) \
                 values ($1, $2, $3, $4, $5, $5, $6)",
            )
            .bind(id.0)
            .bind(token.organisation_id.0)
            .bind(&token.name)
            .bind(&token.secret_hash.0)
            .bind(now)
            .bind(token.expires_at)
            .execute(&mut *tx)
            .await?;
            for role in &roles {
                sqlx::query("insert into api_token_roles (token_id, role) values ($1, $2)")
                    .bind(id.0)
                    .bind(*role)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(ApiToken {
            id,
            organisation_id: token.organisation_id,
            name: token.name.clone(),
            roles: token.roles,
            created_at: now,
            expires_at: token.expires_at,
            revoked_at: None,
            last_used_at: None,
        })
    }

    /// Tokens of one organisation, or of all, oldest first.
    pub async fn list_tokens(&self, organisation: Option<OrganisationId>) -> StoreResult<Vec<ApiToken>> {
        let sql = format!("{SELECT_TOKENS} where ($1 is null or t.organisation_id = $1) order by t.id, r.role");
        let rows: Vec<TokenRoleRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(organisation.map(|id| id.0)).fetch_all(pool).await
        })?;
        Ok(fold_tokens(rows)?.into_iter().map(|owner| owner.token).collect())
    }

    /// One token, or `NotFound`.
    pub async fn get_token(&self, id: TokenId) -> StoreResult<ApiToken> {
        let sql = format!("{SELECT_TOKENS} where t.id = $1");
        let rows: Vec<TokenRoleRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_all(pool).await)?;
        fold_tokens(rows)?.pop().map(|owner| owner.token).ok_or(StoreError::NotFound)
    }

    /// The token whose secret hashes to `hash`, whatever its state (the caller checks expiry and
    /// revocation, so it can tell the client which).
    pub async fn find_token_by_hash(&self, hash: &TokenHash) -> StoreResult<Option<TokenOwner>> {
        let sql = format!("{SELECT_TOKENS} where t.secret_hash = $1");
        let rows: Vec<TokenRoleRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(&hash.0).fetch_all(pool).await)?;
        Ok(fold_tokens(rows)?.pop())
    }

    /// Revokes a token; revoking a revoked token changes nothing and records nothing.
    pub async fn revoke_token(&self, id: TokenId, actor: Actor) -> StoreResult<ApiToken> {
        let now = self.now();
        let token = self.get_token(id).await?;
        if token.revoked_at.is_some() {
            return Ok(token);
        }
        let record = AuditRecord {
            actor,
            organisation_id: Some(token.organisation_id),
            action: "token.revoke".into(),
            subject_type: "token".into(),
            subject_id: id.to_string(),
            details: "{}".into(),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query("update api_tokens set revoked_at = $2, updated_at = $2 where id = $1 and revoked_at is null")
                .bind(id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        self.get_token(id).await
    }

    /// A value that changes whenever any token is revoked: nodes that cache authenticated
    /// tokens compare it every second and forget them all when it moves.
    pub async fn token_revocation_mark(&self) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
        let mark: (i64, Option<DateTime<Utc>>) = on_pool!(self, pool => {
            sqlx::query_as("select count(*), max(revoked_at) from api_tokens where revoked_at is not null")
                .fetch_one(pool)
                .await
        })?;
        Ok(mark)
    }

    /// Notes that a token was used, at most once a minute per token so that busy API clients do
    /// not turn every read into a write. Bookkeeping, not audited.
    pub async fn touch_token(&self, id: TokenId) -> StoreResult<()> {
        let now = self.now();
        let a_minute_ago = now - chrono::Duration::minutes(1);
        on_pool!(self, pool => {
            sqlx::query(
                "update api_tokens set last_used_at = $2 where id = $1 \
                 and (last_used_at is null or last_used_at < $3)",
            )
            .bind(id.0)
            .bind(now)
            .bind(a_minute_ago)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        Ok(())
    }
}
