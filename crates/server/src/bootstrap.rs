//! First start (the operator organisation and its first admin) and the demo world.

use vigie_domain::access::{Actor, Role, RoleSet};
use vigie_domain::country::CountryCode;
use vigie_domain::organisation::{NewOrganisation, Organisation, OrganisationDraft, OrganisationKind, Slug};
use vigie_domain::user::NewUser;
use vigie_domain::validate::Email;
use vigie_store::Store;

use crate::app::{self, AppError, InitialPassword};

/// Who operates this instance, from the configuration.
#[derive(Clone, Debug)]
pub struct OperatorSettings {
    /// Name of the operator organisation.
    pub name: String,
    /// Its kind (usually a platform).
    pub kind: String,
    /// Its country.
    pub country: String,
    /// Its contact point, also the first admin's login.
    pub admin_email: String,
    /// The first admin's password; generated and printed once when absent.
    pub admin_password: Option<String>,
}

impl Default for OperatorSettings {
    fn default() -> Self {
        Self {
            name: "Operator".into(),
            kind: "platform".into(),
            country: "EU".into(),
            admin_email: "admin@vigie.local".into(),
            admin_password: None,
        }
    }
}

/// What the first start did, for the log.
pub struct FirstStart {
    /// The operator organisation.
    pub operator: Organisation,
    /// Set when an admin was created now: its email and, if generated, its password.
    pub created_admin: Option<(String, Option<String>)>,
}

/// Makes sure the operator organisation exists (without creating its first admin, which only
/// `vigie serve` does, where its password can be shown). Safe to call from several processes at
/// once: the database's uniqueness rules decide who creates it.
pub async fn ensure_operator_organisation(
    store: &Store,
    settings: &OperatorSettings,
) -> Result<Organisation, AppError> {
    match store.find_operator_organisation().await? {
        Some(operator) => Ok(operator),
        None => {
            let draft = OrganisationDraft {
                name: &settings.name,
                slug: None,
                kind: &settings.kind,
                country: &settings.country,
                contact_email: &settings.admin_email,
            };
            let organisation = draft.validate()?;
            match store.insert_organisation(&organisation, true, Actor::System).await {
                Ok(operator) => Ok(operator),
                // Another process won the race.
                Err(vigie_store::StoreError::Conflict { .. }) => {
                    Ok(store.find_operator_organisation().await?.ok_or(vigie_store::StoreError::NotFound)?)
                }
                Err(error) => Err(error.into()),
            }
        }
    }
}

/// Makes sure the operator organisation exists and has an enabled admin. Safe to call at every
/// start and from several nodes: the database's uniqueness rules decide who creates them.
pub async fn ensure_operator(store: &Store, settings: &OperatorSettings) -> Result<FirstStart, AppError> {
    let operator = ensure_operator_organisation(store, settings).await?;
    if store.count_operator_admins().await? > 0 {
        return Ok(FirstStart { operator, created_admin: None });
    }
    let email = Email::parse(&settings.admin_email)
        .map_err(|message| vigie_domain::ValidationError::single("admin_email", message))?;
    let admin = NewUser {
        organisation_id: operator.id,
        email: email.clone(),
        display_name: "Administrator".into(),
        roles: RoleSet::of(&[Role::Admin]),
    };
    let password = match &settings.admin_password {
        Some(password) => InitialPassword::Given(password.clone()),
        None => InitialPassword::Generate,
    };
    match app::create_user(store, Actor::System, &admin, password).await {
        Ok(created) => {
            Ok(FirstStart { operator, created_admin: Some((email.as_str().to_owned(), created.generated_password)) })
        }
        Err(AppError::Store(vigie_store::StoreError::Conflict { .. })) => {
            Ok(FirstStart { operator, created_admin: None })
        }
        Err(error) => Err(error),
    }
}

/// The password every demo account shares; the demo is for trying Vigie, not for real data.
pub const DEMO_PASSWORD: &str = "demo-password-123";

/// A fictional organisation of the demo world and its people.
struct DemoOrganisation {
    name: &'static str,
    /// Shorter than the name's (no `-demo`): what the README's commands type.
    slug: &'static str,
    kind: OrganisationKind,
    country: &'static str,
    contact: &'static str,
    people: &'static [(&'static str, &'static str, &'static [Role])],
}

