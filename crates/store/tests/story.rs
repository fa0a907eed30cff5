//! The store's story on both backends: migrations, every write leaving one chained audit event,
//! atomicity of refused writes, concurrency, and tamper detection.

use vigie_domain::access::{Actor, Role, RoleSet};
use vigie_domain::organisation::OrganisationDraft;
use vigie_domain::user::NewUser;
use vigie_domain::validate::Email;
use vigie_store::testing::{TestDatabase, backends};
use vigie_store::{Backend, Store, StoreError};

fn organisation(name: &str) -> vigie_domain::organisation::NewOrganisation {
    OrganisationDraft { name, kind: "platform", country: "FR", ..Default::default() }.validate().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrations_are_idempotent_and_safe_in_parallel() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await.unwrap();
        let first = Store::connect(&database.url).await.unwrap();
        let second = Store::connect(&database.url).await.unwrap();
        // Two nodes starting at once on an empty database, then again.
        let (a, b) = tokio::join!(first.migrate(), second.migrate());
        a.unwrap();
        b.unwrap();
        first.migrate().await.unwrap();
        assert_eq!(first.verify_audit_chain().await.unwrap().events_checked, 0);
        first.close().await;
        second.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refused_writes_leave_no_trace() {
    for backend in backends() {
        let (_database, store) = TestDatabase::store(backend).await.unwrap();
        store.insert_organisation(&organisation("Same"), false, Actor::System).await.unwrap();
        let error = store.insert_organisation(&organisation("Same"), false, Actor::System).await.unwrap_err();
        assert!(
            matches!(error, StoreError::Conflict { ref constraint } if constraint == "organisations_name_key"),
            "{error:?}"
        );
        // A second operator is refused by the database itself.
        store.insert_organisation(&organisation("Op"), true, Actor::System).await.unwrap();
        let error = store.insert_organisation(&organisation("Op2"), true, Actor::System).await.unwrap_err();
        assert!(
            matches!(error, StoreError::Conflict { ref constraint } if constraint == "organisations_one_operator"),
            "{error:?}"
        );

        let org = store.find_organisation_by_name("Same").await.unwrap().unwrap();
        let user = NewUser {
            organisation_id: org.id,
            email: Email::parse("a@b.org").unwrap(),
            display_name: "A".into(),
            roles: RoleSet::of(&[Role::Reviewer, Role::Viewer]),
        };
        store.insert_user(&user, None, Actor::System).await.unwrap();
        let error = store.insert_user(&user, None, Actor::System).await.unwrap_err();
        assert!(
            matches!(error, StoreError::Conflict { ref constraint } if constraint == "users_email_key"),
            "{error:?}"
        );

        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!(report.first_break, None);
        assert_eq!(report.events_checked, 3, "one event per successful write, none for refused ones ({backend:?})");
        let users = store.list_users(Some(org.id)).await.unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].roles, RoleSet::of(&[Role::Reviewer, Role::Viewer]));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_keep_one_unbroken_chain() {
    for backend in backends() {
        let (database, store) = TestDatabase::store(backend).await.unwrap();
        // A second pool stands for a second node on the same database.
        let other_node = Store::connect(&database.url).await.unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for index in 0..40 {
            let store = if index % 2 == 0 { store.clone() } else { other_node.clone() };
            tasks.spawn(async move {
                store.insert_organisation(&organisation(&format!("Org {index}")), false, Actor::Cli).await
            });
        }
        while let Some(result) = tasks.join_next().await {
            result.unwrap().unwrap();
        }
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!(report.first_break, None, "{backend:?}");
        assert_eq!(report.events_checked, 40);
        let page = store.list_audit_events(None, None, 500).await.unwrap();
        let sequences: Vec<i64> = page.events.iter().rev().map(|event| event.sequence).collect();
        assert_eq!(sequences, (1..=40).collect::<Vec<_>>());
        other_node.close().await;
    }
}

/// Issue 13, item 5: organisations are named by id, slug or exact name through one resolver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_13_organisations_have_unique_slugs() {
    use vigie_domain::organisation::{OrganisationRef, Slug};
    for backend in backends() {
        let (database, store) = TestDatabase::store(backend).await.unwrap();
        let first = store.insert_organisation(&organisation("Forum Libre"), false, Actor::System).await.unwrap();
        assert_eq!(first.slug.as_str(), "forum-libre");
        // Another name suggesting the same slug gets the first free suffix.
        let second = store.insert_organisation(&organisation("Forum, libre!"), false, Actor::System).await.unwrap();
        assert_eq!(second.slug.as_str(), "forum-libre-2");
        // A slug given is kept as is, and must be free.
        let mut given = organisation("Unité nationale");
        given.slug = Some(Slug::parse("unit").unwrap());
        let third = store.insert_organisation(&given, false, Actor::System).await.unwrap();
        assert_eq!(third.slug.as_str(), "unit");
        let mut clash = organisation("Other");
        clash.slug = Some(Slug::parse("forum-libre").unwrap());
        let error = store.insert_organisation(&clash, false, Actor::System).await.unwrap_err();
        assert!(matches!(error, StoreError::Conflict { ref constraint } if constraint == "organisations_slug_key"));

        let find = |text: &str| {
            let reference = OrganisationRef::parse(text).unwrap();
            let store = &store;
            async move { store.find_organisation(&reference).await.unwrap().map(|found| found.id) }
        };
        assert_eq!(find(&first.id.to_string()).await, Some(first.id));
        assert_eq!(find("forum-libre-2").await, Some(second.id));
        assert_eq!(find("Unité nationale").await, Some(third.id));
        assert_eq!(find("nothing-here").await, None);
        assert_eq!(find(&vigie_domain::ids::OrganisationId::new_v7().to_string()).await, None);
        // A name that is another organisation's slug: the slug wins.
        let named_like_a_slug = store.insert_organisation(&organisation("unit"), false, Actor::System).await.unwrap();
        assert_eq!(named_like_a_slug.slug.as_str(), "unit-2");
        assert_eq!(find("unit").await, Some(third.id));

        // Renaming keeps the slug; changing it is explicit.
        let mut renamed = organisation("Forum Libre renamed");
        store.update_organisation(first.id, &renamed, Actor::System).await.unwrap();
        assert_eq!(find("forum-libre").await, Some(first.id));
        renamed.slug = Some(Slug::parse("forum").unwrap());
        let updated = store.update_organisation(first.id, &renamed, Actor::System).await.unwrap();
        assert_eq!(updated.slug.as_str(), "forum");
        assert_eq!(find("forum-libre").await, None);

        // Rows from before migration 9 get theirs when migrating, oldest first.
        execute_raw(database.url.expose(), backend, "update organisations set slug = null").await;
        store.migrate().await.unwrap();
        let slugs: Vec<(String, String)> = store
            .list_organisations()
            .await
            .unwrap()
            .into_iter()
            .map(|found| (found.name, found.slug.as_str().to_owned()))
            .collect();
        assert_eq!(
            slugs,
            [
                ("Forum Libre renamed".to_owned(), "forum-libre-renamed".to_owned()),
                ("Forum, libre!".to_owned(), "forum-libre".to_owned()),
                ("Unité nationale".to_owned(), "unite-nationale".to_owned()),
                ("unit".to_owned(), "unit".to_owned()),
            ]
        );
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);
    }
}

