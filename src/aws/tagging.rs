//! Tags between strata's map and each SDK's own tag type, declared once per type.
//!
//! Every service has its own generated `Tag` (some with required keys, some with optional
//! ones, budgets calls it `ResourceTag`). Each is declared here once, by how its key and value
//! are read and how one is built; every kind then converts with [`tag_map`] and [`tag_list`].

use std::collections::BTreeMap;

/// An SDK tag type.
pub trait SdkTag: Sized {
    /// Key and value; `None` for a tag without a key.
    fn key_value(&self) -> Option<(&str, &str)>;
    /// The tag `key = value`; `None` if the SDK refuses to build it.
    fn of(key: &str, value: &str) -> Option<Self>;
}

/// Declare how one SDK tag type reads and builds.
macro_rules! sdk_tag {
    ($ty:ty, |$t:ident| $read:expr, |$k:ident, $v:ident| $build:expr) => {
        impl SdkTag for $ty {
            fn key_value(&self) -> Option<(&str, &str)> {
                let $t = self;
                $read
            }
            fn of($k: &str, $v: &str) -> Option<Self> {
                $build
            }
        }
    };
}

// Keys optional, builder infallible.
sdk_tag!(
    aws_sdk_ec2::types::Tag,
    |t| Some((t.key()?, t.value().unwrap_or(""))),
    |k, v| Some(aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
);
sdk_tag!(
    aws_sdk_ecs::types::Tag,
    |t| Some((t.key()?, t.value().unwrap_or(""))),
    |k, v| Some(aws_sdk_ecs::types::Tag::builder().key(k).value(v).build())
);
sdk_tag!(
    aws_sdk_rds::types::Tag,
    |t| Some((t.key()?, t.value().unwrap_or(""))),
    |k, v| Some(aws_sdk_rds::types::Tag::builder().key(k).value(v).build())
);
sdk_tag!(
    aws_sdk_elasticache::types::Tag,
    |t| Some((t.key()?, t.value().unwrap_or(""))),
    |k, v| Some(
        aws_sdk_elasticache::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
    )
);
sdk_tag!(
    aws_sdk_secretsmanager::types::Tag,
    |t| Some((t.key()?, t.value().unwrap_or(""))),
    |k, v| Some(
        aws_sdk_secretsmanager::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
    )
);
sdk_tag!(
    aws_sdk_elasticloadbalancingv2::types::Tag,
    |t| Some((t.key()?, t.value().unwrap_or(""))),
    |k, v| Some(
        aws_sdk_elasticloadbalancingv2::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
    )
);
// Keys required, builder fallible.
sdk_tag!(
    aws_sdk_iam::types::Tag,
    |t| Some((t.key(), t.value())),
    |k, v| {
        aws_sdk_iam::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .ok()
    }
);
sdk_tag!(
    aws_sdk_cloudfront::types::Tag,
    |t| Some((t.key(), t.value().unwrap_or(""))),
    |k, v| aws_sdk_cloudfront::types::Tag::builder()
        .key(k)
        .value(v)
        .build()
        .ok()
);
sdk_tag!(
    aws_sdk_efs::types::Tag,
    |t| Some((t.key(), t.value())),
    |k, v| {
        aws_sdk_efs::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .ok()
    }
);
sdk_tag!(
    aws_sdk_wafv2::types::Tag,
    |t| Some((t.key(), t.value())),
    |k, v| {
        aws_sdk_wafv2::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .ok()
    }
);
sdk_tag!(
    aws_sdk_budgets::types::ResourceTag,
    |t| Some((t.key(), t.value())),
    |k, v| aws_sdk_budgets::types::ResourceTag::builder()
        .key(k)
        .value(v)
        .build()
        .ok()
);

/// The tags as a map, without AWS's own `aws:` tags (which no one may set or remove).
pub fn tag_map<T: SdkTag>(tags: &[T]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(SdkTag::key_value)
        .filter(|(k, _)| !k.starts_with("aws:"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The map as SDK tags.
pub fn tag_list<T: SdkTag>(tags: &BTreeMap<String, String>) -> Vec<T> {
    tags.iter().filter_map(|(k, v)| T::of(k, v)).collect()
}

/// What turns the tags `have` into `want`: the tags to set (new or changed) and the keys to
/// remove. AWS's own `aws:` tags are never removed.
pub fn tag_changes(
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let removed = have
        .keys()
        .filter(|k| !want.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    (set, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_and_aws_tags_are_left_out() {
        let want = BTreeMap::from([("a".to_string(), "1".to_string())]);
        let mut list: Vec<aws_sdk_iam::types::Tag> = tag_list(&want);
        list.extend(aws_sdk_iam::types::Tag::of("aws:cloudformation:stack", "x"));
        assert_eq!(tag_map(&list), want);
    }

    #[test]
    fn changes_set_the_changed_and_remove_the_gone_but_never_aws_tags() {
        let have = BTreeMap::from([
            ("keep".to_string(), "1".to_string()),
            ("change".to_string(), "1".to_string()),
            ("gone".to_string(), "1".to_string()),
            ("aws:x".to_string(), "1".to_string()),
        ]);
        let want = BTreeMap::from([
            ("keep".to_string(), "1".to_string()),
            ("change".to_string(), "2".to_string()),
            ("new".to_string(), "3".to_string()),
        ]);
        let (set, removed) = tag_changes(&have, &want);
        assert_eq!(
            set.keys().collect::<Vec<_>>(),
            [&"change".to_string(), &"new".to_string()]
        );
        assert_eq!(removed, ["gone".to_string()]);
    }
}