const DEMO_WORLD: &[DemoOrganisation] = &[
    DemoOrganisation {
        name: "Unité nationale de signalement (demo)",
        slug: "unite-nationale-de-signalement",
        kind: OrganisationKind::ReferralUnit,
        country: "FR",
        contact: "contact@signalement.example",
        people: &[
            ("officer@signalement.example", "Camille Officer", &[Role::Referrer]),
            ("head@signalement.example", "Dominique Head", &[Role::Admin, Role::Referrer]),
        ],
    },
    DemoOrganisation {
        name: "Safer Web Flaggers (demo)",
        slug: "safer-web-flaggers",
        kind: OrganisationKind::TrustedFlagger,
        country: "DE",
        contact: "desk@flaggers.example",
        people: &[("analyst@flaggers.example", "Jonas Analyst", &[Role::Referrer])],
    },
    DemoOrganisation {
        name: "Videoshare (demo)",
        slug: "videoshare",
        kind: OrganisationKind::Platform,
        country: "NL",
        contact: "legal@videoshare.example",
        people: &[
            ("lead@videoshare.example", "Noor Lead", &[Role::Admin, Role::SeniorReviewer]),
            ("reviewer1@videoshare.example", "Sam Reviewer", &[Role::Reviewer]),
            ("reviewer2@videoshare.example", "Alex Reviewer", &[Role::Reviewer]),
            ("audit@videoshare.example", "Robin Auditor", &[Role::Auditor]),
        ],
    },
    DemoOrganisation {
        name: "Forum Libre (demo)",
        slug: "forum-libre",
        kind: OrganisationKind::Platform,
        country: "BE",
        contact: "abuse@forumlibre.example",
        people: &[("moderator@forumlibre.example", "Lou Moderator", &[Role::Reviewer, Role::SeniorReviewer])],
    },
];

/// Seeds the demo world once (skipped when its organisations exist). Returns the demo logins.
pub async fn seed_demo(store: &Store) -> Result<Vec<String>, AppError> {
    let mut logins = Vec::new();
    let demo_hash = app::hash_password(DEMO_PASSWORD.to_owned()).await?;
    for demo in DEMO_WORLD {
        if store.find_organisation_by_name(demo.name).await?.is_some() {
            continue;
        }
        let organisation = NewOrganisation {
            name: demo.name.into(),
            slug: Some(Slug::parse(demo.slug).map_err(anyhow::Error::msg)?),
            kind: demo.kind,
            country: CountryCode::parse(demo.country).map_err(anyhow::Error::msg)?,
            contact_email: Some(Email::parse(demo.contact).map_err(anyhow::Error::msg)?),
        };
        let organisation = store.insert_organisation(&organisation, false, Actor::System).await?;
        for (email, name, roles) in demo.people {
            let user = NewUser {
                organisation_id: organisation.id,
                email: Email::parse(email).map_err(anyhow::Error::msg)?,
                display_name: (*name).into(),
                roles: RoleSet::of(roles),
            };
            store.insert_user(&user, Some(&demo_hash), Actor::System).await?;
            logins.push((*email).to_owned());
        }
    }
    seed_demo_bank(store).await?;
    Ok(logins)
}

/// Name of the demo bank.
pub const DEMO_BANK: &str = "demo-known-pdq";

/// A PDQ bank owned by the demo platform, holding synthetic hashes (pseudo-random bits from a
/// fixed seed, not hashes of any real picture) so that matching has something to find. Its
/// visibility is `match`: the other demo organisations learn that and where their queries
/// matched it, Videoshare's own reviewers see the values too.
async fn seed_demo_bank(store: &Store) -> Result<(), AppError> {
    use sha2::{Digest, Sha256};
    use vigie_domain::bank::{BankDraft, BankVisibility, Label};
    use vigie_domain::import::{ParsedImport, ParsedSignal};

    if store.find_bank_by_name(DEMO_BANK).await?.is_some() {
        return Ok(());
    }
    let Some(owner) = store.find_organisation_by_name("Videoshare (demo)").await? else { return Ok(()) };
    let draft = BankDraft {
        organisation_id: owner.id,
        name: DEMO_BANK,
        description: "Synthetic hashes for trying out matching; not real content.",
        signal_type: "pdq",
        match_threshold: None,
        min_quality: None,
        auto_action: None,
        visibility: Some(BankVisibility::Match.as_str()),
    };
    let bank = store.insert_bank(&draft.validate()?, Actor::System).await?;
    let labels = ["content:propaganda_image", "content:propaganda_video", "content:insignia"];
    let signals = (0..200_u32)
        .map(|index| {
            let value = hex::encode(Sha256::digest(format!("vigie demo signal {index}").as_bytes()));
            Ok(ParsedSignal {
                value_key: value.clone(),
                value,
                quality: Some(100),
                labels: vec![Label::parse(labels[index as usize % labels.len()]).map_err(anyhow::Error::msg)?],
                source: Some("demo".into()),
                external_id: Some(format!("demo-{index}")),
                enabled: true,
                line: index as usize + 1,
            })
        })
        .collect::<Result<Vec<_>, anyhow::Error>>()?;
    let parsed = ParsedImport { signals, duplicates: 0, issues: Vec::new() };
    let import = app::SignalImport {
        bank: &bank,
        parsed,
        skip_invalid: false,
        source: None,
        actor: Actor::System,
        origin: "demo",
    };
    app::import_signals(store, import, &mut |_| {}).await?;
    Ok(())
}

