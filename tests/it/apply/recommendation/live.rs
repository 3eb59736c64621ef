//! The staging tier's helpers: its certificate, runs of strata against it, and the live
//! account read through the SDK and compared with the configuration.

use crate::support::moto::{http, MotoSession};
use crate::support::{strata, Run, TempProject};
use std::collections::BTreeMap;
use std::path::Path;

/// The tier the tests apply.
pub const TIER: &str = "recommendation-staging";
/// Its deployment name.
pub const DEPLOYMENT: &str = "recommendation-api-recommendation-staging";

/// An ACM certificate the HTTPS listener can serve (moto's ELBv2 checks that it exists). No
/// SDK crate for one call: ACM speaks JSON 1.1, which the loopback helper can send.
pub fn certificate(moto: &MotoSession) -> String {
    let (status, body) = http(
        moto.port,
        "POST",
        "/",
        r#"{"DomainName":"api.staging.example.com"}"#,
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "CertificateManager.RequestCertificate"),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=testing/20261207/us-east-1/acm/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ],
    )
    .expect("RequestCertificate");
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    json["CertificateArn"].as_str().expect("an ARN").to_string()
}

/// Run strata on the staging tier against `endpoint`, with the certificate set.
pub fn run(project: &TempProject, state: &Path, endpoint: &str, cert: &str, args: &[&str]) -> Run {
    strata(project.path())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("STRATA_VAR_certificate_arn", cert)
        .args(args)
        .args(["--tier", TIER])
        .state_dir(state)
        .run()
}

/// The resources the state records, by address.
pub fn recorded(state: &Path) -> BTreeMap<String, serde_json::Value> {
    let text = std::fs::read_to_string(state.join(DEPLOYMENT).join("state.json")).expect("state");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    json["resources"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn id_of(resources: &BTreeMap<String, serde_json::Value>, address: &str) -> String {
    resources
        .get(address)
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("{address} is recorded with an id"))
        .to_string()
}

/// What the live account holds of the tier, read through the SDK, compared with the
/// configuration: every mismatch, as a line.
pub async fn mismatches(
    moto: &MotoSession,
    resources: &BTreeMap<String, serde_json::Value>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut expect = |what: &str, ok: bool| {
        if !ok {
            out.push(what.to_string());
        }
    };

    let ecs: aws_sdk_ecs::Client = moto.client();
    let service_arn = id_of(resources, "ecs_service.api");
    let cluster_arn = id_of(resources, "ecs_cluster.main");
    let services = ecs
        .describe_services()
        .cluster(&cluster_arn)
        .services(&service_arn)
        .send()
        .await
        .expect("DescribeServices");
    let service = services.services().first();
    expect(
        "service runs 2 tasks",
        service.map(|s| s.desired_count()) == Some(2),
    );
    expect(
        "service is behind the target group",
        service.is_some_and(|s| {
            s.load_balancers()
                .iter()
                .any(|l| l.container_port() == Some(8000))
        }),
    );

    let scaling: aws_sdk_applicationautoscaling::Client = moto.client();
    let targets = scaling
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .expect("DescribeScalableTargets");
    expect(
        "scalable target 2..4",
        targets
            .scalable_targets()
            .iter()
            .any(|t| t.min_capacity() == 2 && t.max_capacity() == 4),
    );
    let policies = scaling
        .describe_scaling_policies()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .expect("DescribeScalingPolicies");
    let targets_of: Vec<f64> = policies
        .scaling_policies()
        .iter()
        .filter_map(|p| p.target_tracking_scaling_policy_configuration())
        .map(|c| c.target_value())
        .collect();
    expect("CPU 70 and memory 80 policies", {
        let mut t = targets_of.clone();
        t.sort_by(f64::total_cmp);
        t == [70.0, 80.0]
    });

    let rds: aws_sdk_rds::Client = moto.client();
    let db = rds
        .describe_db_instances()
        .db_instance_identifier(id_of(resources, "db_instance.main"))
        .send()
        .await
        .expect("DescribeDBInstances");
    let db = db.db_instances().first();
    expect("postgres", db.and_then(|d| d.engine()) == Some("postgres"));
    expect(
        "encrypted",
        db.and_then(|d| d.storage_encrypted()) == Some(true),
    );
    expect(
        "7-day backups",
        db.and_then(|d| d.backup_retention_period()) == Some(7),
    );
    expect(
        "single-zone in staging",
        db.and_then(|d| d.multi_az()) == Some(false),
    );
    expect(
        "password managed in Secrets Manager",
        db.and_then(|d| d.master_user_secret()).is_some(),
    );

    let cache: aws_sdk_elasticache::Client = moto.client();
    let groups = cache
        .describe_replication_groups()
        .replication_group_id(id_of(resources, "elasticache_replication_group.main"))
        .send()
        .await
        .expect("DescribeReplicationGroups");
    let group = groups.replication_groups().first();
    // A primary and its replica (moto makes only the primary; the strict proxy lists the
    // members AWS makes), with automatic failover and Multi-AZ.
    expect(
        "a primary and one replica",
        group.map(|g| g.member_clusters().len()) == Some(2),
    );
    expect(
        "automatic failover and Multi-AZ",
        group
            .and_then(|g| g.automatic_failover())
            .map(|s| s.as_str())
            == Some("enabled")
            && group.and_then(|g| g.multi_az()).map(|s| s.as_str()) == Some("enabled"),
    );
    expect(
        "encrypted in transit and at rest",
        group.and_then(|g| g.transit_encryption_enabled()) == Some(true)
            && group.and_then(|g| g.at_rest_encryption_enabled()) == Some(true),
    );

    let logs: aws_sdk_cloudwatchlogs::Client = moto.client();
    let log_group = id_of(resources, "cloudwatch_log_group.api");
    let found = logs
        .describe_log_groups()
        .log_group_name_prefix(&log_group)
        .send()
        .await
        .expect("DescribeLogGroups");
    expect(
        "30-day log retention",
        found.log_groups().iter().any(|g| {
            g.log_group_name() == Some(log_group.as_str()) && g.retention_in_days() == Some(30)
        }),
    );

    let waf: aws_sdk_wafv2::Client = moto.client();
    let lb_arn = id_of(resources, "load_balancer.api");
    let acl = waf
        .get_web_acl_for_resource()
        .resource_arn(&lb_arn)
        .send()
        .await
        .expect("GetWebACLForResource");
    let rate = acl
        .web_acl()
        .map(|a| a.rules())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.statement().and_then(|s| s.rate_based_statement()))
        .map(|r| (r.limit(), r.evaluation_window_sec()))
        .next();
    expect(
        "WAF rate limit 100 per 60 s on the ALB",
        rate == Some((100, 60)),
    );

    let ec2 = moto.ec2();
    let nats = ec2
        .describe_nat_gateways()
        .filter(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:strata:deployment")
                .values(DEPLOYMENT)
                .build(),
        )
        .send()
        .await
        .expect("DescribeNatGateways");
    let live_nats = nats
        .nat_gateways()
        .iter()
        .filter(|n| n.state().map(|s| s.as_str()) == Some("available"))
        .count();
    expect("one NAT gateway in staging", live_nats == 1);
    out
}

