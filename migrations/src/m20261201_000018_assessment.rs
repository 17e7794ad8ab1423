//! Assessment: a learner's claims of competence with the evidence frozen
//! at each submission, the assessors' decisions (several per claim when a
//! course asks for it, reconciled by its lead assessor), and who assesses
//! in a course beyond its LTI teachers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AssessmentSettings::Table)
                    .col(uuid(AssessmentSettings::ContextId).primary_key())
                    .col(integer(AssessmentSettings::RequiredDecisions).default(1))
                    .col(uuid_null(AssessmentSettings::LeadAssessorId))
                    .col(string(AssessmentSettings::GradingRule).default("claims"))
                    .col(big_integer(AssessmentSettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AssessmentSettings::Table, AssessmentSettings::ContextId)
                            .to(Contexts::Table, Contexts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CourseAssessors::Table)
                    .col(uuid(CourseAssessors::ContextId))
                    .col(uuid(CourseAssessors::PersonId))
                    .col(uuid(CourseAssessors::NamedBy))
                    .col(big_integer(CourseAssessors::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(CourseAssessors::ContextId)
                            .col(CourseAssessors::PersonId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CourseAssessors::Table, CourseAssessors::ContextId)
                            .to(Contexts::Table, Contexts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CourseAssessors::Table, CourseAssessors::PersonId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("course_assessors_by_person")
                    .table(CourseAssessors::Table)
                    .col(CourseAssessors::PersonId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Claims::Table)
                    .col(uuid(Claims::Id).primary_key())
                    .col(uuid(Claims::OwnerId))
                    .col(uuid(Claims::ContextId))
                    .col(uuid_null(Claims::ResourceLinkId))
                    .col(uuid(Claims::CompetenceId))
                    .col(integer_null(Claims::Level))
                    .col(string(Claims::Status))
                    // The submission now under review (0 while a draft).
                    .col(integer(Claims::Round).default(0))
                    // Set when the decisions of the round disagree.
                    .col(boolean(Claims::AwaitingLead).default(false))
                    .col(big_integer(Claims::CreatedAt))
                    .col(big_integer(Claims::UpdatedAt))
                    .col(big_integer_null(Claims::SubmittedAt))
                    .col(big_integer_null(Claims::DecidedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Claims::Table, Claims::OwnerId)
                            .to(People::Table, People::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Claims::Table, Claims::ContextId)
                            .to(Contexts::Table, Contexts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("claims_by_owner", vec![Claims::OwnerId]),
            (
                "claims_by_course_status",
                vec![Claims::ContextId, Claims::Status, Claims::SubmittedAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Claims::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ClaimRounds::Table)
                    .col(uuid(ClaimRounds::ClaimId))
                    .col(integer(ClaimRounds::Round))
                    .col(text(ClaimRounds::Statement))
                    .col(big_integer_null(ClaimRounds::SubmittedAt))
                    .primary_key(
                        Index::create()
                            .col(ClaimRounds::ClaimId)
                            .col(ClaimRounds::Round),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClaimRounds::Table, ClaimRounds::ClaimId)
                            .to(Claims::Table, Claims::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClaimEvidence::Table)
                    .col(uuid(ClaimEvidence::ClaimId))
                    .col(integer(ClaimEvidence::Round))
                    .col(uuid(ClaimEvidence::ItemId))
                    // The version the round was submitted with (the current
                    // one, while a draft).
                    .col(integer(ClaimEvidence::ItemVersion))
                    .col(integer(ClaimEvidence::Position))
                    .primary_key(
                        Index::create()
                            .col(ClaimEvidence::ClaimId)
                            .col(ClaimEvidence::Round)
                            .col(ClaimEvidence::ItemId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClaimEvidence::Table, ClaimEvidence::ClaimId)
                            .to(Claims::Table, Claims::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClaimEvidence::Table, ClaimEvidence::ItemId)
                            .to(EvidenceItems::Table, EvidenceItems::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Decisions::Table)
                    .col(uuid(Decisions::Id).primary_key())
                    .col(uuid(Decisions::ClaimId))
                    .col(integer(Decisions::Round))
                    .col(uuid(Decisions::AssessorId))
                    .col(string(Decisions::Outcome))
                    .col(text(Decisions::Feedback))
                    // A lead assessor's decision that settles disagreeing ones.
                    .col(boolean(Decisions::Reconciles).default(false))
                    .col(text_null(Decisions::Reason))
                    // JSON: [{"item_id", "feedback"}].
                    .col(text(Decisions::ItemFeedback))
                    .col(uuid_null(Decisions::StatementId))
                    .col(big_integer(Decisions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Decisions::Table, Decisions::ClaimId)
                            .to(Claims::Table, Claims::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("one_decision_per_assessor_and_round")
                    .table(Decisions::Table)
                    .col(Decisions::ClaimId)
                    .col(Decisions::Round)
                    .col(Decisions::AssessorId)
                    .col(Decisions::Reconciles)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("decisions_by_assessor")
                    .table(Decisions::Table)
                    .col(Decisions::AssessorId)
                    .to_owned(),
            )
            .await?;
        // What the gradebook was last told besides the score: a pending
        // claim changes it without changing the share.
        manager
            .alter_table(
                Table::alter()
                    .table(GradeSyncs::Table)
                    .add_column(string_null(GradeSyncs::Standing))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(GradeSyncs::Table)
                    .drop_column(GradeSyncs::Standing)
                    .to_owned(),
            )
            .await?;
        for table in [
            Decisions::Table.into_iden(),
            ClaimEvidence::Table.into_iden(),
            ClaimRounds::Table.into_iden(),
            Claims::Table.into_iden(),
            CourseAssessors::Table.into_iden(),
            AssessmentSettings::Table.into_iden(),
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
enum Contexts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EvidenceItems {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AssessmentSettings {
    Table,
    ContextId,
    RequiredDecisions,
    LeadAssessorId,
    GradingRule,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CourseAssessors {
    Table,
    ContextId,
    PersonId,
    NamedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Claims {
    Table,
    Id,
    OwnerId,
    ContextId,
    ResourceLinkId,
    CompetenceId,
    Level,
    Status,
    Round,
    AwaitingLead,
    CreatedAt,
    UpdatedAt,
    SubmittedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum ClaimRounds {
    Table,
    ClaimId,
    Round,
    Statement,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum ClaimEvidence {
    Table,
    ClaimId,
    Round,
    ItemId,
    ItemVersion,
    Position,
}

#[derive(DeriveIden)]
enum Decisions {
    Table,
    Id,
    ClaimId,
    Round,
    AssessorId,
    Outcome,
    Feedback,
    Reconciles,
    Reason,
    ItemFeedback,
    StatementId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GradeSyncs {
    Table,
    Standing,
}
