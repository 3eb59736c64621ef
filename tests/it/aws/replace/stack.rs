//! The stack the replacement test applies twice.

use crate::support::fixtures::{AMI_PARAMETER, PUBLIC_KEY};

/// The stack in generation `g` (1 or 2): generation 2 changes one replace-forcing attribute
/// of every resource (or of what it references).
pub fn stack(g: u32) -> String {
    let instance_type = if g == 1 { "t3.micro" } else { "t3.small" };
    let device = if g == 1 { "/dev/sdf" } else { "/dev/sdg" };
    // A volume's size and type change in place (ModifyVolume); encryption forces a new one.
    let encrypted = g == 2;
    let mount_subnet = if g == 1 { "a" } else { "b" };
    let tg_port = if g == 1 { 5678 } else { 8080 };
    let target_port = if g == 1 { 5678 } else { 8081 };
    // Fargate allows 1024 MiB with either.
    let task_cpu = if g == 1 { 256 } else { 512 };
    format!(
        r#"
[stack]
name = "replace"
region = "us-east-1"

[tags]
Project = "replace-test"

[resource.vpc.main]
cidr_block = "10.6{g}.0.0/16"

[resource.subnet.a]
vpc_id = "${{vpc.main.id}}"
cidr_block = "10.6{g}.1.0/24"
availability_zone = "us-east-1a"

[resource.subnet.b]
vpc_id = "${{vpc.main.id}}"
cidr_block = "10.6{g}.2.0/24"
availability_zone = "us-east-1b"

[resource.internet_gateway.main]
vpc_id = "${{vpc.main.id}}"

[resource.route_table.public]
vpc_id = "${{vpc.main.id}}"
routes = [{{ destination_cidr_block = "0.0.0.0/0", gateway_id = "${{internet_gateway.main.id}}" }}]
subnet_ids = ["${{subnet.a.id}}", "${{subnet.b.id}}"]

[resource.security_group.host]
vpc_id = "${{vpc.main.id}}"
name = "rp-host-{g}"
description = "replace test host"
ingress = [{{ protocol = "tcp", from_port = 22, to_port = 22, cidr_blocks = ["203.0.113.0/24"] }}]

[resource.iam_role.host]
name = "rp-host-{g}"
assume_role_policy = {{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}] }}

[resource.instance_profile.host]
name = "rp-host-{g}"
role = "${{iam_role.host.name}}"

[resource.key_pair.admin]
key_name = "rp-admin-{g}"
public_key = "{PUBLIC_KEY}"

[resource.instance.host]
ami_ssm_parameter = "{AMI_PARAMETER}"
instance_type = "{instance_type}"
subnet_id = "${{subnet.a.id}}"
vpc_security_group_ids = ["${{security_group.host.id}}"]
iam_instance_profile = "${{instance_profile.host.name}}"
key_name = "${{key_pair.admin.key_name}}"
depends_on = ["route_table.public"]

[resource.elastic_ip.host]
instance_id = "${{instance.host.id}}"

[resource.volume.data]
availability_zone = "${{subnet.a.availability_zone}}"
size_gb = 2
type = "gp3"
encrypted = {encrypted}

[resource.volume_attachment.data]
volume_id = "${{volume.data.id}}"
instance_id = "${{instance.host.id}}"
device_name = "{device}"

[resource.efs_file_system.shared]
encrypted = true
creation_token = "rp-fs-{g}"

[resource.efs_mount_target.a]
file_system_id = "${{efs_file_system.shared.id}}"
subnet_id = "${{subnet.{mount_subnet}.id}}"
security_groups = ["${{security_group.host.id}}"]

[resource.load_balancer.front]
name = "rp-front-{g}"
subnets = ["${{subnet.a.id}}", "${{subnet.b.id}}"]
security_groups = ["${{security_group.host.id}}"]
depends_on = ["route_table.public"]

[resource.target_group.web]
name = "rp-web"
port = {tg_port}
protocol = "HTTP"
vpc_id = "${{vpc.main.id}}"

