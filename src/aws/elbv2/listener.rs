//! `listener`: a port a load balancer listens on, and what it does with requests.

use crate::aws::shapes::block;
use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// A load balancer listener (`CreateListener`, `ModifyListener`).
pub struct Listener {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl Listener {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Listener { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "listener",
        "A listener: a port and protocol of a load balancer and its default action",
    )
    .taggable()
    .attr(
        AttrSchema::string("load_balancer_arn")
            .required()
            .replace()
            .doc("ARN of the load balancer"),
    )
    // ModifyListener changes port, protocol, certificate, policy and actions in place.
    .attr(AttrSchema::int("port").doc("Port to listen on, e.g. 443"))
    .attr(AttrSchema::string("protocol").doc("HTTP or HTTPS"))
    .attr(AttrSchema::string("certificate_arn").doc("ARN of the ACM certificate (HTTPS listeners)"))
    .attr(
        AttrSchema::string("ssl_policy").doc(
            "TLS negotiation policy (HTTPS listeners), e.g. ELBSecurityPolicy-TLS13-1-2-2021-06",
        ),
    )
    .attr(block("default_action").required().doc(
        "Default action, a table: type = forward (with target_group_arn) or redirect (with \
         redirect = { protocol, port, host, path, query, status_code })",
    ))
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the listener"))
});

crate::pending_kind!(Listener, SCHEMA);
