//! Framework versions: what an import keeps of a document (IRI, creator,
//! source), per-item scales, completion rules, cross-references and
//! notes, and items retired by a newer version (kept, so that evidence
//! and links tied to them still resolve). Codes are unique only among
//! live items, which the import checks. Administrators' API tokens.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            string_null(Frameworks::Uri),
            string_null(Frameworks::Creator),
            text_null(Frameworks::OfficialSourceUrl),
            text_null(Frameworks::Source),
            big_integer_null(Frameworks::UpdatedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Frameworks::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            text_null(Competences::Scale),
            text_null(Competences::Rule),
            text_null(Competences::Related),
            text_null(Competences::Notes),
            big_integer_null(Competences::RetiredAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Competences::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // Codes are unique among live items only (checked by the import);
        // IF EXISTS: databases created by early builds may lack the index.
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS competences_framework_code")
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("competences_by_framework_code")
                    .table(Competences::Table)
                    .col(Competences::FrameworkId)
                    .col(Competences::Code)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdminTokens::Table)
                    .col(pk_auto(AdminTokens::Id))
                    .col(string(AdminTokens::Name))
                    .col(string_uniq(AdminTokens::TokenHash))
                    .col(big_integer(AdminTokens::CreatedAt))
                    .col(big_integer_null(AdminTokens::RevokedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AdminTokens::Table).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS competences_by_framework_code")
            .await?;
        for column in [
            Competences::Scale,
            Competences::Rule,
            Competences::Related,
            Competences::Notes,
            Competences::RetiredAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Competences::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Frameworks::Uri,
            Frameworks::Creator,
            Frameworks::OfficialSourceUrl,
            Frameworks::Source,
            Frameworks::UpdatedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Frameworks::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Frameworks {
    Table,
    Uri,
    Creator,
    OfficialSourceUrl,
    Source,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Competences {
    Table,
    FrameworkId,
    Code,
    Scale,
    Rule,
    Related,
    Notes,
    RetiredAt,
}

#[derive(DeriveIden)]
enum AdminTokens {
    Table,
    Id,
    Name,
    TokenHash,
    CreatedAt,
    RevokedAt,
}
