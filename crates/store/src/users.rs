//! Users and their roles.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::{Actor, Role, RoleSet};
use vigie_domain::audit::AuditRecord;
use vigie_domain::ids::{OrganisationId, UserId};
use vigie_domain::user::{NewUser, User};
use vigie_domain::validate::Email;

use crate::audit::append_audit;
use crate::organisations::corrupt;
use crate::{Store, StoreError, StoreResult, on_pool};

/// One row per (user, role); users without roles come back once with a null role.
#[derive(sqlx::FromRow)]
struct UserRoleRow {
    id: Uuid,
    organisation_id: Uuid,
    email: String,
    display_name: String,
    disabled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    role: Option<String>,
}

const SELECT_USERS: &str = "select u.id, u.organisation_id, u.email, u.display_name, u.disabled_at, u.created_at, \
                            r.role from users u left join user_roles r on r.user_id = u.id";

/// Folds joined rows back into users, in the order their first row came.
fn fold_users(rows: Vec<UserRoleRow>) -> StoreResult<Vec<User>> {
    let mut order = Vec::new();
    let mut roles: BTreeMap<Uuid, Vec<Role>> = BTreeMap::new();
    let mut users: BTreeMap<Uuid, User> = BTreeMap::new();
    for row in rows {
        if let Some(role) = &row.role {
            let role = Role::parse(role).map_err(|problem| corrupt("user_roles", row.id, problem))?;
            roles.entry(row.id).or_default().push(role);
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = users.entry(row.id) {
            order.push(row.id);
            let email = Email::parse(&row.email).map_err(|problem| corrupt("users", row.id, problem))?;
            slot.insert(User {
                id: UserId(row.id),
                organisation_id: OrganisationId(row.organisation_id),
                email,
                display_name: row.display_name,
                roles: RoleSet::default(),
                disabled_at: row.disabled_at,
                created_at: row.created_at,
            });
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|id| {
            let mut user = users.remove(&id)?;
            user.roles = RoleSet::of(roles.get(&id).map(Vec::as_slice).unwrap_or_default());
            Some(user)
        })
        .collect())
}

/// What an admin may change about a user.
#[derive(Clone, Debug, Default)]
pub struct UserChange {
    /// New roles, replacing the old ones.
    pub roles: Option<RoleSet>,
    /// Disable (`true`) or re-enable (`false`). Disabling ends the user's sessions.
    pub disabled: Option<bool>,
    /// New display name.
    pub display_name: Option<String>,
}

/// A user's login data.
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Argon2 PHC string, `None` if no password was ever set.
    pub password_hash: Option<String>,
}

impl Store {
    /// Creates a user. `Conflict { constraint: "users_email_key" }` if the email is taken.
    pub async fn insert_user(&self, user: &NewUser, password_hash: Option<&str>, actor: Actor) -> StoreResult<User> {
        let now = self.now();
        let id = UserId::new_v7();
        let roles: Vec<&str> = user.roles.iter().map(Role::as_str).collect();
        let record = AuditRecord {
            actor,
            organisation_id: Some(user.organisation_id),
            action: "user.create".into(),
            subject_type: "user".into(),
            subject_id: id.to_string(),
            details: format!(r#"{{"roles":["{}"]}}"#, roles.join(r#"",""#)),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query(
                "insert into users (id, organisation_id, email, display_name, password_hash, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(id.0)
            .bind(user.organisation_id.0)
            .bind(user.email.as_str())
            .bind(&user.display_name)
            .bind(password_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for role in &roles {
                sqlx::query("insert into user_roles (user_id, role) values ($1, $2)")
                    .bind(id.0)
                    .bind(*role)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(User {
            id,
            organisation_id: user.organisation_id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            roles: user.roles,
            disabled_at: None,
            created_at: now,
        })
    }

    /// Users of one organisation, or of all, oldest first.
    pub async fn list_users(&self, organisation: Option<OrganisationId>) -> StoreResult<Vec<User>> {
        let sql = format!("{SELECT_USERS} where ($1 is null or u.organisation_id = $1) order by u.id, r.role");
        let rows: Vec<UserRoleRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(organisation.map(|id| id.0)).fetch_all(pool).await
        })?;
        fold_users(rows)
    }

    /// One user, or `NotFound`.
    pub async fn get_user(&self, id: UserId) -> StoreResult<User> {
        let sql = format!("{SELECT_USERS} where u.id = $1");
        let rows: Vec<UserRoleRow> = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_all(pool).await)?;
        fold_users(rows)?.pop().ok_or(StoreError::NotFound)
    }

    /// The user who logs in with `email`, with its password hash.
    pub async fn find_credentials(&self, email: &Email) -> StoreResult<Option<Credentials>> {
        let found: Option<(Uuid, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as("select id, password_hash from users where email = $1")
                .bind(email.as_str())
                .fetch_optional(pool)
                .await
        })?;
        let Some((id, password_hash)) = found else {
            return Ok(None);
        };
        let user = self.get_user(UserId(id)).await?;
        Ok(Some(Credentials { user, password_hash }))
    }

