//! Organisations.

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_domain::access::Actor;
use vigie_domain::audit::AuditRecord;
use vigie_domain::country::CountryCode;
use vigie_domain::ids::OrganisationId;
use vigie_domain::organisation::{NewOrganisation, Organisation, OrganisationKind, OrganisationRef, Slug};
use vigie_domain::validate::Email;

use crate::audit::append_audit;
use crate::{Store, StoreError, StoreResult, on_pool};

#[derive(sqlx::FromRow)]
struct OrganisationRow {
    id: Uuid,
    name: String,
    slug: Option<String>,
    kind: String,
    country: String,
    contact_email: Option<String>,
    is_operator: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A row that breaks a domain rule means someone edited the database by hand: say which row.
pub(crate) fn corrupt(table: &str, id: impl std::fmt::Display, problem: String) -> StoreError {
    StoreError::Other(anyhow::anyhow!("{table} row {id} is invalid: {problem}"))
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StoreError;

    fn try_from(row: OrganisationRow) -> StoreResult<Self> {
        let bad = |problem| corrupt("organisations", row.id, problem);
        // A row without a slug was inserted by an older node during a rolling upgrade; the next
        // start's `migrate` gives it one. Until then, show the one its name suggests.
        let slug = match &row.slug {
            Some(slug) => Slug::parse(slug).map_err(bad)?,
            None => Slug::from_name(&row.name),
        };
        Ok(Organisation {
            id: OrganisationId(row.id),
            slug,
            kind: OrganisationKind::parse(&row.kind).map_err(bad)?,
            country: CountryCode::parse(&row.country).map_err(bad)?,
            contact_email: row.contact_email.as_deref().map(Email::parse).transpose().map_err(bad)?,
            name: row.name,
            is_operator: row.is_operator,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

const COLUMNS: &str = "id, name, slug, kind, country, contact_email, is_operator, created_at, updated_at";

impl Store {
    /// Creates an organisation. Fails with `Conflict { constraint: "organisations_name_key" }`
    /// when the name is taken, `organisations_slug_key` when the slug given is, or
    /// `organisations_one_operator` for a second operator. Without a slug, the name's is taken,
    /// with the first free numeric suffix.
    pub async fn insert_organisation(
        &self,
        organisation: &NewOrganisation,
        is_operator: bool,
        actor: Actor,
    ) -> StoreResult<Organisation> {
        let now = self.now();
        let id = OrganisationId::new_v7();
        let record = AuditRecord {
            actor,
            organisation_id: Some(id),
            action: "organisation.create".into(),
            subject_type: "organisation".into(),
            subject_id: id.to_string(),
            details: String::new(),
        };
        let slug = on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let slug = match &organisation.slug {
                Some(slug) => slug.clone(),
                None => {
                    // The write lock is held: no other insert picks the same suffix meanwhile
                    // (on PostgreSQL one could, and then fails on `organisations_slug_key`).
                    let base = Slug::from_name(&organisation.name);
                    let taken: Vec<String> = sqlx::query_scalar(
                        "select slug from organisations where slug = $1 or slug like $2",
                    )
                    .bind(base.as_str())
                    .bind(format!("{base}-%"))
                    .fetch_all(&mut *tx)
                    .await?;
                    base.first_free(|candidate| taken.iter().any(|slug| slug == candidate))
                }
            };
            let record = AuditRecord {
                details: format!(
                    r#"{{"kind":"{}","country":"{}","is_operator":{is_operator},"slug":"{slug}"}}"#,
                    organisation.kind.as_str(),
                    organisation.country.as_str()
                ),
                ..record
            };
            sqlx::query(
                "insert into organisations (id, name, slug, kind, country, contact_email, is_operator, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(id.0)
            .bind(&organisation.name)
            .bind(slug.as_str())
            .bind(organisation.kind.as_str())
            .bind(organisation.country.as_str())
            .bind(organisation.contact_email.as_ref().map(Email::as_str))
            .bind(is_operator)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            append_audit!(tx, &record, now);
            tx.commit().await?;
            slug
        });
        Ok(Organisation {
            id,
            name: organisation.name.clone(),
            slug,
            kind: organisation.kind,
            country: organisation.country,
            contact_email: organisation.contact_email.clone(),
            is_operator,
            created_at: now,
            updated_at: now,
        })
    }

    /// All organisations, by name.
    pub async fn list_organisations(&self) -> StoreResult<Vec<Organisation>> {
        let sql = format!("select {COLUMNS} from organisations order by name");
        let rows: Vec<OrganisationRow> = on_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
        rows.into_iter().map(Organisation::try_from).collect()
    }

    /// One organisation, or `NotFound`.
    pub async fn get_organisation(&self, id: OrganisationId) -> StoreResult<Organisation> {
        let sql = format!("select {COLUMNS} from organisations where id = $1");
        let row: OrganisationRow = on_pool!(self, pool => sqlx::query_as(&sql).bind(id.0).fetch_one(pool).await)?;
        row.try_into()
    }

    /// The organisation a request names: by id, else by slug, else by exact name (a slug is
    /// tried first, so a name that is another organisation's slug finds that organisation).
    /// The one resolver behind every place an organisation is named (API, console, CLI, imports).
    pub async fn find_organisation(&self, reference: &OrganisationRef) -> StoreResult<Option<Organisation>> {
        let text = match reference {
            OrganisationRef::Id(id) => {
                return match self.get_organisation(*id).await {
                    Ok(found) => Ok(Some(found)),
                    Err(StoreError::NotFound) => Ok(None),
                    Err(error) => Err(error),
                };
            }
            OrganisationRef::SlugOrName(text) => text,
        };
        let sql = format!(
            "select {COLUMNS} from organisations where slug = $1 or name = $1 \
             order by case when slug = $1 then 0 else 1 end limit 1"
        );
        let row: Option<OrganisationRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(text.as_str()).fetch_optional(pool).await)?;
        row.map(Organisation::try_from).transpose()
    }

    /// Gives every organisation without a slug the one its name suggests (first free suffix),
    /// oldest first: run by `migrate`, since folding accents needs Unicode tables SQL lacks.
    /// Part of the schema change, not a state change of the directory: not audited.
    pub(crate) async fn fill_missing_organisation_slugs(&self) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let missing: Vec<(Uuid, String)> =
                sqlx::query_as("select id, name from organisations where slug is null order by created_at, id")
                    .fetch_all(&mut *tx)
                    .await?;
            if !missing.is_empty() {
                let mut taken: std::collections::HashSet<String> =
                    sqlx::query_scalar("select slug from organisations where slug is not null")
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .collect();
                for (id, name) in missing {
                    let slug = Slug::from_name(&name).first_free(|candidate| taken.contains(candidate));
                    sqlx::query("update organisations set slug = $2 where id = $1 and slug is null")
                        .bind(id)
                        .bind(slug.as_str())
                        .execute(&mut *tx)
                        .await?;
                    taken.insert(slug.as_str().to_owned());
                }
                tx.commit().await?;
            }
        });
        Ok(())
    }

