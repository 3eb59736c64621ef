//! ElastiCache's replicas as AWS makes them: a replication group without cluster mode has the
//! `NumCacheClusters` members its create asked for (moto makes only the primary), and the
//! replica count moves with `IncreaseReplicaCount` / `DecreaseReplicaCount` (which moto
//! lacks), refused when the count does not move the way the call says.

use super::*;

/// The member clusters a describe through `client` lists for `id`.
async fn members(client: &aws_sdk_elasticache::Client, id: &str) -> Vec<String> {
    client
        .describe_replication_groups()
        .replication_group_id(id)
        .send()
        .await
        .expect("describe")
        .replication_groups()
        .first()
        .map(|g| g.member_clusters().to_vec())
        .unwrap_or_default()
}

#[tokio::test]
async fn replication_groups_have_their_replicas_and_resize_as_on_aws() {
    let moto = moto();
    let Network { subnets, .. } = network(&moto).await;
    let direct: aws_sdk_elasticache::Client = moto.client();
    direct
        .create_cache_subnet_group()
        .cache_subnet_group_name("strict-cache")
        .cache_subnet_group_description("strict")
        .set_subnet_ids(Some(subnets))
        .send()
        .await
        .expect("subnet group");
    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_elasticache::Client = through(&proxy);
    let created = strict
        .create_replication_group()
        .replication_group_id("strict-redis")
        .replication_group_description("strict")
        .cache_node_type("cache.t4g.small")
        .num_cache_clusters(3)
        .cache_subnet_group_name("strict-cache")
        .send()
        .await
        .expect("create");
    let listed = ["strict-redis-001", "strict-redis-002", "strict-redis-003"];
    assert_eq!(
        created
            .replication_group()
            .map(|g| g.member_clusters().to_vec()),
        Some(listed.map(String::from).to_vec())
    );
    assert_eq!(members(&strict, "strict-redis").await, listed);
    // moto itself made the primary alone.
    assert_eq!(members(&direct, "strict-redis").await, ["strict-redis-001"]);

    // Two replicas now: "increasing" to two is refused, as is more than five.
    for replicas in [2, 6] {
        let (code, _) = refused(
            strict
                .increase_replica_count()
                .replication_group_id("strict-redis")
                .new_replica_count(replicas)
                .apply_immediately(true)
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterValue", "{replicas} replicas");
    }
    let (code, _) = refused(
        strict
            .decrease_replica_count()
            .replication_group_id("strict-redis")
            .new_replica_count(2)
            .apply_immediately(true)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterValue");
    strict
        .decrease_replica_count()
        .replication_group_id("strict-redis")
        .new_replica_count(1)
        .apply_immediately(true)
        .send()
        .await
        .expect("one replica fewer");
    assert_eq!(
        members(&strict, "strict-redis").await,
        ["strict-redis-001", "strict-redis-002"]
    );
    strict
        .increase_replica_count()
        .replication_group_id("strict-redis")
        .new_replica_count(4)
        .apply_immediately(true)
        .send()
        .await
        .expect("three replicas more");
    assert_eq!(members(&strict, "strict-redis").await.len(), 5);
    let (code, _) = refused(
        strict
            .increase_replica_count()
            .replication_group_id("no-such-group")
            .new_replica_count(1)
            .apply_immediately(true)
            .send()
            .await,
    );
    assert_eq!(code, "ReplicationGroupNotFoundFault");

    // Without strict mode the call reaches moto, which does not have it.
    let plain = Proxy::start(moto.port);
    let plain: aws_sdk_elasticache::Client = through(&plain);
    plain
        .increase_replica_count()
        .replication_group_id("strict-redis")
        .new_replica_count(5)
        .apply_immediately(true)
        .send()
        .await
        .expect_err("moto 5.2 has no IncreaseReplicaCount");
}
