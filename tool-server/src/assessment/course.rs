//! Who assesses in a course, and how: the course's LTI teachers and the
//! people an instructor names; how many independent decisions a claim
//! needs; who reconciles when they disagree.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AssessmentError;
use crate::entities::{assessment_setting, course_assessor, membership, person};
use crate::identity::PersonId;
use crate::portfolio::session::Teaching;
use crate::util::now_ms;

/// The most independent decisions a course may ask for per claim.
pub const MAX_REQUIRED_DECISIONS: i32 = 5;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Settings {
    /// Independent decisions each claim needs before it is decided.
    pub required_decisions: i32,
    /// Who reconciles disagreeing decisions; none: the course's instructors.
    pub lead_assessor_id: Option<Uuid>,
    /// `claims`: the gradebook shows the share of the link's competences
    /// accepted; `activity`: whether the learner opened the activity.
    pub grading_rule: GradingRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GradingRule {
    Claims,
    Activity,
}

impl GradingRule {
    fn as_str(self) -> &'static str {
        match self {
            GradingRule::Claims => "claims",
            GradingRule::Activity => "activity",
        }
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            required_decisions: 1,
            lead_assessor_id: None,
            grading_rule: GradingRule::Claims,
        }
    }
}

pub async fn settings<C: ConnectionTrait>(
    db: &C,
    course: Uuid,
) -> Result<Settings, sea_orm::DbErr> {
    Ok(assessment_setting::Entity::find_by_id(course)
        .one(db)
        .await?
        .map(|row| Settings {
            required_decisions: row.required_decisions.clamp(1, MAX_REQUIRED_DECISIONS),
            lead_assessor_id: row.lead_assessor_id,
            grading_rule: if row.grading_rule == "activity" {
                GradingRule::Activity
            } else {
                GradingRule::Claims
            },
        })
        .unwrap_or_default())
}

/// A person's capability to assess in one course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessing {
    pub person: PersonId,
    pub course: Uuid,
    /// May reconcile disagreeing decisions.
    pub lead: bool,
}

fn teaches(row: &membership::Model) -> bool {
    let roles: Vec<String> = serde_json::from_str(&row.roles).unwrap_or_default();
    crate::lti::roles::is_instructor(&roles)
}

/// Every course `person` assesses in.
pub async fn courses_assessed_by<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
) -> Result<Vec<Assessing>, sea_orm::DbErr> {
    let taught: HashSet<Uuid> = membership::Entity::find()
        .filter(membership::Column::PersonId.eq(person.0))
        .all(db)
        .await?
        .iter()
        .filter(|row| teaches(row))
        .map(|row| row.context_id)
        .collect();
    let named: HashSet<Uuid> = course_assessor::Entity::find()
        .filter(course_assessor::Column::PersonId.eq(person.0))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.context_id)
        .collect();
    let courses: HashSet<Uuid> = taught.union(&named).copied().collect();
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    let leads: HashMap<Uuid, Option<Uuid>> = assessment_setting::Entity::find()
        .filter(assessment_setting::Column::ContextId.is_in(courses.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.context_id, row.lead_assessor_id))
        .collect();
    Ok(courses
        .into_iter()
        .map(|course| Assessing {
            person,
            course,
            lead: match leads.get(&course).copied().flatten() {
                Some(lead) => lead == person.0,
                None => taught.contains(&course),
            },
        })
        .collect())
}

/// `person`'s capability to assess in `course`, if they have it.
pub async fn assessing<C: ConnectionTrait>(
    db: &C,
    person: PersonId,
    course: Uuid,
) -> Result<Option<Assessing>, sea_orm::DbErr> {
    let teacher = membership::Entity::find_by_id((person.0, course))
        .one(db)
        .await?
        .is_some_and(|row| teaches(&row));
    let named = course_assessor::Entity::find_by_id((course, person.0))
        .one(db)
        .await?
        .is_some();
    if !teacher && !named {
        return Ok(None);
    }
    let lead = match settings(db, course).await?.lead_assessor_id {
        Some(lead) => lead == person.0,
        None => teacher,
    };
    Ok(Some(Assessing {
        person,
        course,
        lead,
    }))
}

/// The course of a teacher's launch: where they manage assessment.
async fn course_taught<C: ConnectionTrait>(
    db: &C,
    teaching: &Teaching,
) -> Result<Uuid, AssessmentError> {
    crate::portfolio::access::course_of(db, teaching.session())
        .await?
        .ok_or(AssessmentError::NoCourse)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssessorView {
    pub person_id: Uuid,
    pub name: String,
    /// A teacher of the course in the LMS.
    pub teacher: bool,
    /// Named by an instructor.
    pub named: bool,
    pub lead: bool,
}

/// The course's assessors and its settings.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CourseAssessment {
    pub settings: Settings,
    pub assessors: Vec<AssessorView>,
}