[resource.target_attachment.web]
target_group_arn = "${{target_group.web.arn}}"
target_id = "${{instance.host.id}}"
port = {target_port}

[resource.listener.http]
load_balancer_arn = "${{load_balancer.front.arn}}"
port = 80
protocol = "HTTP"
default_action = {{ type = "forward", target_group_arn = "${{target_group.web.arn}}" }}

[resource.distribution.cdn]
comment = "replace test"
caller_reference = "rp-cdn-{g}"
price_class = "PriceClass_100"
origins = [{{ id = "alb", domain_name = "${{load_balancer.front.dns_name}}", origin_protocol_policy = "http-only" }}]
default_cache_behavior = {{ target_origin_id = "alb", viewer_protocol_policy = "redirect-to-https", cache_policy_id = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", compress = true }}

# --- The container platform's kinds ---

[resource.nat_gateway.private]
subnet_id = "${{subnet.{mount_subnet}.id}}"
connectivity_type = "private"

[resource.cloudwatch_log_group.app]
name = "rp-logs-{g}"
retention_in_days = 7

[resource.secretsmanager_secret.app]
name = "rp-secret-{g}"
generate_secret_string = {{ length = 24, exclude_punctuation = true }}

[resource.ecs_cluster.main]
name = "rp-cluster-{g}"

[resource.ecs_task_definition.app]
family = "rp-app"
cpu = "{task_cpu}"
memory = "1024"
network_mode = "awsvpc"
requires_compatibilities = ["FARGATE"]
container_definitions = [{{ name = "app", image = "public.ecr.aws/nginx/nginx:stable", essential = true }}]

[resource.ecs_service.app]
name = "rp-svc"
cluster = "${{ecs_cluster.main.arn}}"
task_definition = "${{ecs_task_definition.app.arn}}"
desired_count = 1
launch_type = "FARGATE"
network_configuration = {{ subnets = ["${{subnet.a.id}}"], security_groups = ["${{security_group.host.id}}"] }}

[resource.appautoscaling_target.app]
resource_id = "${{ecs_service.app.resource_id}}"
min_capacity = 1
max_capacity = 2

[resource.appautoscaling_policy.cpu]
resource_id = "${{appautoscaling_target.app.resource_id}}"
target_tracking = {{ target_value = 70, predefined_metric_type = "ECSServiceAverageCPUUtilization" }}

[resource.db_subnet_group.main]
name = "rp-db-{g}"
description = "replace test"
subnet_ids = ["${{subnet.a.id}}", "${{subnet.b.id}}"]

[resource.db_instance.main]
identifier = "rp-db-{g}"
engine = "postgres"
engine_version = "16.4"
instance_class = "db.t3.micro"
allocated_storage = 20
username = "app"
manage_master_user_password = true
db_subnet_group_name = "${{db_subnet_group.main.name}}"
vpc_security_group_ids = ["${{security_group.host.id}}"]
skip_final_snapshot = true

[resource.elasticache_subnet_group.main]
name = "rp-cache-{g}"
description = "replace test"
subnet_ids = ["${{subnet.a.id}}", "${{subnet.b.id}}"]

[resource.elasticache_replication_group.main]
replication_group_id = "rp-redis-{g}"
description = "replace test"
node_type = "cache.t3.micro"
num_cache_clusters = 1
subnet_group_name = "${{elasticache_subnet_group.main.name}}"
security_group_ids = ["${{security_group.host.id}}"]

[resource.wafv2_web_acl.main]
name = "rp-acl-{g}"
default_action = "allow"
rules = [{{ name = "rate", priority = 1, action = "block", rate_based = {{ limit = 100, aggregate_key_type = "IP" }} }}]

[resource.wafv2_web_acl_association.main]
web_acl_arn = "${{wafv2_web_acl.main.arn}}"
resource_arn = "${{load_balancer.front.arn}}"

[resource.budgets_budget.main]
name = "rp-budget-{g}"
limit_amount = 100
time_unit = "MONTHLY"
"#
    )
}
