//! The e-portfolio's evidence: files stored once by content hash, evidence
//! items with immutable versions (an edit makes a new version; what a
//! claim submits keeps the version it names), the competences and levels
//! each version is tagged with, and learners' self-ratings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Blobs::Table)
                    .col(string_len(Blobs::Sha256, 64).primary_key())
                    .col(big_integer(Blobs::Size))
                    .col(string(Blobs::MediaType))
                    .col(big_integer(Blobs::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvidenceItems::Table)
                    .col(uuid(EvidenceItems::Id).primary_key())
                    .col(uuid(EvidenceItems::OwnerId))
                    .col(string(EvidenceItems::Kind))
                    .col(integer(EvidenceItems::CurrentVersion))
                    .col(boolean(EvidenceItems::DescribesCareRecipient))
                    .col(big_integer(EvidenceItems::CreatedAt))
                    .col(big_integer(EvidenceItems::UpdatedAt))
                    .col(big_integer_null(EvidenceItems::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvidenceItems::Table, EvidenceItems::OwnerId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evidence_items_by_owner")
                    .table(EvidenceItems::Table)
                    .col(EvidenceItems::OwnerId)
                    .col(EvidenceItems::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvidenceVersions::Table)
                    .col(uuid(EvidenceVersions::ItemId))
                    .col(integer(EvidenceVersions::Version))
                    .col(text(EvidenceVersions::Title))
                    .col(text_null(EvidenceVersions::Body))
                    .col(text_null(EvidenceVersions::BodyHtml))
                    .col(text_null(EvidenceVersions::Url))
                    .col(string_len_null(EvidenceVersions::BlobSha256, 64))
                    .col(text_null(EvidenceVersions::FileName))
                    .col(uuid_null(EvidenceVersions::StatementId))
                    .col(big_integer(EvidenceVersions::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(EvidenceVersions::ItemId)
                            .col(EvidenceVersions::Version),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvidenceVersions::Table, EvidenceVersions::ItemId)
                            .to(EvidenceItems::Table, EvidenceItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvidenceVersions::Table, EvidenceVersions::BlobSha256)
                            .to(Blobs::Table, Blobs::Sha256),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvidenceTags::Table)
                    .col(uuid(EvidenceTags::ItemId))
                    .col(integer(EvidenceTags::Version))
                    .col(uuid(EvidenceTags::CompetenceId))
                    .col(integer_null(EvidenceTags::Level))
                    .primary_key(
                        Index::create()
                            .col(EvidenceTags::ItemId)
                            .col(EvidenceTags::Version)
                            .col(EvidenceTags::CompetenceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvidenceTags::Table, EvidenceTags::ItemId)
                            .to(EvidenceItems::Table, EvidenceItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvidenceTags::Table, EvidenceTags::CompetenceId)
                            .to(Competences::Table, Competences::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evidence_tags_by_competence")
                    .table(EvidenceTags::Table)
                    .col(EvidenceTags::CompetenceId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SelfRatings::Table)
                    .col(uuid(SelfRatings::PersonId))
                    .col(uuid(SelfRatings::CompetenceId))
                    .col(integer(SelfRatings::Rating))
                    .col(big_integer(SelfRatings::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(SelfRatings::PersonId)
                            .col(SelfRatings::CompetenceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SelfRatings::Table, SelfRatings::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SelfRatings::Table, SelfRatings::CompetenceId)
                            .to(Competences::Table, Competences::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SelfRatings::Table.into_iden(),
            EvidenceTags::Table.into_iden(),
            EvidenceVersions::Table.into_iden(),
            EvidenceItems::Table.into_iden(),
            Blobs::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Competences {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Blobs {
    Table,
    Sha256,
    Size,
    MediaType,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EvidenceItems {
    Table,
    Id,
    OwnerId,
    Kind,
    CurrentVersion,
    DescribesCareRecipient,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum EvidenceVersions {
    Table,
    ItemId,
    Version,
    Title,
    Body,
    BodyHtml,
    Url,
    BlobSha256,
    FileName,
    StatementId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EvidenceTags {
    Table,
    ItemId,
    Version,
    CompetenceId,
    Level,
}

#[derive(DeriveIden)]
enum SelfRatings {
    Table,
    PersonId,
    CompetenceId,
    Rating,
    UpdatedAt,
}
