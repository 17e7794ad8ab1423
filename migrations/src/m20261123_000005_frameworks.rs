//! Competence frameworks (CASE CFDocuments) and their items (CFItems), plus
//! the competences each resource link is tied to.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000004_people_and_courses::ResourceLinks;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Frameworks::Table)
                    .col(uuid(Frameworks::Id).primary_key())
                    .col(string_uniq(Frameworks::Key))
                    .col(text(Frameworks::Title))
                    .col(string(Frameworks::Language))
                    .col(string_null(Frameworks::Version))
                    .col(string_null(Frameworks::Publisher))
                    .col(text_null(Frameworks::Description))
                    .col(text(Frameworks::Levels))
                    .col(text(Frameworks::CasePackage))
                    .col(big_integer(Frameworks::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Competences::Table)
                    .col(uuid(Competences::Id).primary_key())
                    .col(uuid(Competences::FrameworkId))
                    .col(uuid_null(Competences::ParentId))
                    .col(string(Competences::Code))
                    .col(string(Competences::ItemType))
                    .col(text(Competences::Title))
                    .col(text_null(Competences::Description))
                    .col(string_null(Competences::Uri))
                    .col(integer(Competences::Position))
                    .col(boolean(Competences::Incomplete))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Competences::Table, Competences::FrameworkId)
                            .to(Frameworks::Table, Frameworks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("competences_framework_code")
                    .table(Competences::Table)
                    .col(Competences::FrameworkId)
                    .col(Competences::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResourceLinkCompetences::Table)
                    .col(uuid(ResourceLinkCompetences::ResourceLinkId))
                    .col(uuid(ResourceLinkCompetences::CompetenceId))
                    .col(integer(ResourceLinkCompetences::Position))
                    .primary_key(
                        Index::create()
                            .col(ResourceLinkCompetences::ResourceLinkId)
                            .col(ResourceLinkCompetences::CompetenceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ResourceLinkCompetences::Table,
                                ResourceLinkCompetences::ResourceLinkId,
                            )
                            .to(ResourceLinks::Table, ResourceLinks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                ResourceLinkCompetences::Table,
                                ResourceLinkCompetences::CompetenceId,
                            )
                            .to(Competences::Table, Competences::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(ResourceLinkCompetences::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Competences::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Frameworks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Frameworks {
    Table,
    Id,
    Key,
    Title,
    Language,
    Version,
    Publisher,
    Description,
    Levels,
    CasePackage,
    ImportedAt,
}

#[derive(DeriveIden)]
enum Competences {
    Table,
    Id,
    FrameworkId,
    ParentId,
    Code,
    ItemType,
    Title,
    Description,
    Uri,
    Position,
    Incomplete,
}

#[derive(DeriveIden)]
enum ResourceLinkCompetences {
    Table,
    ResourceLinkId,
    CompetenceId,
    Position,
}
