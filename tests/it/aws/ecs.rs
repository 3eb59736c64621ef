//! The ECS and Application Auto Scaling kinds against the emulator, through the strict proxy
//! and the real SDK: a Fargate service behind a target group, scaled 2..20 on CPU and memory.
//! Each kind is created, read back behind strata's back, updated in place, found by tags
//! (where it has tags), read in batches counted at the proxy, and deleted twice in reverse
//! order.

use crate::support::fixtures::network;
use crate::support::kinds::{
    attrs, create, delete_twice, deployment_tag, ip_target_group, kind, owner, strata_tags, strs,
    table, update, ToAddress,
};
use crate::support::moto::{moto_strict, MotoSession};
use aws_sdk_ecs::types::{ClusterField, ServiceField, TaskDefinitionField};
use strata::provider::Attrs;
use strata::Value;

/// Calls of `op` the strict proxy saw since the last `clear_record`.
fn calls(moto: &MotoSession, op: &str) -> usize {
    moto.strict
        .as_ref()
        .expect("strict session")
        .operations_matching(op)
        .len()
}

fn clear(moto: &MotoSession) {
    moto.strict.as_ref().expect("strict session").clear_record();
}

fn strategy(provider: &str, weight: i64, base: i64) -> Value {
    table(&[
        ("capacity_provider", Value::str(provider)),
        ("weight", Value::Int(weight)),
        ("base", Value::Int(base)),
    ])
}

fn task_attrs(image: &str) -> Attrs {
    attrs(&[
        ("cpu", Value::str("256")),
        ("memory", Value::str("512")),
        ("requires_compatibilities", strs(&["FARGATE"])),
        (
            "container_definitions",
            Value::List(vec![table(&[
                ("name", Value::str("api")),
                ("image", Value::str(image)),
                ("essential", Value::Bool(true)),
                ("environment", table(&[("MODEL", Value::str("v1"))])),
                (
                    "port_mappings",
                    Value::List(vec![table(&[
                        ("container_port", Value::Int(8000)),
                        ("host_port", Value::Int(8000)),
                        ("protocol", Value::str("tcp")),
                    ])]),
                ),
                (
                    "log_configuration",
                    table(&[
                        ("log_driver", Value::str("awslogs")),
                        (
                            "options",
                            table(&[
                                ("awslogs-group", Value::str("/ecs/api")),
                                ("awslogs-region", Value::str("us-east-1")),
                                ("awslogs-stream-prefix", Value::str("api")),
                            ]),
                        ),
                    ]),
                ),
            ])]),
        ),
    ])
}