async fn execute_raw(url: &str, backend: Backend, sql: &str) {
    use sqlx::Connection;
    match backend {
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query(sql).execute(&mut connection).await.unwrap();
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(sql).execute(&mut connection).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_with_the_trail_is_detected() {
    for backend in backends() {
        let (database, store) = TestDatabase::store(backend).await.unwrap();
        for index in 0..5 {
            store.insert_organisation(&organisation(&format!("Org {index}")), false, Actor::System).await.unwrap();
        }
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);

        // Someone with database access rewrites who did something.
        execute_raw(database.url.expose(), backend, "update audit_events set actor_kind = 'cli' where sequence = 3")
            .await;
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!(report.first_break.as_ref().map(|b| b.sequence), Some(3), "{backend:?}");
        assert_eq!(report.events_checked, 2);
        execute_raw(database.url.expose(), backend, "update audit_events set actor_kind = 'system' where sequence = 3")
            .await;
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);

        // ...or deletes the last event: the recorded head no longer matches.
        execute_raw(database.url.expose(), backend, "delete from audit_events where sequence = 5").await;
        let report = store.verify_audit_chain().await.unwrap();
        assert!(report.first_break.is_some(), "deleting the newest event must be detected ({backend:?})");

        // ...or one in the middle.
        execute_raw(database.url.expose(), backend, "delete from audit_events where sequence = 2").await;
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break.map(|b| b.sequence), Some(2));
    }
}

