//! Statements as evidence candidates: the statements a learner set aside,
//! people found by the account or address an xAPI actor gives, competences
//! found by the IRI a statement names them with, and the activity a
//! resource link opens (its `activity_url` custom parameter).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CandidateDismissals::Table)
                    .col(uuid(CandidateDismissals::PersonId))
                    .col(uuid(CandidateDismissals::StatementId))
                    .col(big_integer(CandidateDismissals::DismissedAt))
                    .primary_key(
                        Index::create()
                            .col(CandidateDismissals::PersonId)
                            .col(CandidateDismissals::StatementId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ResourceLinks::Table)
                    .add_column(string_null(ResourceLinks::ActivityUrl))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Addresses compare without regard to case, as mail systems do.
        db.execute_unprepared("CREATE INDEX people_by_email ON people (lower(email))")
            .await?;
        db.execute_unprepared(
            "CREATE INDEX competences_by_uri ON competences (uri) WHERE uri IS NOT NULL",
        )
        .await?;
        // An xAPI account (homePage, name) is an issuer and a subject, sent
        // with the operator's credentials for any registration.
        db.execute_unprepared(
            "CREATE INDEX lti_identities_by_account ON lti_identities (issuer, subject)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX competences_by_uri")
            .await?;
        db.execute_unprepared("DROP INDEX people_by_email").await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ResourceLinks::Table)
                    .drop_column(ResourceLinks::ActivityUrl)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CandidateDismissals::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CandidateDismissals {
    Table,
    PersonId,
    StatementId,
    DismissedAt,
}

#[derive(DeriveIden)]
enum ResourceLinks {
    Table,
    ActivityUrl,
}