    /// The organisation with this exact name, if any.
    pub async fn find_organisation_by_name(&self, name: &str) -> StoreResult<Option<Organisation>> {
        let sql = format!("select {COLUMNS} from organisations where name = $1");
        let row: Option<OrganisationRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(name.trim()).fetch_optional(pool).await)?;
        row.map(Organisation::try_from).transpose()
    }

    /// The organisation that operates this instance, once the first start has created it.
    pub async fn find_operator_organisation(&self) -> StoreResult<Option<Organisation>> {
        let sql = format!("select {COLUMNS} from organisations where is_operator = $1");
        let row: Option<OrganisationRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).bind(true).fetch_optional(pool).await)?;
        row.map(Organisation::try_from).transpose()
    }

    /// Replaces an organisation's editable details (all but its operator flag); a `slug` of
    /// `None` keeps the current one. Fails with `Conflict` as [`Store::insert_organisation`].
    pub async fn update_organisation(
        &self,
        id: OrganisationId,
        details: &NewOrganisation,
        actor: Actor,
    ) -> StoreResult<Organisation> {
        let now = self.now();
        let record = AuditRecord {
            actor,
            organisation_id: Some(id),
            action: "organisation.update".into(),
            subject_type: "organisation".into(),
            subject_id: id.to_string(),
            details: match &details.slug {
                Some(slug) => format!(
                    r#"{{"kind":"{}","country":"{}","slug":"{slug}"}}"#,
                    details.kind.as_str(),
                    details.country.as_str()
                ),
                None => format!(r#"{{"kind":"{}","country":"{}"}}"#, details.kind.as_str(), details.country.as_str()),
            },
        };
        on_pool!(self, pool => {
            let mut tx = crate::transaction::WriteTx::begin(pool).await?;
            let updated = sqlx::query(
                "update organisations set name = $2, kind = $3, country = $4, contact_email = $5, updated_at = $6, \
                 slug = coalesce($7, slug) where id = $1",
            )
            .bind(id.0)
            .bind(&details.name)
            .bind(details.kind.as_str())
            .bind(details.country.as_str())
            .bind(details.contact_email.as_ref().map(Email::as_str))
            .bind(now)
            .bind(details.slug.as_ref().map(Slug::as_str))
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, &record, now);
            tx.commit().await?;
        });
        self.get_organisation(id).await
    }
}