/// Everything of the deployment still live after destroy, across the stack's services.
pub async fn left(moto: &MotoSession) -> Vec<String> {
    let mut out = Vec::new();
    let tag = aws_sdk_ec2::types::Filter::builder()
        .name("tag:strata:deployment")
        .values(DEPLOYMENT)
        .build();
    let ec2 = moto.ec2();
    let vpcs = ec2
        .describe_vpcs()
        .filters(tag.clone())
        .send()
        .await
        .expect("vpcs");
    out.extend(vpcs.vpcs().iter().map(|v| format!("vpc {:?}", v.vpc_id())));
    let nats = ec2
        .describe_nat_gateways()
        .filter(tag.clone())
        .send()
        .await
        .expect("nats");
    out.extend(
        nats.nat_gateways()
            .iter()
            .filter(|n| n.state().map(|s| s.as_str()) != Some("deleted"))
            .map(|n| format!("nat gateway {:?}", n.nat_gateway_id())),
    );
    let eips = ec2
        .describe_addresses()
        .filters(tag)
        .send()
        .await
        .expect("eips");
    out.extend(
        eips.addresses()
            .iter()
            .map(|a| format!("eip {:?}", a.allocation_id())),
    );

    let ecs: aws_sdk_ecs::Client = moto.client();
    let clusters = ecs.list_clusters().send().await.expect("clusters");
    if !clusters.cluster_arns().is_empty() {
        let described = ecs
            .describe_clusters()
            .set_clusters(Some(clusters.cluster_arns().to_vec()))
            .send()
            .await
            .expect("describe clusters");
        out.extend(
            described
                .clusters()
                .iter()
                .filter(|c| c.status() == Some("ACTIVE"))
                .map(|c| format!("ecs cluster {:?}", c.cluster_name())),
        );
    }
    let rds: aws_sdk_rds::Client = moto.client();
    let dbs = rds.describe_db_instances().send().await.expect("dbs");
    out.extend(
        dbs.db_instances()
            .iter()
            .map(|d| format!("db {:?}", d.db_instance_identifier())),
    );
    let subnet_groups = rds
        .describe_db_subnet_groups()
        .send()
        .await
        .expect("db subnet groups");
    out.extend(
        subnet_groups
            .db_subnet_groups()
            .iter()
            .filter(|g| g.db_subnet_group_name() != Some("default"))
            .map(|g| format!("db subnet group {:?}", g.db_subnet_group_name())),
    );
    let cache: aws_sdk_elasticache::Client = moto.client();
    let groups = cache
        .describe_replication_groups()
        .send()
        .await
        .expect("cache");
    out.extend(
        groups
            .replication_groups()
            .iter()
            .map(|g| format!("replication group {:?}", g.replication_group_id())),
    );
    let waf: aws_sdk_wafv2::Client = moto.client();
    let acls = waf
        .list_web_acls()
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .send()
        .await
        .expect("acls");
    out.extend(
        acls.web_acls()
            .iter()
            .map(|a| format!("web acl {:?}", a.name())),
    );
    let logs: aws_sdk_cloudwatchlogs::Client = moto.client();
    let groups = logs.describe_log_groups().send().await.expect("log groups");
    out.extend(
        groups
            .log_groups()
            .iter()
            .map(|g| format!("log group {:?}", g.log_group_name())),
    );
    let secrets: aws_sdk_secretsmanager::Client = moto.client();
    let listed = secrets.list_secrets().send().await.expect("secrets");
    out.extend(
        listed
            .secret_list()
            .iter()
            .filter(|s| s.deleted_date().is_none())
            .filter(|s| s.tags().iter().any(|t| t.value() == Some(DEPLOYMENT)))
            .map(|s| format!("secret {:?}", s.name())),
    );
    let iam = moto.iam();
    let roles = iam.list_roles().send().await.expect("roles");
    out.extend(
        roles
            .roles()
            .iter()
            .filter(|r| r.role_name().starts_with("recommendation"))
            .map(|r| format!("role {}", r.role_name())),
    );
    let elb = moto.elbv2();
    let lbs = elb.describe_load_balancers().send().await.expect("lbs");
    out.extend(
        lbs.load_balancers()
            .iter()
            .map(|l| format!("load balancer {:?}", l.load_balancer_name())),
    );
    out
}