fn submission(platform: vigie_domain::ids::OrganisationId, url: &str) -> vigie_domain::intake::NewSubmission {
    use vigie_domain::intake::{ContentKey, NewSubmission, Priority, SubmissionKind};
    NewSubmission {
        id: vigie_domain::ids::SubmissionId::new_v7(),
        number: vigie_domain::intake::SubmissionNumber::from_random(uuid::Uuid::now_v7().as_u64_pair().1.to_le_bytes()),
        kind: SubmissionKind::UserReport,
        platform_id: platform,
        submitter_id: None,
        actor: Actor::Public,
        reference: None,
        idempotency: None,
        priority: Priority::Low,
        window: chrono::Duration::hours(72),
        trusted_flagger: false,
        urls: vec![url.into()],
        content_keys: vec![ContentKey::Url(url.into())],
        media: Vec::new(),
        matches: Vec::new(),
        details: "{}".into(),
    }
}

/// A batch of submissions is one transaction: when any part of it fails, none of it is stored
/// (no submission without its case, no case without its submission, no audit event), and a
/// concurrent batch from another node groups into the same case without a race.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn submission_batches_are_all_or_nothing() {
    for backend in backends() {
        let (database, store) = TestDatabase::store(backend).await.unwrap();
        let platform = store.insert_organisation(&organisation("Platform"), true, Actor::System).await.unwrap().id;
        let events_before = store.verify_audit_chain().await.unwrap().events_checked;
        let mut broken = submission(platform, "https://a.example/2");
        // Media that was never stored: the insert fails half-way through the batch.
        broken.media = vec!["00".repeat(32)];
        let batch = [submission(platform, "https://a.example/1"), broken, submission(platform, "https://a.example/3")];
        assert!(store.record_submissions(&batch).await.is_err());
        let filter = vigie_store::CaseFilter { limit: 100, ..Default::default() };
        assert!(store.list_cases(&filter).await.unwrap().is_empty(), "{backend:?}: a case was left behind");
        assert!(store.get_submission(batch[0].id).await.is_err());
        assert_eq!(store.verify_audit_chain().await.unwrap().events_checked, events_before);

        // Two nodes storing submissions about the same URL at the same moment: one case.
        let other_node = Store::connect(&database.url).await.unwrap();
        let mut handles = Vec::new();
        for node in 0..8 {
            let store = if node % 2 == 0 { store.clone() } else { other_node.clone() };
            handles.push(tokio::spawn(async move {
                store.record_submissions(&[submission(platform, "https://same.example/x")]).await.unwrap()
            }));
        }
        for handle in handles {
            handle.await.unwrap();
        }
        let cases = store.list_cases(&filter).await.unwrap();
        assert_eq!(cases.len(), 1, "{backend:?}");
        assert_eq!(cases[0].submission_count, 8);
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);
        other_node.close().await;
    }
}

