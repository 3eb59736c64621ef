//! ECS's refusal to delete a cluster that still has services.

use super::*;
use aws_sdk_ecs::types::{ContainerDefinition, LaunchType};

#[tokio::test]
async fn cluster_with_services_is_refused_until_they_are_deleted() {
    let moto = moto();
    let ecs: aws_sdk_ecs::Client = moto.client();
    let cluster = ecs
        .create_cluster()
        .cluster_name("strict")
        .send()
        .await
        .expect("cluster");
    let cluster = cluster
        .cluster()
        .and_then(|c| c.cluster_arn())
        .expect("arn")
        .to_string();
    let td = ecs
        .register_task_definition()
        .family("strict")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("nginx")
                .memory(512)
                .build(),
        )
        .send()
        .await
        .expect("task definition");
    let td = td
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .expect("arn")
        .to_string();
    let service = ecs
        .create_service()
        .cluster(&cluster)
        .service_name("web")
        .task_definition(&td)
        .desired_count(0)
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .expect("service");
    let service = service
        .service()
        .and_then(|s| s.service_arn())
        .expect("arn")
        .to_string();

    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_ecs::Client = through(&proxy);
    let (code, message) = refused(strict.delete_cluster().cluster(&cluster).send().await);
    assert_eq!(code, "ClusterContainsServicesException");
    assert!(message.contains(&service), "{message}");
    strict
        .delete_service()
        .cluster(&cluster)
        .service(&service)
        .force(true)
        .send()
        .await
        .expect("delete service");
    strict
        .delete_cluster()
        .cluster(&cluster)
        .send()
        .await
        .expect("a cluster whose services are inactive is deleted");
    let refused_calls: Vec<_> = proxy
        .record()
        .into_iter()
        .filter(|c| c.refused().is_some())
        .map(|c| (c.operation, c.status))
        .collect();
    assert_eq!(
        refused_calls,
        [("ecs:DeleteCluster".to_string(), Some(400))]
    );
}
