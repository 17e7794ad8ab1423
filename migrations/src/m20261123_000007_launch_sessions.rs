//! Short-lived launch tokens: the widget inside the LMS iframe carries one in
//! an Authorization header instead of relying on a third-party cookie.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000004_people_and_courses::{People, ResourceLinks};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LaunchSessions::Table)
                    .col(string(LaunchSessions::TokenHash).primary_key())
                    .col(uuid(LaunchSessions::PersonId))
                    .col(uuid(LaunchSessions::ResourceLinkId))
                    .col(text(LaunchSessions::Roles))
                    .col(big_integer(LaunchSessions::CreatedAt))
                    .col(big_integer(LaunchSessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LaunchSessions::Table, LaunchSessions::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LaunchSessions::Table, LaunchSessions::ResourceLinkId)
                            .to(ResourceLinks::Table, ResourceLinks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("launch_sessions_expires_at")
                    .table(LaunchSessions::Table)
                    .col(LaunchSessions::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LaunchSessions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LaunchSessions {
    Table,
    TokenHash,
    PersonId,
    ResourceLinkId,
    Roles,
    CreatedAt,
    ExpiresAt,
}