/// The demo person `email` of `organisation` as an actor (the system if they were removed).
async fn demo_actor(
    store: &vigie_store::Store,
    organisation: vigie_domain::ids::OrganisationId,
    email: &str,
) -> anyhow::Result<Actor> {
    let users = store.list_users(Some(organisation)).await?;
    Ok(users.iter().find(|user| user.email.as_str() == email).map_or(Actor::System, |user| Actor::User(user.id)))
}

/// Demo submissions to Videoshare: a removal order and an anonymous public report about the same
/// video (one case), a referral, and a trusted flagger's notice. Skipped once the demo referral
/// unit has sent anything.
pub async fn seed_demo_submissions(state: &crate::AppState) -> anyhow::Result<()> {
    use crate::intake::wire::{
        NoticeRequest, ReferralRequest, RemovalOrderRequest, SubmissionRequest, UserReportRequest,
    };
    use crate::intake::{Sender, submit};
    let store = &state.store;
    let (Some(unit), Some(flagger), Some(platform)) = (
        store.find_organisation_by_name("Unité nationale de signalement (demo)").await?,
        store.find_organisation_by_name("Safer Web Flaggers (demo)").await?,
        store.find_organisation_by_name("Videoshare (demo)").await?,
    ) else {
        return Ok(());
    };
    if !store.list_submissions_by(unit.id, 1, 0).await?.is_empty() {
        return Ok(());
    }
    let video = "https://videoshare.example/watch?v=demo-0412";
    let issued = (store.now() - chrono::Duration::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Sent by the demo people of these organisations, as a case's history then shows them.
    let unit_sender =
        Sender { organisation: Some(unit.id), actor: demo_actor(store, unit.id, "officer@signalement.example").await? };
    let flagger_actor = demo_actor(store, flagger.id, "analyst@flaggers.example").await?;
    let demo: [(Sender, SubmissionRequest); 4] = [
        (
            unit_sender,
            SubmissionRequest::RemovalOrder(RemovalOrderRequest {
                issuing_authority: Some("Office anti-cybercriminalité (demo)".into()),
                member_state: Some("FR".into()),
                reference: Some("DEMO-TCO-0412".into()),
                issued_at: Some(issued),
                urls: Some(vec![video.into()]),
                grounds: Some(vec!["a".into(), "c".into()]),
                statement_of_reasons: Some("Fictional demo order: a video glorifying an attack.".into()),
                cross_border: Some(false),
                redress: Some("Tribunal administratif de Paris, within 48 hours".into()),
                platform: Some(platform.id.to_string()),
                ..Default::default()
            }),
        ),
        (
            Sender { organisation: None, actor: Actor::Public },
            SubmissionRequest::UserReport(UserReportRequest {
                category: Some("propaganda".into()),
                url: Some(format!("{video}#t=12")),
                seen_where: Some("video_platform".into()),
                comment: Some("Fictional demo report.".into()),
                platform: Some(platform.id.to_string()),
                ..Default::default()
            }),
        ),
        (
            unit_sender,
            SubmissionRequest::Referral(ReferralRequest {
                reference: Some("DEMO-REF-0001".into()),
                urls: Some(vec!["https://videoshare.example/channel/demo-recruiter".into()]),
                explanation: Some("Fictional demo referral: a recruitment channel.".into()),
                deconfliction: Some("cleared".into()),
                platform: Some(platform.id.to_string()),
                ..Default::default()
            }),
        ),
        (
            Sender { organisation: Some(flagger.id), actor: flagger_actor },
            SubmissionRequest::Notice(NoticeRequest {
                urls: Some(vec!["https://videoshare.example/watch?v=demo-manual".into()]),
                explanation: Some("Fictional demo notice: instructions for making a weapon.".into()),
                notifier_name: Some("Safer Web Flaggers (demo)".into()),
                notifier_email: Some("notices@flaggers.example".into()),
                good_faith: Some(true),
                platform: Some(platform.id.to_string()),
                ..Default::default()
            }),
        ),
    ];
    for (sender, request) in demo {
        submit(store, &state.intake, &state.engine, sender, &request, &[], None)
            .await
            .map_err(|error| anyhow::anyhow!("demo submission refused: {error}"))?;
    }
    seed_demo_review_queue(state, unit_sender, platform.id).await
}

/// A synthetic picture standing in for reported propaganda in the demo: a dark banner with a
/// white emblem and stripes, drawn from arithmetic (no real content, nothing downloaded). The
/// review console shows it blurred and in greyscale until revealed. Variants are re-uploads
/// edited a little (a lighter background, another colour in the top band), which PDQ still
/// finds within a few bits.
pub fn demo_picture(variant: u32) -> Vec<u8> {
    let (width, height) = (480_u32, 320_u32);
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (x as i64 - 240, y as i64 - 150);
            let emblem = dx * dx + dy * dy < 70 * 70 && (dx * dx + dy * dy > 50 * 50 || (dx.abs() < 12));
            let stripe = y > 250 && (x / 24).is_multiple_of(2);
            let lighter = variant.min(4) * 6;
            let pixel = if emblem || stripe {
                [235, 235, 225]
            } else if y < 40 {
                [150, 20 + (variant.min(4) as u8 * 25), 30]
            } else {
                [(20 + x / 16 + lighter) as u8, (24 + lighter) as u8, (30 + y / 12 + lighter) as u8]
            };
            pixels.extend(pixel);
        }
    }
    let mut png = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut png);
    image::ImageEncoder::write_image(encoder, &pixels, width, height, image::ExtendedColorType::Rgb8)
        .expect("encoding a PNG in memory cannot fail");
    png
}

