//! The replacement test's reads of the container platform's kinds (NAT, logs, secrets, ECS,
//! autoscaling, RDS, ElastiCache, WAF, budgets) through the SDK, behind strata's back.

use super::probe::gone;
use crate::support::moto::MotoSession;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};

/// moto's account.
const ACCOUNT: &str = "123456789012";

/// The replace-forcing value of the resource `id` of `kind`; `None` when it no longer exists
/// (or is on its way out: deleting, inactive, scheduled for deletion).
pub async fn probe(moto: &MotoSession, kind: &str, id: &str) -> Option<String> {
    match kind {
        "nat_gateway" => {
            let ec2 = moto.ec2();
            match ec2.describe_nat_gateways().nat_gateway_ids(id).send().await {
                Ok(out) => out
                    .nat_gateways()
                    .first()
                    .filter(|n| {
                        !matches!(n.state().map(|s| s.as_str()), Some("deleted" | "deleting"))
                    })
                    .and_then(|n| n.subnet_id().map(str::to_string)),
                Err(e) => gone(e.into_service_error(), &["NatGatewayNotFound"]),
            }
        }
        "cloudwatch_log_group" => {
            let logs: aws_sdk_cloudwatchlogs::Client = moto.client();
            logs.describe_log_groups()
                .log_group_name_prefix(id)
                .send()
                .await
                .expect("describe log groups")
                .log_groups()
                .iter()
                .find(|g| g.log_group_name() == Some(id))
                .and_then(|g| g.log_group_name().map(str::to_string))
        }
        "secretsmanager_secret" => {
            let secrets: aws_sdk_secretsmanager::Client = moto.client();
            match secrets.describe_secret().secret_id(id).send().await {
                Ok(out) if out.deleted_date().is_some() => None,
                Ok(out) => out.name().map(str::to_string),
                Err(e) => gone(e.into_service_error(), &["ResourceNotFoundException"]),
            }
        }
        "ecs_cluster" => {
            let ecs: aws_sdk_ecs::Client = moto.client();
            ecs.describe_clusters()
                .clusters(id)
                .send()
                .await
                .expect("describe clusters")
                .clusters()
                .iter()
                .find(|c| c.status() == Some("ACTIVE"))
                .and_then(|c| c.cluster_name().map(str::to_string))
        }
        "ecs_task_definition" => {
            let ecs: aws_sdk_ecs::Client = moto.client();
            match ecs
                .describe_task_definition()
                .task_definition(id)
                .send()
                .await
            {
                Ok(out) => out
                    .task_definition()
                    .filter(|t| t.status().map(|s| s.as_str()) == Some("ACTIVE"))
                    .and_then(|t| t.cpu().map(str::to_string)),
                Err(e) => gone(e.into_service_error(), &["ClientException"]),
            }
        }
        "ecs_service" => {
            // arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME
            let cluster = id
                .split('/')
                .nth(1)
                .expect("a service ARN names its cluster");
            let ecs: aws_sdk_ecs::Client = moto.client();
            match ecs
                .describe_services()
                .cluster(cluster)
                .services(id)
                .send()
                .await
            {
                Ok(out) => out
                    .services()
                    .iter()
                    .find(|s| s.status() == Some("ACTIVE"))
                    .and_then(|s| s.cluster_arn().map(str::to_string)),
                Err(e) => gone(e.into_service_error(), &["ClusterNotFoundException"]),
            }
        }
        "appautoscaling_target" | "appautoscaling_policy" => {
            // ecs|RESOURCE|DIMENSION[|POLICY]
            let parts: Vec<&str> = id.split('|').collect();
            let (resource, name) = (parts[1], parts.get(3).copied());
            let scaling: aws_sdk_applicationautoscaling::Client = moto.client();
            match name {
                None => scaling
                    .describe_scalable_targets()
                    .service_namespace(ServiceNamespace::Ecs)
                    .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                    .resource_ids(resource)
                    .send()
                    .await
                    .expect("describe scalable targets")
                    .scalable_targets()
                    .iter()
                    .find(|t| t.resource_id() == resource)
                    .map(|t| t.resource_id().to_string()),
                Some(name) => scaling
                    .describe_scaling_policies()
                    .service_namespace(ServiceNamespace::Ecs)
                    .resource_id(resource)
                    .policy_names(name)
                    .send()
                    .await
                    .expect("describe scaling policies")
                    .scaling_policies()
                    .iter()
                    .find(|p| p.policy_name() == name && p.resource_id() == resource)
                    .map(|p| p.resource_id().to_string()),
            }
        }
        "db_subnet_group" => {
            let rds: aws_sdk_rds::Client = moto.client();
            match rds
                .describe_db_subnet_groups()
                .db_subnet_group_name(id)
                .send()
                .await
            {
                Ok(out) => out
                    .db_subnet_groups()
                    .first()
                    .and_then(|g| g.db_subnet_group_name().map(str::to_string)),
                Err(e) => gone(e.into_service_error(), &["DBSubnetGroupNotFoundFault"]),
            }
        }
        "db_instance" => {
            let rds: aws_sdk_rds::Client = moto.client();
            match rds
                .describe_db_instances()
                .db_instance_identifier(id)
                .send()
                .await
            {
                Ok(out) => out
                    .db_instances()
                    .first()
                    .filter(|d| d.db_instance_status() != Some("deleting"))
                    .and_then(|d| d.db_subnet_group())
                    .and_then(|g| g.db_subnet_group_name().map(str::to_string)),
                Err(e) => gone(e.into_service_error(), &["DBInstanceNotFound"]),
            }
        }
        "elasticache_subnet_group" => {
            let ec: aws_sdk_elasticache::Client = moto.client();
            match ec
                .describe_cache_subnet_groups()
                .cache_subnet_group_name(id)
                .send()
                .await
            {
                Ok(out) => out
                    .cache_subnet_groups()
                    .first()
                    .and_then(|g| g.cache_subnet_group_name().map(str::to_string)),
                Err(e) => gone(e.into_service_error(), &["CacheSubnetGroupNotFoundFault"]),
            }
        }
        "elasticache_replication_group" => {
            let ec: aws_sdk_elasticache::Client = moto.client();
            match ec
                .describe_replication_groups()
                .replication_group_id(id)
                .send()
                .await
            {
                Ok(out) => out
                    .replication_groups()
                    .first()
                    .filter(|g| g.status() != Some("deleting"))
                    .and_then(|g| g.replication_group_id().map(str::to_string)),
                Err(e) => gone(e.into_service_error(), &["ReplicationGroupNotFoundFault"]),
            }
        }
        "wafv2_web_acl" => {
            // arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID
            let path: Vec<&str> = id.rsplit('/').take(2).collect();
            let (acl_id, name) = (path[0], path[1]);
            let waf: aws_sdk_wafv2::Client = moto.client();
            match waf
                .get_web_acl()
                .name(name)
                .id(acl_id)
                .scope(aws_sdk_wafv2::types::Scope::Regional)
                .send()
                .await
            {
                Ok(out) => out.web_acl().map(|a| a.name().to_string()),
                Err(e) => gone(e.into_service_error(), &["WAFNonexistentItemException"]),
            }
        }
        "wafv2_web_acl_association" => {
            let (acl, resource) = id.split_once(',').expect("ACL_ARN,RESOURCE_ARN");
            let waf: aws_sdk_wafv2::Client = moto.client();
            match waf
                .get_web_acl_for_resource()
                .resource_arn(resource)
                .send()
                .await
            {
                Ok(out) => out
                    .web_acl()
                    .filter(|a| a.arn() == acl)
                    .map(|a| a.name().to_string()),
                Err(e) => gone(e.into_service_error(), &["WAFNonexistentItemException"]),
            }
        }
        "budgets_budget" => {
            let budgets: aws_sdk_budgets::Client = moto.client();
            match budgets
                .describe_budget()
                .account_id(ACCOUNT)
                .budget_name(id)
                .send()
                .await
            {
                Ok(out) => out.budget().map(|b| b.budget_name().to_string()),
                Err(e) => gone(e.into_service_error(), &["NotFoundException"]),
            }
        }
        other => panic!("no probe for kind {other}"),
    }
}