pub async fn overview<C: ConnectionTrait>(
    db: &C,
    teaching: &Teaching,
) -> Result<CourseAssessment, AssessmentError> {
    let course = course_taught(db, teaching).await?;
    let settings = settings(db, course).await?;
    let teachers: HashSet<Uuid> = membership::Entity::find()
        .filter(membership::Column::ContextId.eq(course))
        .all(db)
        .await?
        .iter()
        .filter(|row| teaches(row))
        .map(|row| row.person_id)
        .collect();
    let named: HashSet<Uuid> = course_assessor::Entity::find()
        .filter(course_assessor::Column::ContextId.eq(course))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.person_id)
        .collect();
    let everyone: HashSet<Uuid> = teachers.union(&named).copied().collect();
    let names = crate::portfolio::sharing::names_of(db, everyone.clone()).await?;
    let mut assessors: Vec<AssessorView> = everyone
        .into_iter()
        .map(|person_id| AssessorView {
            name: names.get(&person_id).cloned().unwrap_or_default(),
            teacher: teachers.contains(&person_id),
            named: named.contains(&person_id),
            lead: match settings.lead_assessor_id {
                Some(lead) => lead == person_id,
                None => teachers.contains(&person_id),
            },
            person_id,
        })
        .collect();
    assessors.sort_by(|a, b| a.name.cmp(&b.name).then(a.person_id.cmp(&b.person_id)));
    Ok(CourseAssessment {
        settings,
        assessors,
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SettingsChange {
    pub required_decisions: Option<i32>,
    /// A person who assesses in the course; `null` leaves it to the instructors.
    #[serde(default, deserialize_with = "crate::util::present")]
    #[schema(value_type = Option<Uuid>)]
    pub lead_assessor_id: Option<Option<Uuid>>,
    pub grading_rule: Option<GradingRule>,
}

/// An instructor changes how their course assesses.
pub async fn change_settings<C: ConnectionTrait>(
    db: &C,
    teaching: &Teaching,
    change: SettingsChange,
) -> Result<Settings, AssessmentError> {
    let course = course_taught(db, teaching).await?;
    let mut settings = settings(db, course).await?;
    if let Some(required) = change.required_decisions {
        if !(1..=MAX_REQUIRED_DECISIONS).contains(&required) {
            return Err(AssessmentError::invalid(
                "required_decisions",
                format!("between 1 and {MAX_REQUIRED_DECISIONS}"),
            ));
        }
        settings.required_decisions = required;
    }
    if let Some(lead) = change.lead_assessor_id {
        if let Some(lead) = lead {
            if assessing(db, PersonId(lead), course).await?.is_none() {
                return Err(AssessmentError::invalid(
                    "lead_assessor_id",
                    "the lead assessor must assess in this course: a teacher of it, or a person named as its assessor",
                ));
            }
        }
        settings.lead_assessor_id = lead;
    }
    if let Some(rule) = change.grading_rule {
        settings.grading_rule = rule;
    }
    let row = assessment_setting::ActiveModel {
        context_id: Set(course),
        required_decisions: Set(settings.required_decisions),
        lead_assessor_id: Set(settings.lead_assessor_id),
        grading_rule: Set(settings.grading_rule.as_str().to_owned()),
        updated_at: Set(now_ms()),
    };
    assessment_setting::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(assessment_setting::Column::ContextId)
                .update_columns([
                    assessment_setting::Column::RequiredDecisions,
                    assessment_setting::Column::LeadAssessorId,
                    assessment_setting::Column::GradingRule,
                    assessment_setting::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(settings)
}

/// An instructor names a Carefolio person as an assessor of their course.
pub async fn name_assessor<C: ConnectionTrait>(
    db: &C,
    teaching: &Teaching,
    person_id: Uuid,
) -> Result<(), AssessmentError> {
    let course = course_taught(db, teaching).await?;
    if person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(AssessmentError::invalid(
            "person_id",
            "no Carefolio person has this id",
        ));
    }
    course_assessor::Entity::insert(course_assessor::ActiveModel {
        context_id: Set(course),
        person_id: Set(person_id),
        named_by: Set(teaching.session().person_id.0),
        created_at: Set(now_ms()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            course_assessor::Column::ContextId,
            course_assessor::Column::PersonId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Takes a named assessor's capability away; their decisions stay.
pub async fn remove_assessor<C: ConnectionTrait>(
    db: &C,
    teaching: &Teaching,
    person_id: Uuid,
) -> Result<(), AssessmentError> {
    let course = course_taught(db, teaching).await?;
    let removed = course_assessor::Entity::delete_by_id((course, person_id))
        .exec(db)
        .await?
        .rows_affected;
    if removed == 0 {
        return Err(AssessmentError::NotFound);
    }
    Ok(())
}
