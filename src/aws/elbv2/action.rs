//! A listener's `default_action` table ↔ the ELBv2 `Action` shape (forward and redirect).

use crate::provider::ProviderError;
use crate::value::Value;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
};
use std::collections::BTreeMap;

/// Build the SDK action from `default_action = { type = "forward", target_group_arn = … }` or
/// `{ type = "redirect", redirect = { protocol, port, host, path, query, status_code } }`.
pub fn from_table(table: &BTreeMap<String, Value>, op: &str) -> Result<Action, ProviderError> {
    let text = |m: &BTreeMap<String, Value>, k: &str| -> Result<Option<String>, ProviderError> {
        match m.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            // Ports and status codes are naturally written as numbers.
            Some(Value::Int(i)) => Ok(Some(i.to_string())),
            Some(other) => Err(ProviderError::invalid(
                op,
                format!(
                    "`default_action.{k}` must be a string, not {}",
                    other.type_name()
                ),
            )),
        }
    };
    match text(table, "type")?.as_deref() {
        Some("forward") => {
            let tg = text(table, "target_group_arn")?.ok_or_else(|| {
                ProviderError::invalid(op, "a forward `default_action` needs `target_group_arn`")
            })?;
            Ok(Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(tg)
                .build())
        }
        Some("redirect") => {
            let Some(Value::Map(r)) = table.get("redirect") else {
                return Err(ProviderError::invalid(
                    op,
                    "a redirect `default_action` needs a `redirect` table (protocol, port, host, path, query, status_code)",
                ));
            };
            let keys: Vec<&str> = super::listener::redirect_fields()
                .iter()
                .map(|f| f.name)
                .collect();
            if let Some(unknown) = r.keys().find(|k| !keys.contains(&k.as_str())) {
                return Err(ProviderError::invalid(
                    op,
                    format!(
                        "unknown key `{unknown}` in `default_action.redirect` (known: {})",
                        keys.join(", ")
                    ),
                ));
            }
            // The API wants HTTP_301/HTTP_302; accept the bare numbers people write.
            let status = match text(r, "status_code")? {
                None => "HTTP_301".to_string(),
                Some(s) if s.starts_with("HTTP_") => s,
                Some(s) => format!("HTTP_{s}"),
            };
            let config = RedirectActionConfig::builder()
                .set_protocol(text(r, "protocol")?)
                .set_port(text(r, "port")?)
                .set_host(text(r, "host")?)
                .set_path(text(r, "path")?)
                .set_query(text(r, "query")?)
                .status_code(RedirectActionStatusCodeEnum::from(status.as_str()))
                .build();
            Ok(Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(config)
                .build())
        }
        other => Err(ProviderError::invalid(
            op,
            format!(
                "`default_action.type` must be \"forward\" or \"redirect\", not {}",
                other.map_or("unset".to_string(), |o| format!("{o:?}"))
            ),
        )),
    }
}

/// The `default_action` table of a described action.
pub fn to_value(action: &Action) -> Value {
    let mut m = BTreeMap::new();
    if let Some(t) = action.r#type() {
        m.insert("type".to_string(), Value::str(t.as_str()));
    }
    // AWS reports a simple forward both ways; the plain field may be absent in newer answers.
    let tg = action.target_group_arn().or_else(|| {
        action
            .forward_config()
            .and_then(|f| f.target_groups().first())
            .and_then(|t| t.target_group_arn())
    });
    if let Some(tg) = tg {
        m.insert("target_group_arn".to_string(), Value::str(tg));
    }
    if let Some(r) = action.redirect_config() {
        let mut rm = BTreeMap::new();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                rm.insert(k.to_string(), Value::str(v));
            }
        };
        put("protocol", r.protocol());
        put("port", r.port());
        put("host", r.host());
        put("path", r.path());
        put("query", r.query());
        put("status_code", r.status_code().map(|s| s.as_str()));
        m.insert("redirect".to_string(), Value::Map(rm));
    }
    Value::Map(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn redirect_round_trips_and_bare_status_codes_are_accepted() {
        let t = map(&[
            ("type", Value::str("redirect")),
            (
                "redirect",
                Value::Map(map(&[
                    ("protocol", Value::str("HTTPS")),
                    ("port", Value::Int(443)),
                    ("status_code", Value::Int(301)),
                ])),
            ),
        ]);
        let action = from_table(&t, "x").expect("valid");
        let back = to_value(&action);
        let Value::Map(back) = back else {
            panic!("not a table")
        };
        let Some(Value::Map(r)) = back.get("redirect") else {
            panic!("no redirect")
        };
        assert_eq!(r.get("port"), Some(&Value::str("443")));
        assert_eq!(r.get("status_code"), Some(&Value::str("HTTP_301")));
    }

    #[test]
    fn forward_needs_a_target_group_and_unknown_types_fail() {
        let err = from_table(&map(&[("type", Value::str("forward"))]), "x").expect_err("no tg");
        assert!(err.message.contains("target_group_arn"), "{err}");
        let err = from_table(&map(&[("type", Value::str("teleport"))]), "x").expect_err("bad");
        assert!(err.message.contains("teleport"), "{err}");
    }
}
