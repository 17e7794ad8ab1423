//! The built-in competence frameworks.

use carefolio::entities::competence;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::both_databases;

both_databases!(
    carer_plus_and_pat_are_loaded_on_first_start,
    |app| async move {
        let frameworks = carefolio::frameworks::store::list(&app.db).await.unwrap();
        let carer = frameworks
            .iter()
            .find(|f| f.key == "carerplus")
            .expect("CARER+");
        assert_eq!(carer.competence_count, 41);
        assert_eq!(carer.levels, ["User", "Guide/mentor"]);
        let pat = frameworks.iter().find(|f| f.key == "pat").expect("PAT");
        assert_eq!(pat.competence_count, 63);
        assert_eq!(pat.language, "nb");

        let count = |kind: &'static str| {
            let db = app.db.clone();
            async move {
                competence::Entity::find()
                    .filter(competence::Column::ItemType.eq(kind))
                    .all(&db)
                    .await
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(count("Domain").await, 3);
        assert_eq!(count("Competence Area").await, 11);
        assert_eq!(count("Category").await, 12);
    }
);

both_databases!(
    pat_items_carry_norwegian_and_english_and_5_6_is_flagged_incomplete,
    |app| async move {
        let refs = [
            carefolio::frameworks::CompetenceRef::parse("pat:5.6").unwrap(),
            carefolio::frameworks::CompetenceRef::parse("pat:9.5").unwrap(),
            carefolio::frameworks::CompetenceRef::parse("carerplus:10.2").unwrap(),
        ];
        let (found, unknown) = carefolio::frameworks::store::resolve(&app.db, &refs)
            .await
            .unwrap();
        assert!(unknown.is_empty());
        assert!(found[0].incomplete);
        assert_eq!(found[0].title["nb"], "Oppmuntrer .");
        assert!(!found[1].incomplete);
        assert!(found[1].title["nb"].starts_with("Følger lover og regler om taushetsplikt"));
        assert!(found[1].title["en"].contains("confidentiality"));
        assert_eq!(
            found[2].title["en"],
            "Peer support and exchange of good practices"
        );
        assert!(found[2].description.as_ref().unwrap()["en"]
            .starts_with("Engaging in peer communities"));
    }
);

both_databases!(
    restarting_does_not_load_the_frameworks_twice,
    |app| async move {
        let ids = |app: &crate::helpers::TestApp| {
            let db = app.db.clone();
            async move {
                use sea_orm::QueryOrder;
                competence::Entity::find()
                    .order_by_asc(competence::Column::Id)
                    .all(&db)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| c.id)
                    .collect::<Vec<_>>()
            }
        };
        let before = ids(&app).await;
        // A second server started on the same database, as after a restart:
        // its start-up loads the built-in frameworks again.
        let mut settings = app.settings.clone();
        settings.server.bind = "127.0.0.1:0".to_owned();
        settings.server.public_url = None;
        let restarted = carefolio::startup::Application::build(settings)
            .await
            .unwrap();
        let address = format!("http://127.0.0.1:{}", restarted.port());
        actix_web::rt::spawn(restarted.run_until_stopped());
        let health = app
            .client
            .get(format!("{address}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(app.count("frameworks").await, 2);
        assert_eq!(app.count("competences").await, 3 + 11 + 41 + 12 + 63);
        assert_eq!(ids(&app).await, before, "the same rows, not new ones");
    }
);