/// A store with five audit events; the third is a user's (so it has an actor id).
async fn five_events(backend: Backend) -> (vigie_store::testing::TestDatabase, Store) {
    let (database, store) = TestDatabase::store(backend).await.unwrap();
    for index in 0..5 {
        let actor = if index == 2 { Actor::User(vigie_domain::ids::UserId(uuid::Uuid::now_v7())) } else { Actor::Cli };
        store.insert_organisation(&organisation(&format!("Org {index}")), false, actor).await.unwrap();
    }
    assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);
    (database, store)
}

/// Issue 9: a row that cannot be decoded is reported by its sequence number, by verification
/// and by listing, instead of failing them (or, on PostgreSQL, panicking in the driver).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_9_damaged_rows_are_named_not_fatal() {
    use vigie_domain::audit::BreakKind;
    for backend in backends() {
        // PostgreSQL's typed columns cannot hold text in a timestamp or 3 bytes in a UUID: the
        // nearest damage there is a time chrono cannot represent, and a user's event without
        // its user id.
        let damages = [
            (
                "recorded_at",
                match backend {
                    Backend::Sqlite => "update audit_events set recorded_at = 'garbage' where sequence = 3",
                    Backend::Postgres => "update audit_events set recorded_at = 'infinity' where sequence = 3",
                },
            ),
            (
                "actor_id",
                match backend {
                    Backend::Sqlite => "update audit_events set actor_id = x'010203' where sequence = 3",
                    Backend::Postgres => "update audit_events set actor_id = null where sequence = 3",
                },
            ),
        ];
        for (column, damage) in damages {
            let (database, store) = five_events(backend).await;
            execute_raw(database.url.expose(), backend, damage).await;
            let report = store.verify_audit_chain().await.unwrap();
            let chain_break = report.first_break.expect("damage found");
            assert_eq!((chain_break.sequence, chain_break.kind), (3, BreakKind::Unreadable), "{backend:?} {column}");
            assert!(chain_break.reason.contains(column), "{backend:?}: {}", chain_break.reason);
            assert_eq!(report.events_checked, 2);
            let page = store.list_audit_events(None, None, 50).await.unwrap();
            assert_eq!(page.events.len(), 4, "{backend:?} {column}");
            assert_eq!(page.unreadable.len(), 1);
            assert_eq!(page.unreadable[0].sequence, 3);
            assert!(page.unreadable[0].problem.contains(column));
        }

        // An edited detail.
        let (database, store) = five_events(backend).await;
        execute_raw(
            database.url.expose(),
            backend,
            r#"update audit_events set details = '{"kind":"ngo"}' where sequence = 3"#,
        )
        .await;
        let chain_break = store.verify_audit_chain().await.unwrap().first_break.unwrap();
        assert_eq!((chain_break.sequence, chain_break.kind), (3, BreakKind::Altered), "{backend:?}");

        // A deleted middle row.
        let (database, store) = five_events(backend).await;
        execute_raw(database.url.expose(), backend, "delete from audit_events where sequence = 2").await;
        let chain_break = store.verify_audit_chain().await.unwrap().first_break.unwrap();
        assert_eq!((chain_break.sequence, chain_break.kind), (2, BreakKind::Missing), "{backend:?}");

        // The last row deleted and `audit_head` moved back: the chain alone cannot tell (the
        // signed checkpoints exist for this), but a walk from a checkpoint of event 5 can.
        let (database, store) = five_events(backend).await;
        let head = store.audit_head().await.unwrap();
        assert_eq!(head.sequence, 5);
        execute_raw(database.url.expose(), backend, "delete from audit_events where sequence = 5").await;
        execute_raw(
            database.url.expose(),
            backend,
            "update audit_head set last_sequence = 4, \
             last_hash = (select hash from audit_events where sequence = 4) where id = 1",
        )
        .await;
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None, "{backend:?}");
        let walk = store.walk_audit_chain(&head, None, &Default::default()).await.unwrap();
        assert_eq!(walk.first_break.map(|b| (b.sequence, b.kind)), Some((5, BreakKind::Missing)), "{backend:?}");
    }
}