#[tokio::test]
async fn cluster_create_read_update_find_batch_delete() {
    let moto = moto_strict();
    let registry = moto.registry();
    let clusters = kind(&registry, "ecs_cluster");
    let wanted = attrs(&[
        ("capacity_providers", strs(&["FARGATE", "FARGATE_SPOT"])),
        (
            "default_capacity_provider_strategy",
            Value::List(vec![
                strategy("FARGATE", 1, 1),
                strategy("FARGATE_SPOT", 3, 0),
            ]),
        ),
        ("container_insights", Value::Bool(true)),
    ]);
    let created = create(clusters, "ecs_cluster.main", &wanted).await;
    assert!(
        created.id.ends_with(":cluster/test-dev-main"),
        "{}",
        created.id
    );

    // Behind strata's back.
    let ecs: aws_sdk_ecs::Client = moto.client();
    let got = ecs
        .describe_clusters()
        .clusters(&created.id)
        .include(ClusterField::Tags)
        .include(ClusterField::Settings)
        .send()
        .await
        .expect("describe");
    let c = &got.clusters()[0];
    assert_eq!(c.cluster_name(), Some("test-dev-main"));
    assert_eq!(c.capacity_providers(), ["FARGATE", "FARGATE_SPOT"]);
    assert_eq!(c.default_capacity_provider_strategy()[1].weight(), 3);
    assert_eq!(c.settings()[0].value(), Some("enabled"));
    assert_eq!(
        strata::aws::tagging::tag_map(c.tags()),
        strata_tags("ecs_cluster.main")
    );
    let read = clusters
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(
        read[0].attrs["default_capacity_provider_strategy"],
        wanted["default_capacity_provider_strategy"]
    );
    assert_eq!(read[0].attrs["container_insights"], Value::Bool(true));

    // Update in place: the strategy (PutClusterCapacityProviders) and insights.
    let mut after = wanted.clone();
    after.insert(
        "default_capacity_provider_strategy".into(),
        Value::List(vec![strategy("FARGATE", 2, 0)]),
    );
    after.insert("container_insights".into(), Value::Bool(false));
    let mut tags = strata_tags("ecs_cluster.main");
    tags.insert("Owner".into(), "ml".into());
    let updated = update(
        clusters,
        "ecs_cluster.main",
        &created.id,
        &created.attrs,
        &after,
        &[
            "default_capacity_provider_strategy",
            "container_insights",
            "tags",
        ],
        &tags,
    )
    .await
    .expect("update");
    assert_eq!(updated.attrs["container_insights"], Value::Bool(false));
    let got = ecs
        .describe_clusters()
        .clusters(&created.id)
        .include(ClusterField::Tags)
        .include(ClusterField::Settings)
        .send()
        .await
        .expect("describe");
    let c = &got.clusters()[0];
    assert_eq!(c.default_capacity_provider_strategy().len(), 1);
    assert_eq!(c.default_capacity_provider_strategy()[0].weight(), 2);
    assert_eq!(c.settings()[0].value(), Some("disabled"));
    assert_eq!(
        strata::aws::tagging::tag_map(c.tags()).get("Owner"),
        Some(&"ml".to_string())
    );

    // Two more clusters; a batched read of all three is one DescribeClusters call.
    let mut ids = vec![created.id.clone()];
    for n in ["b", "c"] {
        ids.push(
            create(clusters, &format!("ecs_cluster.{n}"), &Attrs::new())
                .await
                .id,
        );
    }
    clear(&moto);
    let read = clusters.read(&ids).await.expect("read");
    assert_eq!(read.len(), 3);
    assert_eq!(calls(&moto, "ecs:DescribeClusters"), 1);

    let found = clusters.find_tagged(&deployment_tag()).await.expect("find");
    let mut found: Vec<_> = found.into_iter().map(|l| l.id).collect();
    found.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(found, want);

    for id in &ids {
        delete_twice(clusters, id, &Attrs::new()).await;
    }
}

#[tokio::test]
async fn invalid_configurations_are_refused_before_any_call() {
    let moto = moto_strict();
    let registry = moto.registry();
    let td = kind(&registry, "ecs_task_definition");
    let mut bad = task_attrs("nginx");
    bad.insert("memory".into(), Value::str("4096"));
    let problems = td.validate(&bad);
    assert!(
        problems.iter().any(|p| p.attr == Some("memory")),
        "cpu 256 with 4096 MiB is not a Fargate size: {problems:?}"
    );
    assert!(td.validate(&task_attrs("nginx")).is_empty());
    let target = kind(&registry, "appautoscaling_target");
    let problems = target.validate(&attrs(&[
        ("resource_id", Value::str("service/c/s")),
        ("min_capacity", Value::Int(5)),
        ("max_capacity", Value::Int(2)),
    ]));
    assert_eq!(problems.len(), 1, "{problems:?}");
    let cluster = kind(&registry, "ecs_cluster");
    let problems = cluster.validate(&attrs(&[
        ("capacity_providers", strs(&["FARGATE"])),
        (
            "default_capacity_provider_strategy",
            Value::List(vec![strategy("FARGATE_SPOT", 1, 0)]),
        ),
    ]));
    assert_eq!(problems.len(), 1, "{problems:?}");
}