    /// Applies an admin's change to a user.
    pub async fn update_user(&self, id: UserId, change: &UserChange, actor: Actor) -> StoreResult<User> {
        let now = self.now();
        let before = self.get_user(id).await?;
        let mut facts = Vec::new();
        if let Some(roles) = change.roles {
            let names: Vec<&str> = roles.iter().map(Role::as_str).collect();
            facts.push(format!(r#""roles":["{}"]"#, names.join(r#"",""#)));
        }
        if let Some(disabled) = change.disabled {
            facts.push(format!(r#""disabled":{disabled}"#));
        }
        if change.display_name.is_some() {
            facts.push(r#""display_name_changed":true"#.to_owned());
        }
        let record = AuditRecord {
            actor,
            organisation_id: Some(before.organisation_id),
            action: "user.update".into(),
            subject_type: "user".into(),
            subject_id: id.to_string(),
            details: format!("{{{}}}", facts.join(",")),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query("update users set updated_at = $2 where id = $1").bind(id.0).bind(now).execute(&mut *tx).await?;
            if let Some(roles) = change.roles {
                sqlx::query("delete from user_roles where user_id = $1").bind(id.0).execute(&mut *tx).await?;
                for role in roles.iter() {
                    sqlx::query("insert into user_roles (user_id, role) values ($1, $2)")
                        .bind(id.0)
                        .bind(role.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
            }
            if let Some(name) = &change.display_name {
                sqlx::query("update users set display_name = $2 where id = $1")
                    .bind(id.0)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
            }
            match change.disabled {
                Some(true) => {
                    sqlx::query("update users set disabled_at = coalesce(disabled_at, $2) where id = $1")
                        .bind(id.0)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("delete from sessions where user_id = $1").bind(id.0).execute(&mut *tx).await?;
                }
                Some(false) => {
                    sqlx::query("update users set disabled_at = null where id = $1")
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {}
            }
            tx.commit().await?;
        });
        self.get_user(id).await
    }

    /// Sets a user's password hash (argon2 PHC string) and ends the user's other sessions.
    pub async fn set_password(&self, id: UserId, password_hash: &str, actor: Actor) -> StoreResult<()> {
        let now = self.now();
        let user = self.get_user(id).await?;
        let record = AuditRecord {
            actor,
            organisation_id: Some(user.organisation_id),
            action: "user.set_password".into(),
            subject_type: "user".into(),
            subject_id: id.to_string(),
            details: "{}".into(),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query("update users set password_hash = $2, updated_at = $3 where id = $1")
                .bind(id.0)
                .bind(password_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("delete from sessions where user_id = $1").bind(id.0).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// A user changing their own password from a console session: stores the new hash and ends
    /// the user's other sessions, keeping `session` (the one the change was made from).
    pub async fn change_own_password(&self, session: &crate::SessionView, password_hash: &str) -> StoreResult<()> {
        let now = self.now();
        let user = &session.user;
        let record = AuditRecord {
            actor: Actor::User(user.id),
            organisation_id: Some(user.organisation_id),
            action: "user.change_password".into(),
            subject_type: "user".into(),
            subject_id: user.id.to_string(),
            details: "{}".into(),
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            append_audit!(tx, &record, now);
            sqlx::query("update users set password_hash = $2, updated_at = $3 where id = $1")
                .bind(user.id.0)
                .bind(password_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("delete from sessions where user_id = $1 and id <> $2")
                .bind(user.id.0)
                .bind(session.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// How many enabled admins the operator organisation has (first start creates one if none).
    pub async fn count_operator_admins(&self) -> StoreResult<i64> {
        let count: (i64,) = on_pool!(self, pool => {
            sqlx::query_as(
                "select count(*) from users u join user_roles r on r.user_id = u.id \
                 join organisations o on o.id = u.organisation_id \
                 where r.role = 'admin' and o.is_operator = $1 and u.disabled_at is null",
            )
            .bind(true)
            .fetch_one(pool)
            .await
        })?;
        Ok(count.0)
    }
}
