//! The subset of the CASE 1.0 JSON binding Carefolio reads. Both the 1.0
//! shape (`{"CFPackage": {...}}`) and the 1.1 shape (unwrapped) are accepted.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Package {
    #[serde(rename = "CFDocument")]
    pub document: Document,
    #[serde(rename = "CFItems", default)]
    pub items: Vec<Item>,
    #[serde(rename = "CFAssociations", default)]
    pub associations: Vec<Association>,
    #[serde(rename = "CFRubrics", default)]
    pub rubrics: Vec<Rubric>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub identifier: String,
    pub uri: String,
    pub title: String,
    pub language: Option<String>,
    pub version: Option<String>,
    pub publisher: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub identifier: String,
    pub uri: String,
    pub full_statement: String,
    pub abbreviated_statement: Option<String>,
    pub alternative_label: Option<String>,
    pub human_coding_scheme: Option<String>,
    #[serde(rename = "CFItemType")]
    pub item_type: Option<String>,
    pub language: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Association {
    pub association_type: String,
    pub sequence_number: Option<i32>,
    #[serde(rename = "originNodeURI")]
    pub origin: LinkUri,
    #[serde(rename = "destinationNodeURI")]
    pub destination: LinkUri,
}

#[derive(Debug, Deserialize)]
pub struct LinkUri {
    pub identifier: String,
}

#[derive(Debug, Deserialize)]
pub struct Rubric {
    #[serde(rename = "CFRubricCriteria", default)]
    pub criteria: Vec<RubricCriterion>,
}

#[derive(Debug, Deserialize)]
pub struct RubricCriterion {
    #[serde(rename = "CFRubricCriterionLevels", default)]
    pub levels: Vec<RubricLevel>,
}

#[derive(Debug, Deserialize)]
pub struct RubricLevel {
    pub quality: Option<String>,
    pub position: Option<i32>,
}

pub fn parse(json: &str) -> Result<Package, serde_json::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        Wrapped {
            #[serde(rename = "CFPackage")]
            package: Package,
        },
        Bare(Package),
    }
    Ok(match serde_json::from_str(json)? {
        Shape::Wrapped { package } => package,
        Shape::Bare(package) => package,
    })
}