#[tokio::test]
async fn fargate_service_scaled_on_cpu_and_memory_end_to_end() {
    let moto = moto_strict();
    let registry = moto.registry();
    let net = network(&moto).await;
    let ecs: aws_sdk_ecs::Client = moto.client();
    let scaling: aws_sdk_applicationautoscaling::Client = moto.client();

    let tg = create(
        kind(&registry, "target_group"),
        "target_group.api",
        &ip_target_group(&net.vpc),
    )
    .await;
    let cluster = create(
        kind(&registry, "ecs_cluster"),
        "ecs_cluster.main",
        &attrs(&[("capacity_providers", strs(&["FARGATE"]))]),
    )
    .await;

    // Task definition: read back behind strata's back.
    let tds = kind(&registry, "ecs_task_definition");
    let td_attrs = task_attrs("ghcr.io/acme/reco:1");
    let td = create(tds, "ecs_task_definition.api", &td_attrs).await;
    assert!(
        td.id.ends_with(":task-definition/test-dev-api:1"),
        "{}",
        td.id
    );
    assert_eq!(td.attrs["revision"], Value::Int(1));
    let got = ecs
        .describe_task_definition()
        .task_definition(&td.id)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .expect("describe");
    let def = got.task_definition().expect("td");
    assert_eq!(def.cpu(), Some("256"));
    assert_eq!(def.memory(), Some("512"));
    let c = &def.container_definitions()[0];
    assert_eq!(c.image(), Some("ghcr.io/acme/reco:1"));
    assert_eq!(c.port_mappings()[0].container_port(), Some(8000));
    let logs = c.log_configuration().expect("log configuration");
    assert_eq!(logs.log_driver().as_str(), "awslogs");
    assert_eq!(
        logs.options()
            .and_then(|o| o.get("awslogs-group"))
            .map(String::as_str),
        Some("/ecs/api")
    );
    assert_eq!(
        strata::aws::tagging::tag_map(got.tags()),
        strata_tags("ecs_task_definition.api")
    );
    let read = tds.read(std::slice::from_ref(&td.id)).await.expect("read");
    assert_eq!(read.len(), 1);
    assert!(
        read[0].attrs["container_definitions"].covers(&td_attrs["container_definitions"]),
        "{:?}",
        read[0].attrs["container_definitions"]
    );
    let found = tds.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.iter().map(|l| &l.id).collect::<Vec<_>>(), [&td.id]);

    // Service.
    let services = kind(&registry, "ecs_service");
    let network_configuration = table(&[
        ("subnets", strs(&net.subnets)),
        ("security_groups", strs(&net.security_groups[..1])),
        ("assign_public_ip", Value::Bool(false)),
    ]);
    let svc_attrs = attrs(&[
        ("cluster", Value::str(&cluster.id)),
        ("task_definition", Value::str(&td.id)),
        ("desired_count", Value::Int(2)),
        ("network_configuration", network_configuration.clone()),
        (
            "load_balancers",
            Value::List(vec![table(&[
                ("target_group_arn", Value::str(&tg.id)),
                ("container_name", Value::str("api")),
                ("container_port", Value::Int(8000)),
            ])]),
        ),
        ("deployment_minimum_healthy_percent", Value::Int(50)),
        ("deployment_maximum_percent", Value::Int(200)),
        ("propagate_tags", Value::str("SERVICE")),
    ]);
    let svc = create(services, "ecs_service.api", &svc_attrs).await;
    assert!(
        svc.id.ends_with(":service/test-dev-main/test-dev-api"),
        "{}",
        svc.id
    );
    let resource_id = "service/test-dev-main/test-dev-api";
    assert_eq!(svc.attrs["resource_id"], Value::str(resource_id));
    let got = ecs
        .describe_services()
        .cluster(&cluster.id)
        .services(&svc.id)
        .include(ServiceField::Tags)
        .send()
        .await
        .expect("describe");
    let s = &got.services()[0];
    assert_eq!(s.desired_count(), 2);
    assert_eq!(s.launch_type().map(|l| l.as_str()), Some("FARGATE"));
    assert_eq!(s.task_definition(), Some(td.id.as_str()));
    assert_eq!(
        s.load_balancers()[0].target_group_arn(),
        Some(tg.id.as_str())
    );
    assert_eq!(s.load_balancers()[0].container_port(), Some(8000));
    let vpc = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .expect("awsvpc");
    let mut subnets = vpc.subnets().to_vec();
    subnets.sort();
    assert_eq!(subnets, net.subnets);
    assert_eq!(
        strata::aws::tagging::tag_map(s.tags()),
        strata_tags("ecs_service.api")
    );
    let read = services
        .read(std::slice::from_ref(&svc.id))
        .await
        .expect("read");
    assert_eq!(
        read[0].attrs["network_configuration"],
        network_configuration
    );
    assert_eq!(read[0].attrs["desired_count"], Value::Int(2));
    let found = services.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.iter().map(|l| &l.id).collect::<Vec<_>>(), [&svc.id]);

    // Update in place: desired count; then a new revision (the task definition is replaced:
    // a new one registered) and the service pointed at it.
    let mut after = svc_attrs.clone();
    after.insert("desired_count".into(), Value::Int(3));
    update(
        services,
        "ecs_service.api",
        &svc.id,
        &svc.attrs,
        &after,
        &["desired_count"],
        &strata_tags("ecs_service.api"),
    )
    .await
    .expect("update desired_count");
    let td2 = create(
        tds,
        "ecs_task_definition.api",
        &task_attrs("ghcr.io/acme/reco:2"),
    )
    .await;
    assert!(
        td2.id.ends_with(":task-definition/test-dev-api:2"),
        "{}",
        td2.id
    );
    after.insert("task_definition".into(), Value::str(&td2.id));
    update(
        services,
        "ecs_service.api",
        &svc.id,
        &svc.attrs,
        &after,
        &["task_definition"],
        &strata_tags("ecs_service.api"),
    )
    .await
    .expect("point the service at the new revision");
    let got = ecs
        .describe_services()
        .cluster(&cluster.id)
        .services(&svc.id)
        .send()
        .await
        .expect("describe");
    assert_eq!(got.services()[0].desired_count(), 3);
    assert_eq!(got.services()[0].task_definition(), Some(td2.id.as_str()));
    delete_twice(tds, &td.id, &td_attrs).await;

    // Scalable target 2..20, then its bounds updated.
    let targets = kind(&registry, "appautoscaling_target");
    let target_attrs = attrs(&[
        ("resource_id", Value::str(resource_id)),
        ("min_capacity", Value::Int(2)),
        ("max_capacity", Value::Int(20)),
    ]);
    let target = create(targets, "appautoscaling_target.api", &target_attrs).await;
    assert_eq!(
        target.id,
        format!("ecs|{resource_id}|ecs:service:DesiredCount")
    );
    let got = scaling
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_ids(resource_id)
        .send()
        .await
        .expect("describe");
    assert_eq!(got.scalable_targets()[0].min_capacity(), 2);
    assert_eq!(got.scalable_targets()[0].max_capacity(), 20);
    let identity = targets
        .identity(
            &target_attrs,
            owner(&"appautoscaling_target.api".to_address()),
        )
        .expect("identity");
    let again = targets
        .find_by_identity(&identity)
        .await
        .expect("find by identity");
    assert_eq!(
        again.iter().map(|l| &l.id).collect::<Vec<_>>(),
        [&target.id]
    );
    let mut bounds = target_attrs.clone();
    bounds.insert("max_capacity".into(), Value::Int(10));
    let updated = update(
        targets,
        "appautoscaling_target.api",
        &target.id,
        &target.attrs,
        &bounds,
        &["max_capacity"],
        &Default::default(),
    )
    .await
    .expect("update bounds");
    assert_eq!(updated.attrs["max_capacity"], Value::Int(10));

    // With a target managing it, the service's count is the scaler's: not read back.
    let read = services
        .read(std::slice::from_ref(&svc.id))
        .await
        .expect("read");
    assert!(
        !read[0].attrs.contains_key("desired_count"),
        "{:?}",
        read[0].attrs
    );

    // Policies: CPU 70 %, memory 80 %; the CPU one updated in place.
    let policies = kind(&registry, "appautoscaling_policy");
    let policy = |metric: &str, value: i64| {
        attrs(&[
            ("resource_id", Value::str(resource_id)),
            (
                "target_tracking",
                table(&[
                    ("target_value", Value::Int(value)),
                    ("predefined_metric_type", Value::str(metric)),
                    ("scale_in_cooldown", Value::Int(300)),
                    ("scale_out_cooldown", Value::Int(60)),
                ]),
            ),
        ])
    };
    let cpu_attrs = policy("ECSServiceAverageCPUUtilization", 70);
    let cpu = create(policies, "appautoscaling_policy.cpu", &cpu_attrs).await;
    let mem = create(
        policies,
        "appautoscaling_policy.memory",
        &policy("ECSServiceAverageMemoryUtilization", 80),
    )
    .await;
    assert!(cpu.id.ends_with("|test-dev-cpu"), "{}", cpu.id);
    let got = scaling
        .describe_scaling_policies()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .send()
        .await
        .expect("describe");
    let mut values: Vec<(String, f64)> = got
        .scaling_policies()
        .iter()
        .map(|p| {
            (
                p.policy_name().to_string(),
                p.target_tracking_scaling_policy_configuration()
                    .map(|c| c.target_value())
                    .unwrap_or_default(),
            )
        })
        .collect();
    values.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        values,
        [
            ("test-dev-cpu".to_string(), 70.0),
            ("test-dev-memory".to_string(), 80.0)
        ]
    );
    let mut cpu_after = cpu_attrs.clone();
    cpu_after.insert(
        "target_tracking".into(),
        table(&[
            ("target_value", Value::Int(60)),
            (
                "predefined_metric_type",
                Value::str("ECSServiceAverageCPUUtilization"),
            ),
        ]),
    );
    let updated = update(
        policies,
        "appautoscaling_policy.cpu",
        &cpu.id,
        &cpu.attrs,
        &cpu_after,
        &["target_tracking"],
        &Default::default(),
    )
    .await
    .expect("update policy");
    assert_eq!(
        updated.attrs["target_tracking"],
        table(&[
            ("target_value", Value::Float(60.0)),
            (
                "predefined_metric_type",
                Value::str("ECSServiceAverageCPUUtilization")
            ),
        ])
    );

    // A batched read of both policies is one DescribeScalingPolicies call.
    clear(&moto);
    let read = policies
        .read(&[cpu.id.clone(), mem.id.clone()])
        .await
        .expect("read");
    assert_eq!(read.len(), 2);
    assert_eq!(
        calls(&moto, "application-autoscaling:DescribeScalingPolicies"),
        1
    );
    assert!(
        policies
            .find_tagged(&deployment_tag())
            .await
            .expect("find")
            .is_empty(),
        "untaggable"
    );

    // Teardown in reverse order, each delete twice.
    delete_twice(policies, &cpu.id, &cpu_after).await;
    delete_twice(policies, &mem.id, &Attrs::new()).await;
    delete_twice(targets, &target.id, &bounds).await;
    delete_twice(services, &svc.id, &after).await;
    delete_twice(tds, &td2.id, &Attrs::new()).await;
    delete_twice(kind(&registry, "ecs_cluster"), &cluster.id, &Attrs::new()).await;
    assert!(moto.refusals().is_empty(), "{:?}", moto.refusals());
}

