//! Every attribute a kind's schema marks update-in-place must be accepted by that kind's
//! `update`: otherwise plan shows `~` and apply fails with `strata::aws::unsupported`.
//!
//! The kinds talk to the test proxy, which answers every call with `UnauthorizedOperation` (not
//! retryable, so no wait loop spins): an accepted attribute fails only when its update reaches
//! AWS, while a refused one fails with the kind's "not supported in place" refusal. No kind or
//! attribute list is written here: the walk covers whatever the registry holds, so a new
//! attribute is checked the day it is added.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use strata::aws::{registry_with, Aws, AwsSettings};
use strata::provider::{AttrType, Attrs, CallStats, ErrorClass, OnChange, UpdateRequest};

use crate::support::proxy::{Proxy, Times};
use strata::{Address, Value};

/// A value of the attribute's type (the content does not matter: no call succeeds).
fn sample(ty: &AttrType) -> Value {
    match ty {
        AttrType::String | AttrType::Any => Value::str("sample"),
        AttrType::Int | AttrType::Number => Value::Int(2),
        AttrType::Bool => Value::Bool(true),
        AttrType::List(inner) => Value::List(vec![sample(inner)]),
        AttrType::Map(inner) => Value::Map(BTreeMap::from([("k".to_string(), sample(inner))])),
        AttrType::Block(fields) => Value::Map(
            fields
                .iter()
                .map(|f| (f.name.to_string(), sample(&f.ty)))
                .collect(),
        ),
    }
}

/// A port on loopback nobody listens on (the proxy never forwards here: every call faults).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[tokio::test]
async fn every_in_place_attribute_is_accepted_by_update() {
    let proxy = Proxy::start(closed_port());
    proxy.fail("*", Times::Always, "UnauthorizedOperation", 403);
    let aws = Aws::new(
        AwsSettings {
            region: Some("us-east-1".into()),
            endpoint_url: Some(proxy.endpoint()),
            static_credentials: Some(("testing".into(), "testing".into())),
            call_timeout: Some(Duration::from_secs(2)),
            ..AwsSettings::default()
        },
        CallStats::default(),
    );
    let registry = registry_with(Arc::new(aws));
    let mut checked = 0;
    let mut refused = Vec::new();
    for kind_name in registry.names().collect::<Vec<_>>() {
        let kind = registry.get(kind_name).expect("registered kind");
        let address = Address::new(kind_name, "probe");
        for attr in &kind.schema().attrs {
            if attr.computed || attr.on_change != OnChange::Update {
                continue;
            }
            checked += 1;
            let before = Attrs::new();
            let after = Attrs::from([(attr.name.to_string(), sample(&attr.ty))]);
            let changed = [attr.name.to_string()];
            let tags = BTreeMap::new();
            let req = UpdateRequest {
                address: &address,
                id: "probe-id",
                before: &before,
                after: &after,
                changed: &changed,
                tags: &tags,
            };
            let outcome = tokio::time::timeout(Duration::from_secs(20), kind.update(&req))
                .await
                .unwrap_or_else(|_| panic!("{kind_name}.{} update hung", attr.name));
            if let Err(e) = outcome {
                if e.class == ErrorClass::Unsupported || e.message.contains("in place") {
                    refused.push(format!("{kind_name}.{}: {e}", attr.name));
                }
            }
        }
    }
    assert!(checked > 30, "only {checked} in-place attributes found");
    assert!(
        !proxy.record().is_empty(),
        "the accepted updates reached the (faulting) endpoint"
    );
    assert!(
        refused.is_empty(),
        "marked update-in-place but refused by update:\n{}",
        refused.join("\n")
    );
}
