//! Curating and sharing a portfolio: collections (ordered items with an
//! introduction), shares (with a named person, with a course's teachers,
//! or by a secret link), comments of readers, and the audit trail of every
//! read of someone else's evidence.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Collections::Table)
                    .col(uuid(Collections::Id).primary_key())
                    .col(uuid(Collections::OwnerId))
                    .col(text(Collections::Title))
                    .col(text_null(Collections::Introduction))
                    .col(big_integer(Collections::CreatedAt))
                    .col(big_integer(Collections::UpdatedAt))
                    .col(big_integer_null(Collections::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Collections::Table, Collections::OwnerId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("collections_by_owner")
                    .table(Collections::Table)
                    .col(Collections::OwnerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CollectionItems::Table)
                    .col(uuid(CollectionItems::CollectionId))
                    .col(uuid(CollectionItems::ItemId))
                    .col(integer(CollectionItems::Position))
                    .primary_key(
                        Index::create()
                            .col(CollectionItems::CollectionId)
                            .col(CollectionItems::ItemId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CollectionItems::Table, CollectionItems::CollectionId)
                            .to(Collections::Table, Collections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CollectionItems::Table, CollectionItems::ItemId)
                            .to(EvidenceItems::Table, EvidenceItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Shares::Table)
                    .col(uuid(Shares::Id).primary_key())
                    .col(uuid(Shares::OwnerId))
                    .col(string(Shares::Kind))
                    .col(uuid_null(Shares::CollectionId))
                    .col(uuid_null(Shares::GranteeId))
                    .col(uuid_null(Shares::ContextId))
                    .col(string_null(Shares::TokenHash).unique_key())
                    .col(big_integer_null(Shares::ExpiresAt))
                    .col(big_integer_null(Shares::RevokedAt))
                    .col(big_integer(Shares::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Shares::Table, Shares::OwnerId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Shares::Table, Shares::CollectionId)
                            .to(Collections::Table, Collections::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("shares_by_owner", Shares::OwnerId),
            ("shares_by_grantee", Shares::GranteeId),
            ("shares_by_context", Shares::ContextId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Shares::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .col(uuid(Comments::Id).primary_key())
                    .col(uuid(Comments::ItemId))
                    .col(uuid(Comments::AuthorId))
                    .col(text(Comments::Body))
                    .col(big_integer(Comments::CreatedAt))
                    .col(big_integer_null(Comments::SeenByOwnerAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Comments::Table, Comments::ItemId)
                            .to(EvidenceItems::Table, EvidenceItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("comments_by_item")
                    .table(Comments::Table)
                    .col(Comments::ItemId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(pk_auto(AuditEvents::Id))
                    .col(uuid(AuditEvents::OwnerId))
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string(AuditEvents::ActorKind))
                    .col(uuid_null(AuditEvents::ShareId))
                    .col(string(AuditEvents::Action))
                    .col(uuid_null(AuditEvents::ItemId))
                    .col(big_integer(AuditEvents::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_events_by_owner")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OwnerId)
                    .col(AuditEvents::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            Comments::Table.into_iden(),
            Shares::Table.into_iden(),
            CollectionItems::Table.into_iden(),
            Collections::Table.into_iden(),
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
enum EvidenceItems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Collections {
    Table,
    Id,
    OwnerId,
    Title,
    Introduction,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum CollectionItems {
    Table,
    CollectionId,
    ItemId,
    Position,
}

#[derive(DeriveIden)]
enum Shares {
    Table,
    Id,
    OwnerId,
    Kind,
    CollectionId,
    GranteeId,
    ContextId,
    TokenHash,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    ItemId,
    AuthorId,
    Body,
    CreatedAt,
    SeenByOwnerAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OwnerId,
    ActorId,
    ActorKind,
    ShareId,
    Action,
    ItemId,
    At,
}