/// More of the demo queue, so a reviewer has something to work through: a public report with a
/// picture that the demo bank knows (its hash is added to the bank first, labelled), a re-upload
/// of it elsewhere, another referral and a partner's flag.
async fn seed_demo_review_queue(
    state: &crate::AppState,
    unit_sender: crate::intake::Sender,
    platform: vigie_domain::ids::OrganisationId,
) -> anyhow::Result<()> {
    use vigie_domain::bank::Label;
    use vigie_domain::import::{ParsedImport, ParsedSignal};

    use crate::intake::wire::{ReferralRequest, SubmissionRequest, UserReportRequest};
    use crate::intake::{Sender, submit};
    let store = &state.store;
    let picture = demo_picture(0);
    if let Some(bank) = store.find_bank_by_name(DEMO_BANK).await? {
        let hashes = vigie_hash::hash_image_bytes(&picture, &state.settings.image_limits)?;
        let value = hashes.pdq.to_hex();
        let signal = ParsedSignal {
            value_key: value.clone(),
            value,
            quality: Some(u32::from(hashes.quality)),
            labels: vec![
                Label::parse("content:propaganda_image").map_err(anyhow::Error::msg)?,
                Label::parse("behaviour:glorification").map_err(anyhow::Error::msg)?,
            ],
            source: Some("demo".into()),
            external_id: Some("demo-picture".into()),
            enabled: true,
            line: 1,
        };
        let import = app::SignalImport {
            bank: &bank,
            parsed: ParsedImport { signals: vec![signal], duplicates: 0, issues: Vec::new() },
            skip_invalid: false,
            source: None,
            actor: Actor::System,
            origin: "demo",
        };
        app::import_signals(store, import, &mut |_| {}).await?;
        state.engine.sync().await?;
    }
    let store_picture = |bytes: Vec<u8>| {
        let media = &state.intake.media;
        let limits = state.settings.image_limits;
        async move {
            let mut incoming = media.begin(state.settings.intake.max_media_bytes)?;
            incoming.write(&bytes)?;
            anyhow::Ok(incoming.finish(&limits)?)
        }
    };
    let public = Sender { organisation: None, actor: Actor::Public };
    let report = |url: &str, comment: &str| {
        SubmissionRequest::UserReport(UserReportRequest {
            category: Some("propaganda".into()),
            url: Some(url.into()),
            seen_where: Some("video_platform".into()),
            comment: Some(comment.into()),
            platform: Some(platform.to_string()),
            ..Default::default()
        })
    };
    let with_pictures: [(Sender, SubmissionRequest, Vec<u8>); 2] = [
        (
            public,
            report("https://videoshare.example/post/demo-banner", "Fictional demo report: a propaganda banner."),
            picture,
        ),
        (
            public,
            report("https://videoshare.example/post/demo-banner-copy", "Fictional demo report: the banner again."),
            demo_picture(1),
        ),
    ];
    for (sender, request, bytes) in with_pictures {
        let file = store_picture(bytes).await?;
        submit(store, &state.intake, &state.engine, sender, &request, std::slice::from_ref(&file), None)
            .await
            .map_err(|error| anyhow::anyhow!("demo submission refused: {error}"))?;
    }
    let referral = SubmissionRequest::Referral(ReferralRequest {
        reference: Some("DEMO-REF-0002".into()),
        urls: Some(vec!["https://videoshare.example/watch?v=demo-sermon".into()]),
        explanation: Some("Fictional demo referral: a sermon calling for violence, or a documentary?".into()),
        deconfliction: Some("not_required".into()),
        platform: Some(platform.to_string()),
        ..Default::default()
    });
    submit(store, &state.intake, &state.engine, unit_sender, &referral, &[], None)
        .await
        .map_err(|error| anyhow::anyhow!("demo submission refused: {error}"))?;
    state.intake.media_arrived.notify_one();
    Ok(())
}