/// Issue 9: checkpoints are stored, listed latest first, and a periodic one is not stored
/// twice for the same head (nodes racing for it store one).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issue_9_checkpoints_are_stored_once_per_head() {
    for backend in backends() {
        let (database, store) = five_events(backend).await;
        let other_node = Store::connect(&database.url).await.unwrap();
        let now = store.now();
        let (first, second) = tokio::join!(
            store.insert_audit_checkpoint(5, now, "note a\n", true),
            other_node.insert_audit_checkpoint(5, now, "note b\n", true),
        );
        let stored: Vec<_> = [first.unwrap(), second.unwrap()].into_iter().flatten().collect();
        assert_eq!(stored.len(), 1, "{backend:?}: both nodes stored a periodic checkpoint");
        // On demand, one is always stored.
        assert!(store.insert_audit_checkpoint(5, now, "note c\n", false).await.unwrap().is_some());
        assert!(store.insert_audit_checkpoint(5, now, "note d\n", true).await.unwrap().is_none());
        let listed = store.list_audit_checkpoints(None, 10).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|row| row.as_ref().unwrap().sequence == 5));
        assert_eq!(store.audit_checkpoint_sequences().await.unwrap().into_iter().collect::<Vec<_>>(), vec![5]);
        // A damaged checkpoint row is named, not fatal.
        let damage = match backend {
            Backend::Sqlite => "update audit_checkpoints set signed_at = 'garbage' where note like 'note c%'",
            Backend::Postgres => "update audit_checkpoints set signed_at = '-infinity' where note like 'note c%'",
        };
        execute_raw(database.url.expose(), backend, damage).await;
        let rows = store.audit_checkpoints_page(0, 10).await.unwrap();
        assert_eq!(rows.iter().filter(|row| row.is_err()).count(), 1, "{backend:?}");
        // Checkpoints are not audit events: the chain did not move.
        assert_eq!(store.audit_head().await.unwrap().sequence, 5);
        other_node.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_14_each_reviewer_keeps_their_own_media_protections() {
    use vigie_domain::ids::UserId;
    use vigie_domain::media_view::MediaPreferences;
    for backend in backends() {
        let (_database, store) = TestDatabase::store(backend).await.unwrap();
        let org = store.insert_organisation(&organisation("Videoshare"), false, Actor::System).await.unwrap();
        let new_user = |email: &str| NewUser {
            organisation_id: org.id,
            email: Email::parse(email).unwrap(),
            display_name: "R".into(),
            roles: RoleSet::of(&[Role::Reviewer]),
        };
        let rita = store.insert_user(&new_user("rita@videoshare.example"), None, Actor::System).await.unwrap();
        let remy = store.insert_user(&new_user("remy@videoshare.example"), None, Actor::System).await.unwrap();
        let events = store.verify_audit_chain().await.unwrap().events_checked;
        assert_eq!(store.get_media_preferences(Actor::User(rita.id)).await.unwrap(), MediaPreferences::PROTECTED);
        let chosen = MediaPreferences { blur: false, greyscale: true };
        store.set_media_preferences(Actor::User(rita.id), org.id, chosen).await.unwrap();
        assert_eq!(store.get_media_preferences(Actor::User(rita.id)).await.unwrap(), chosen);
        assert_eq!(store.get_media_preferences(Actor::User(remy.id)).await.unwrap(), MediaPreferences::PROTECTED);
        // Actors without an account of their own always get every protection.
        assert_eq!(store.get_media_preferences(Actor::System).await.unwrap(), MediaPreferences::PROTECTED);
        // An unknown user: not found, and nothing recorded.
        let nobody = Actor::User(UserId::new_v7());
        assert!(matches!(store.set_media_preferences(nobody, org.id, chosen).await, Err(StoreError::NotFound)));
        assert!(matches!(store.get_media_preferences(nobody).await, Err(StoreError::NotFound)));
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!((report.events_checked, report.first_break), (events + 1, None), "{backend:?}");
    }
}
