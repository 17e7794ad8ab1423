//! Badges: classes of achievement defined on a framework node (a
//! competence at a level, or all or N of an area's competences), and the
//! awards of them to people, each with its place in the issuer's status
//! list for revocation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BadgeClasses::Table)
                    .col(uuid(BadgeClasses::Id).primary_key())
                    .col(string(BadgeClasses::Key).unique_key())
                    .col(uuid(BadgeClasses::FrameworkId))
                    .col(uuid(BadgeClasses::NodeId))
                    .col(integer_null(BadgeClasses::Level))
                    // `competence`, `all` or `n_of`.
                    .col(string(BadgeClasses::Rule))
                    .col(integer_null(BadgeClasses::Required))
                    .col(text(BadgeClasses::Name))
                    .col(text(BadgeClasses::Description))
                    .col(text_null(BadgeClasses::ImageSvg))
                    .col(boolean(BadgeClasses::BuiltIn).default(false))
                    .col(big_integer(BadgeClasses::CreatedAt))
                    .col(big_integer_null(BadgeClasses::RetiredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("badge_classes_by_node")
                    .table(BadgeClasses::Table)
                    .col(BadgeClasses::NodeId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BadgeAwards::Table)
                    .col(uuid(BadgeAwards::Id).primary_key())
                    .col(uuid(BadgeAwards::BadgeClassId))
                    .col(uuid(BadgeAwards::PersonId))
                    .col(uuid_null(BadgeAwards::ContextId))
                    .col(big_integer(BadgeAwards::AwardedAt))
                    // None: awarded automatically when a decision completed it.
                    .col(uuid_null(BadgeAwards::AwardedBy))
                    .col(big_integer_null(BadgeAwards::RevokedAt))
                    .col(uuid_null(BadgeAwards::RevokedBy))
                    .col(text_null(BadgeAwards::RevocationReason))
                    // The award's bit in the issuer's revocation status list.
                    .col(integer(BadgeAwards::StatusIndex).unique_key())
                    .col(boolean(BadgeAwards::Public).default(false))
                    // JSON: the evidence items the learner chose to show.
                    .col(text(BadgeAwards::ShownEvidence))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BadgeAwards::Table, BadgeAwards::BadgeClassId)
                            .to(BadgeClasses::Table, BadgeClasses::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(BadgeAwards::Table, BadgeAwards::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("badge_awards_by_person")
                    .table(BadgeAwards::Table)
                    .col(BadgeAwards::PersonId)
                    .col(BadgeAwards::BadgeClassId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BadgeAwards::Table.into_iden(),
            BadgeClasses::Table.into_iden(),
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
enum BadgeClasses {
    Table,
    Id,
    Key,
    FrameworkId,
    NodeId,
    Level,
    Rule,
    Required,
    Name,
    Description,
    ImageSvg,
    BuiltIn,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum BadgeAwards {
    Table,
    Id,
    BadgeClassId,
    PersonId,
    ContextId,
    AwardedAt,
    AwardedBy,
    RevokedAt,
    RevokedBy,
    RevocationReason,
    StatusIndex,
    Public,
    ShownEvidence,
}