#[tokio::test]
async fn services_are_read_ten_per_call_and_block_their_cluster_until_deleted() {
    let moto = moto_strict();
    let registry = moto.registry();
    let net = network(&moto).await;
    let cluster = create(
        kind(&registry, "ecs_cluster"),
        "ecs_cluster.main",
        &Attrs::new(),
    )
    .await;
    let td = create(
        kind(&registry, "ecs_task_definition"),
        "ecs_task_definition.api",
        &task_attrs("nginx"),
    )
    .await;
    let services = kind(&registry, "ecs_service");
    let mut ids = Vec::new();
    for i in 0..12 {
        let svc = create(
            services,
            &format!("ecs_service.s{i}"),
            &attrs(&[
                ("cluster", Value::str(&cluster.id)),
                ("task_definition", Value::str(&td.id)),
                ("desired_count", Value::Int(1)),
                (
                    "network_configuration",
                    table(&[("subnets", strs(&net.subnets[..1]))]),
                ),
            ]),
        )
        .await;
        ids.push(svc.id);
    }
    clear(&moto);
    let read = services.read(&ids).await.expect("read");
    assert_eq!(read.len(), 12);
    assert_eq!(
        calls(&moto, "ecs:DescribeServices"),
        2,
        "ceil(12 / 10) calls"
    );
    assert_eq!(
        calls(&moto, "application-autoscaling:DescribeScalableTargets"),
        1
    );

    // The cluster cannot go while services are active (strict proxy rule).
    let clusters = kind(&registry, "ecs_cluster");
    let err = clusters
        .delete(&cluster.id, &Attrs::new())
        .await
        .expect_err("refused");
    assert_eq!(
        err.code.as_deref(),
        Some("ClusterContainsServicesException"),
        "{err}"
    );
    for id in &ids {
        delete_twice(services, id, &Attrs::new()).await;
    }
    delete_twice(clusters, &cluster.id, &Attrs::new()).await;
}
