//! LTI roles. Launches carry full URIs; Moodle's NRPS and some platforms
//! send short names (`Learner`). Both are normalised to full URIs.

const MEMBERSHIP: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership#";

/// The full-URI form of a role; unknown short names are kept as they are.
pub fn normalise(role: &str) -> String {
    if role.contains(':') {
        return role.to_owned();
    }
    match role {
        "Administrator" | "ContentDeveloper" | "Instructor" | "Learner" | "Mentor" | "Manager"
        | "Member" | "Officer" => format!("{MEMBERSHIP}{role}"),
        other => other.to_owned(),
    }
}

/// Teachers of the course: instructors (with their sub-roles, such as
/// teaching assistants), course designers and administrators.
pub fn is_instructor(roles: &[String]) -> bool {
    roles.iter().any(|role| {
        role.ends_with("membership#Instructor")
            || role.contains("membership/Instructor#")
            || role.ends_with("membership#Administrator")
            || role.ends_with("membership#ContentDeveloper")
            || role.ends_with("institution/person#Administrator")
    })
}

pub fn is_learner(roles: &[String]) -> bool {
    roles.iter().any(|role| {
        role.ends_with("membership#Learner") || role.ends_with("institution/person#Student")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_become_membership_uris() {
        assert_eq!(normalise("Learner"), format!("{MEMBERSHIP}Learner"));
        assert_eq!(
            normalise("http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"),
            "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
        );
        assert_eq!(normalise("SomethingNew"), "SomethingNew");
    }

    #[test]
    fn instructors_are_recognised_in_either_form() {
        assert!(is_instructor(&[normalise("Instructor")]));
        assert!(is_instructor(&[
            "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
                .to_owned()
        ]));
        assert!(!is_instructor(&[
            "http://purl.imsglobal.org/vocab/lis/v2/membership/Learner#NonCreditLearner".to_owned()
        ]));
        assert!(!is_instructor(&[normalise("Learner")]));
    }
}
