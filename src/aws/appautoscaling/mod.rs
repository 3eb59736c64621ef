//! Application Auto Scaling resource kinds: scalable targets and their scaling policies.
//!
//! moto 5.2 has no tagging calls for this API, so both kinds are untaggable here: they are
//! identified by what names them (namespace, resource id, dimension and, for a policy, its
//! name), and their ids are those parts joined by `|` (none of them but a policy name can
//! hold a `|`, and the name comes last).

pub mod policy;
pub mod target;

pub use policy::AppautoscalingPolicy;
pub use target::AppautoscalingTarget;

use crate::provider::ProviderError;

/// Default namespace: ECS services.
pub(crate) const DEFAULT_NAMESPACE: &str = "ecs";
/// Default dimension: an ECS service's desired count.
pub(crate) const DEFAULT_DIMENSION: &str = "ecs:service:DesiredCount";

/// `namespace|resource_id|dimension`.
pub(crate) fn target_id(namespace: &str, resource: &str, dimension: &str) -> String {
    format!("{namespace}|{resource}|{dimension}")
}

/// The parts of a target id, or of the start of a policy id; `None` when it is not one.
pub(crate) fn parse_target_id(id: &str) -> Option<(&str, &str, &str)> {
    let mut parts = id.splitn(3, '|');
    let (ns, resource, dimension) = (parts.next()?, parts.next()?, parts.next()?);
    (!ns.is_empty() && !resource.is_empty() && !dimension.is_empty() && !dimension.contains('|'))
        .then_some((ns, resource, dimension))
}

/// Whether an error says the target or policy named does not exist: AWS answers
/// `ObjectNotFoundException`; moto answers `ValidationException` "No scalable target found" /
/// "No scaling policy found".
pub(crate) fn is_missing(err: &ProviderError) -> bool {
    err.code.as_deref() == Some("ObjectNotFoundException")
        || (err.code.as_deref() == Some("ValidationException")
            && (err.message.contains("No scalable target found")
                || err.message.contains("No scaling policy found")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_ids_round_trip() {
        let id = target_id("ecs", "service/prod/api", DEFAULT_DIMENSION);
        assert_eq!(id, "ecs|service/prod/api|ecs:service:DesiredCount");
        assert_eq!(
            parse_target_id(&id),
            Some(("ecs", "service/prod/api", DEFAULT_DIMENSION))
        );
        assert_eq!(parse_target_id("ecs|service/prod/api"), None);
    }
}
