//! The EC2 networking kinds (`subnet`, `internet_gateway`, `route_table`, `security_group`)
//! against the AWS emulator, through the real SDK: create, read back behind strata's back,
//! update in place, find by tags, delete (twice), and batched reads that count calls.

use crate::support::kinds::{
    attrs, create, delete_twice, deployment_tag, kind, strata_tags, strs, table, tag_map,
    DEPLOYMENT,
};
use crate::support::moto::moto;
use strata::provider::{Attrs, CreateRequest, OnChange, Registry, UpdateRequest};
use strata::{Address, Value};

/// A VPC to put things in, made through strata's own `vpc` kind.
async fn vpc(registry: &Registry, name: &str, cidr: &str) -> String {
    let address = Address::new("vpc", name);
    create(
        kind(registry, "vpc"),
        &address,
        &attrs(&[("cidr_block", Value::str(cidr))]),
    )
    .await
    .id
}

#[tokio::test]
async fn subnet_create_read_update_delete() {
    let moto = moto();
    let registry = moto.registry();
    let subnets = kind(&registry, "subnet");
    let vpc_id = vpc(&registry, "main", "10.8.0.0/16").await;
    let address = Address::new("subnet", "public_a");
    let desired = attrs(&[
        ("vpc_id", Value::str(&vpc_id)),
        ("cidr_block", Value::str("10.8.1.0/24")),
        ("availability_zone", Value::str("us-east-1b")),
        ("map_public_ip_on_launch", Value::Bool(true)),
    ]);
    let created = create(subnets, &address, &desired).await;
    assert!(created.id.starts_with("subnet-"), "{created:?}");
    assert_eq!(created.attrs["vpc_id"], Value::str(&vpc_id));
    assert_eq!(created.attrs["availability_zone"], Value::str("us-east-1b"));
    assert_eq!(created.attrs["map_public_ip_on_launch"], Value::Bool(true));
    assert!(created.attrs.contains_key("availability_zone_id"));
    assert!(created.attrs.contains_key("arn"));
    subnets.wait_ready(&created.id).await.expect("ready");

    // Behind strata's back: the subnet, its tags and the public-IP switch.
    let ec2 = moto.ec2();
    let described = ec2
        .describe_subnets()
        .subnet_ids(&created.id)
        .send()
        .await
        .expect("describe");
    let sdk = &described.subnets()[0];
    assert_eq!(sdk.cidr_block(), Some("10.8.1.0/24"));
    assert_eq!(sdk.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(sdk.map_public_ip_on_launch(), Some(true));
    assert_eq!(tag_map(sdk.tags()), strata_tags("subnet.public_a"));

    // Batched read: what was created, an unknown id simply absent.
    let read = subnets
        .read(&[created.id.clone(), "subnet-00000000deadbeef".to_string()])
        .await
        .expect("read");
    assert_eq!(read, vec![created.clone()]);

    // Update in place: public IPs off, a tag changed and one removed.
    let mut after = desired.clone();
    after.insert("map_public_ip_on_launch".into(), Value::Bool(false));
    let mut new_tags = strata_tags("subnet.public_a");
    new_tags.insert("Project".into(), "renamed".into());
    let updated = subnets
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &desired,
            after: &after,
            changed: &["map_public_ip_on_launch".to_string(), "tags".to_string()],
            tags: &new_tags,
        })
        .await
        .expect("update");
    assert_eq!(updated.tags, new_tags);
    let sdk = ec2
        .describe_subnets()
        .subnet_ids(&created.id)
        .send()
        .await
        .expect("describe");
    assert_eq!(sdk.subnets()[0].map_public_ip_on_launch(), Some(false));
    assert_eq!(tag_map(sdk.subnets()[0].tags()), new_tags);

    // The CIDR block cannot change in place: the schema says so, and update refuses it.
    assert_eq!(
        subnets.schema().get("cidr_block").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    let err = subnets
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &desired,
            after: &desired,
            changed: &["cidr_block".to_string()],
            tags: &new_tags,
        })
        .await
        .expect_err("cidr_block is not updatable");
    assert_eq!(err.class, strata::provider::ErrorClass::Unsupported);
    assert!(err.message.contains("cidr_block"), "{err}");

    let found = subnets.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.id);

    delete_twice(subnets, &created.id, &desired).await;
}

#[tokio::test]
async fn internet_gateway_attach_move_detach_delete() {
    let moto = moto();
    let registry = moto.registry();
    let gateways = kind(&registry, "internet_gateway");
    let first = vpc(&registry, "first", "10.9.0.0/16").await;
    let second = vpc(&registry, "second", "10.10.0.0/16").await;
    let address = Address::new("internet_gateway", "main");
    let desired = attrs(&[("vpc_id", Value::str(&first))]);
    let created = create(gateways, &address, &desired).await;
    assert!(created.id.starts_with("igw-"), "{created:?}");
    assert_eq!(created.attrs["vpc_id"], Value::str(&first));
    assert!(created.attrs.contains_key("arn"));

    let ec2 = moto.ec2();
    let attached_to = |id: String| {
        let ec2 = ec2.clone();
        async move {
            let out = ec2
                .describe_internet_gateways()
                .internet_gateway_ids(id)
                .send()
                .await
                .expect("describe");
            let gw = &out.internet_gateways()[0];
            (
                gw.attachments()
                    .iter()
                    .filter_map(|a| a.vpc_id().map(str::to_string))
                    .collect::<Vec<_>>(),
                tag_map(gw.tags()),
            )
        }
    };
    let (vpcs, sdk) = attached_to(created.id.clone()).await;
    assert_eq!(vpcs, vec![first.clone()]);
    assert_eq!(sdk, strata_tags("internet_gateway.main"));

    let read = gateways
        .read(&[created.id.clone(), "igw-00000000deadbeef".to_string()])
        .await
        .expect("read");
    assert_eq!(read, vec![created.clone()]);

    // Moving to another VPC is an update: detach, then attach.
    let after = attrs(&[("vpc_id", Value::str(&second))]);
    let updated = gateways
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &desired,
            after: &after,
            changed: &["vpc_id".to_string()],
            tags: &strata_tags("internet_gateway.main"),
        })
        .await
        .expect("update");
    assert_eq!(updated.attrs["vpc_id"], Value::str(&second));
    let (vpcs, _) = attached_to(created.id.clone()).await;
    assert_eq!(vpcs, vec![second.clone()]);
    assert_eq!(
        gateways.schema().get("vpc_id").map(|a| a.on_change),
        Some(OnChange::Update)
    );

    let found = gateways.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].attrs["vpc_id"], Value::str(&second));

    // Delete detaches first (AWS refuses to delete an attached gateway), so the VPC is free.
    delete_twice(gateways, &created.id, &after).await;
    let left = ec2
        .describe_internet_gateways()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("attachment.vpc-id")
                .values(&second)
                .build(),
        )
        .send()
        .await
        .expect("describe");
    assert!(left.internet_gateways().is_empty());
    // One detach for the move, one before the delete (moto alone would not refuse).
    let stats = registry.stats().snapshot();
    assert_eq!(
        stats.get("ec2:DetachInternetGateway"),
        Some(&2),
        "{stats:?}"
    );
}

#[tokio::test]
async fn route_table_routes_and_associations() {
    let moto = moto();
    let registry = moto.registry();
    let tables = kind(&registry, "route_table");
    let vpc_id = vpc(&registry, "main", "10.11.0.0/16").await;
    let igw = create(
        kind(&registry, "internet_gateway"),
        &Address::new("internet_gateway", "main"),
        &attrs(&[("vpc_id", Value::str(&vpc_id))]),
    )
    .await
    .id;
    let subnet = |name: &'static str, cidr: &'static str| {
        let registry = &registry;
        let vpc_id = vpc_id.clone();
        async move {
            create(
                kind(registry, "subnet"),
                &Address::new("subnet", name),
                &attrs(&[
                    ("vpc_id", Value::str(&vpc_id)),
                    ("cidr_block", Value::str(cidr)),
                ]),
            )
            .await
            .id
        }
    };
    let a = subnet("a", "10.11.1.0/24").await;
    let b = subnet("b", "10.11.2.0/24").await;
    let address = Address::new("route_table", "public");
    let default_route = table(&[
        ("destination_cidr_block", Value::str("0.0.0.0/0")),
        ("gateway_id", Value::str(&igw)),
    ]);
    let desired = attrs(&[
        ("vpc_id", Value::str(&vpc_id)),
        ("routes", Value::List(vec![default_route.clone()])),
        ("subnet_ids", strs(&[&a])),
    ]);
    let created = create(tables, &address, &desired).await;
    assert!(created.id.starts_with("rtb-"), "{created:?}");
    // The VPC's own `local` route is not strata's to manage and is left out.
    assert_eq!(
        created.attrs["routes"],
        Value::List(vec![default_route.clone()])
    );
    assert_eq!(created.attrs["subnet_ids"], strs(&[&a]));

    // Behind strata's back: the route, the association, the tags.
    let ec2 = moto.ec2();
    let describe = || {
        let ec2 = ec2.clone();
        let id = created.id.clone();
        async move {
            ec2.describe_route_tables()
                .route_table_ids(id)
                .send()
                .await
                .expect("describe")
                .route_tables()[0]
                .clone()
        }
    };
    let sdk = describe().await;
    let igw_route = sdk
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
        .expect("default route");
    assert_eq!(igw_route.gateway_id(), Some(igw.as_str()));
    let associated: Vec<_> = sdk
        .associations()
        .iter()
        .filter_map(|x| x.subnet_id())
        .collect();
    assert_eq!(associated, vec![a.as_str()]);
    assert_eq!(tag_map(sdk.tags()), strata_tags("route_table.public"));

    let read = tables
        .read(&[created.id.clone(), "rtb-00000000deadbeef".to_string()])
        .await
        .expect("read");
    assert_eq!(read, vec![created.clone()]);

    // Update in place: a second route, the subnet association moved from a to b.
    let peer_route = table(&[
        ("destination_cidr_block", Value::str("192.168.0.0/16")),
        ("gateway_id", Value::str(&igw)),
    ]);
    let after = attrs(&[
        ("vpc_id", Value::str(&vpc_id)),
        (
            "routes",
            Value::List(vec![default_route.clone(), peer_route.clone()]),
        ),
        ("subnet_ids", strs(&[&b])),
    ]);
    let updated = tables
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &desired,
            after: &after,
            changed: &["routes".to_string(), "subnet_ids".to_string()],
            tags: &strata_tags("route_table.public"),
        })
        .await
        .expect("update");
    assert_eq!(
        updated.attrs["routes"],
        Value::List(vec![default_route.clone(), peer_route.clone()])
    );
    assert_eq!(updated.attrs["subnet_ids"], strs(&[&b]));
    let sdk = describe().await;
    let associated: Vec<_> = sdk
        .associations()
        .iter()
        .filter_map(|x| x.subnet_id())
        .collect();
    assert_eq!(associated, vec![b.as_str()]);
    assert!(sdk
        .routes()
        .iter()
        .any(|r| r.destination_cidr_block() == Some("192.168.0.0/16")));

    // Dropping a route deletes it.
    let only_peer = attrs(&[
        ("vpc_id", Value::str(&vpc_id)),
        ("routes", Value::List(vec![peer_route.clone()])),
        ("subnet_ids", strs(&[&b])),
    ]);
    let updated = tables
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &after,
            after: &only_peer,
            changed: &["routes".to_string()],
            tags: &strata_tags("route_table.public"),
        })
        .await
        .expect("update");
    assert_eq!(updated.attrs["routes"], Value::List(vec![peer_route]));

    // A bad route is refused before anything is sent.
    let bad = attrs(&[
        ("vpc_id", Value::str(&vpc_id)),
        (
            "routes",
            Value::List(vec![table(&[("gateway_id", Value::str(&igw))])]),
        ),
    ]);
    let err = tables
        .create(&CreateRequest {
            address: &Address::new("route_table", "bad"),
            deployment: DEPLOYMENT,
            attrs: &bad,
            tags: &strata_tags("route_table.bad"),
            token: "tok-bad",
        })
        .await
        .expect_err("route without destination");
    assert_eq!(err.class, strata::provider::ErrorClass::InvalidInput);

    // A subnet already associated with another table moves (AWS refuses a second
    // association; moto would silently keep the old one).
    let other = create(
        tables,
        &Address::new("route_table", "other"),
        &attrs(&[("vpc_id", Value::str(&vpc_id)), ("subnet_ids", strs(&[&b]))]),
    )
    .await;
    assert_eq!(other.attrs["subnet_ids"], strs(&[&b]));
    let first = tables
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read");
    assert_eq!(first[0].attrs["subnet_ids"], Value::List(vec![]));
    let stats = registry.stats().snapshot();
    assert_eq!(
        stats.get("ec2:ReplaceRouteTableAssociation"),
        Some(&1),
        "{stats:?}"
    );

    let mut found: Vec<_> = tables
        .find_tagged(&deployment_tag())
        .await
        .expect("find")
        .into_iter()
        .map(|t| t.id)
        .collect();
    found.sort();
    let mut expected = vec![created.id.clone(), other.id.clone()];
    expected.sort();
    assert_eq!(found, expected);
    // Deleting a table subnets use disassociates them first (moto would not refuse).
    let disassociations = || {
        registry
            .stats()
            .snapshot()
            .get("ec2:DisassociateRouteTable")
            .copied()
            .unwrap_or(0)
    };
    let before = disassociations();
    delete_twice(tables, &other.id, &Attrs::new()).await;
    assert_eq!(disassociations() - before, 1);

    // Delete disassociates first (AWS refuses to delete a table subnets use).
    delete_twice(tables, &created.id, &only_peer).await;
    let left = ec2
        .describe_route_tables()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("association.subnet-id")
                .values(&b)
                .build(),
        )
        .send()
        .await
        .expect("describe");
    assert!(left.route_tables().is_empty(), "{left:?}");
}

const ORIGIN_FACING: &str = "com.amazonaws.global.cloudfront.origin-facing";

#[tokio::test]
async fn security_group_rules_by_cidr_group_and_prefix_list() {
    let moto = moto();
    let registry = moto.registry();
    let groups = kind(&registry, "security_group");
    let vpc_id = vpc(&registry, "main", "10.12.0.0/16").await;
    let lb = create(
        groups,
        &Address::new("security_group", "lb"),
        &attrs(&[
            ("vpc_id", Value::str(&vpc_id)),
            ("name", Value::str("explicit-lb-name")),
            ("description", Value::str("load balancer")),
        ]),
    )
    .await;
    assert_eq!(lb.attrs["name"], Value::str("explicit-lb-name"));
    assert_eq!(lb.attrs["description"], Value::str("load balancer"));

    let address = Address::new("security_group", "app");
    let https_in = table(&[
        ("protocol", Value::str("tcp")),
        ("from_port", Value::Int(443)),
        ("to_port", Value::Int(443)),
        ("cidr_blocks", strs(&["10.0.0.0/8"])),
        ("description", Value::str("internal")),
    ]);
    let from_lb = table(&[
        ("protocol", Value::str("tcp")),
        ("from_port", Value::Int(5678)),
        ("to_port", Value::Int(5678)),
        ("source_security_group_id", Value::str(&lb.id)),
    ]);
    let from_cloudfront = table(&[
        ("protocol", Value::str("tcp")),
        ("from_port", Value::Int(80)),
        ("to_port", Value::Int(80)),
        ("prefix_list_name", Value::str(ORIGIN_FACING)),
    ]);
    let https_out = table(&[
        ("protocol", Value::str("tcp")),
        ("from_port", Value::Int(443)),
        ("to_port", Value::Int(443)),
        ("cidr_blocks", strs(&["0.0.0.0/0"])),
    ]);
    let desired = attrs(&[
        ("vpc_id", Value::str(&vpc_id)),
        (
            "ingress",
            Value::List(vec![
                https_in.clone(),
                from_lb.clone(),
                from_cloudfront.clone(),
            ]),
        ),
        ("egress", Value::List(vec![https_out.clone()])),
    ]);
    let created = create(groups, &address, &desired).await;
    assert!(created.id.starts_with("sg-"), "{created:?}");
    // Name derived from deployment and resource, description defaulted.
    assert_eq!(created.attrs["name"], Value::str("test-dev-app"));
    assert_eq!(
        created.attrs["description"],
        Value::str("Managed by strata")
    );
    // Read back in canonical order: by protocol and ports.
    assert_eq!(
        created.attrs["ingress"],
        Value::List(vec![
            from_cloudfront.clone(),
            https_in.clone(),
            from_lb.clone()
        ]),
    );
    // Setting `egress` replaced AWS's allow-all default.
    assert_eq!(
        created.attrs["egress"],
        Value::List(vec![https_out.clone()])
    );

    // Behind strata's back: the prefix list was resolved by name to this run's pl- id.
    let ec2 = moto.ec2();
    let lists = ec2
        .describe_managed_prefix_lists()
        .send()
        .await
        .expect("prefix lists");
    let pl_id = lists
        .prefix_lists()
        .iter()
        .find(|l| l.prefix_list_name() == Some(ORIGIN_FACING))
        .and_then(|l| l.prefix_list_id())
        .expect("moto has the CloudFront origin-facing list")
        .to_string();
    let described = ec2
        .describe_security_groups()
        .group_ids(&created.id)
        .send()
        .await
        .expect("describe");
    let sdk = &described.security_groups()[0];
    assert_eq!(sdk.group_name(), Some("test-dev-app"));
    assert_eq!(sdk.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(tag_map(sdk.tags()), strata_tags("security_group.app"));
    let port80 = sdk
        .ip_permissions()
        .iter()
        .find(|p| p.from_port() == Some(80))
        .expect("port 80 rule");
    assert_eq!(
        port80.prefix_list_ids()[0].prefix_list_id(),
        Some(pl_id.as_str())
    );
    let port5678 = sdk
        .ip_permissions()
        .iter()
        .find(|p| p.from_port() == Some(5678))
        .expect("port 5678 rule");
    assert_eq!(
        port5678.user_id_group_pairs()[0].group_id(),
        Some(lb.id.as_str())
    );
    assert_eq!(sdk.ip_permissions_egress().len(), 1);
    assert_eq!(sdk.ip_permissions_egress()[0].ip_protocol(), Some("tcp"));

    let read = groups
        .read(&[created.id.clone(), "sg-00000000deadbeef".to_string()])
        .await
        .expect("read");
    assert_eq!(read, vec![created.clone()]);

    // Update in place: the CIDR rule's description changes, the CloudFront rule goes, SSH
    // comes; egress is left out of the change list and stays as it is.
    let https_in_renamed = table(&[
        ("protocol", Value::str("tcp")),
        ("from_port", Value::Int(443)),
        ("to_port", Value::Int(443)),
        ("cidr_blocks", strs(&["10.0.0.0/8"])),
        ("description", Value::str("internal https")),
    ]);
    let ssh = table(&[
        ("protocol", Value::str("tcp")),
        ("from_port", Value::Int(22)),
        ("to_port", Value::Int(22)),
        ("cidr_blocks", strs(&["203.0.113.7/32"])),
    ]);
    let mut after = desired.clone();
    after.insert(
        "ingress".into(),
        Value::List(vec![https_in_renamed.clone(), from_lb.clone(), ssh.clone()]),
    );
    let updated = groups
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &desired,
            after: &after,
            changed: &["ingress".to_string()],
            tags: &strata_tags("security_group.app"),
        })
        .await
        .expect("update");
    assert_eq!(
        updated.attrs["ingress"],
        Value::List(vec![ssh.clone(), https_in_renamed.clone(), from_lb.clone()]),
    );
    assert_eq!(updated.attrs["egress"], Value::List(vec![https_out]));
    let sdk = ec2
        .describe_security_groups()
        .group_ids(&created.id)
        .send()
        .await
        .expect("describe");
    let ports: Vec<_> = sdk.security_groups()[0]
        .ip_permissions()
        .iter()
        .filter_map(|p| p.from_port())
        .collect();
    assert!(ports.contains(&22) && !ports.contains(&80), "{ports:?}");

    // The name cannot change in place: the schema forces a replacement, update refuses.
    assert_eq!(
        groups.schema().get("name").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    let err = groups
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &after,
            after: &after,
            changed: &["name".to_string()],
            tags: &strata_tags("security_group.app"),
        })
        .await
        .expect_err("name is not updatable");
    assert_eq!(err.class, strata::provider::ErrorClass::Unsupported);

    // An unknown prefix list is refused before the group is created.
    let bad = attrs(&[(
        "ingress",
        Value::List(vec![table(&[
            ("protocol", Value::str("tcp")),
            ("prefix_list_name", Value::str("com.example.nope")),
        ])]),
    )]);
    let err = groups
        .create(&CreateRequest {
            address: &Address::new("security_group", "bad"),
            deployment: DEPLOYMENT,
            attrs: &bad,
            tags: &strata_tags("security_group.bad"),
            token: "tok-bad",
        })
        .await
        .expect_err("unknown prefix list");
    assert!(err.message.contains("com.example.nope"), "{err}");

    let mut found: Vec<_> = groups
        .find_tagged(&deployment_tag())
        .await
        .expect("find")
        .into_iter()
        .map(|g| g.id)
        .collect();
    found.sort();
    let mut expected = vec![created.id.clone(), lb.id.clone()];
    expected.sort();
    assert_eq!(found, expected);

    delete_twice(groups, &created.id, &after).await;
    delete_twice(groups, &lb.id, &Attrs::new()).await;
}

#[tokio::test]
async fn reading_many_subnets_is_one_call_per_200() {
    let moto = moto();
    let registry = moto.registry();
    let subnets = kind(&registry, "subnet");
    let vpc_id = vpc(&registry, "big", "10.20.0.0/16").await;
    let n = 60;
    let mut ids = Vec::new();
    for i in 0..n {
        let created = create(
            subnets,
            &Address::new("subnet", format!("s{i}")),
            &attrs(&[
                ("vpc_id", Value::str(&vpc_id)),
                ("cidr_block", Value::str(format!("10.20.{i}.0/24"))),
            ]),
        )
        .await;
        ids.push(created.id);
    }
    let describes = || {
        registry
            .stats()
            .snapshot()
            .get("ec2:DescribeSubnets")
            .copied()
            .unwrap_or(0)
    };
    let before = describes();
    let read = subnets.read(&ids).await.expect("read");
    let calls = describes() - before;
    assert_eq!(read.len(), n);
    assert!(
        calls <= (n as u64).div_ceil(200),
        "{calls} DescribeSubnets calls for {n} subnets"
    );
    let found = subnets.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), n);
}

/// IPv6 rules: created, read back through the SDK and the kind, changed in place.
#[tokio::test]
async fn security_group_ipv6_rules() {
    let moto = moto();
    let registry = moto.registry();
    let groups = kind(&registry, "security_group");
    let vpc_id = vpc(&registry, "v6", "10.13.0.0/16").await;
    let https_v6 = |cidr: &str| {
        table(&[
            ("protocol", Value::str("tcp")),
            ("from_port", Value::Int(443)),
            ("to_port", Value::Int(443)),
            ("ipv6_cidr_blocks", strs(&[cidr])),
        ])
    };
    let all_out_v6 = table(&[
        ("protocol", Value::str("-1")),
        ("ipv6_cidr_blocks", strs(&["::/0"])),
    ]);
    let desired = attrs(&[
        ("vpc_id", Value::str(&vpc_id)),
        ("ingress", Value::List(vec![https_v6("2001:db8::/32")])),
        ("egress", Value::List(vec![all_out_v6.clone()])),
    ]);
    let address = Address::new("security_group", "v6");
    let created = create(groups, &address, &desired).await;
    assert_eq!(
        created.attrs["ingress"],
        Value::List(vec![https_v6("2001:db8::/32")])
    );
    assert_eq!(
        created.attrs["egress"],
        Value::List(vec![all_out_v6.clone()])
    );

    let ec2 = moto.ec2();
    let v6_ingress = |id: String| {
        let ec2 = ec2.clone();
        async move {
            let got = ec2
                .describe_security_groups()
                .group_ids(id)
                .send()
                .await
                .expect("describe");
            let group = &got.security_groups()[0];
            group
                .ip_permissions()
                .iter()
                .flat_map(|p| {
                    p.ipv6_ranges()
                        .iter()
                        .filter_map(move |r| Some((p.from_port()?, r.cidr_ipv6()?.to_string())))
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        v6_ingress(created.id.clone()).await,
        [(443, "2001:db8::/32".to_string())]
    );

    let after = attrs(&[
        ("vpc_id", Value::str(&vpc_id)),
        ("ingress", Value::List(vec![https_v6("::/0")])),
        ("egress", Value::List(vec![all_out_v6.clone()])),
    ]);
    let tags = strata_tags(&address.to_string());
    let updated = groups
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &created.attrs,
            after: &after,
            changed: &["ingress".to_string()],
            tags: &tags,
        })
        .await
        .expect("ipv6 rules change in place");
    assert_eq!(updated.id, created.id);
    assert_eq!(
        updated.attrs["ingress"],
        Value::List(vec![https_v6("::/0")])
    );
    assert_eq!(
        v6_ingress(created.id.clone()).await,
        [(443, "::/0".to_string())]
    );
    delete_twice(groups, &created.id, &after).await;
}

/// Tags are set by the create call itself (TagSpecifications), never by a CreateTags call
/// after it: an interrupted run must always be able to find what it made.
#[tokio::test]
async fn creation_tags_travel_in_the_create_call() {
    let moto = moto();
    let proxy = crate::support::proxy::Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let vpc_id = vpc(&registry, "tagged", "10.14.0.0/16").await;
    create(
        kind(&registry, "subnet"),
        &Address::new("subnet", "tagged"),
        &attrs(&[
            ("vpc_id", Value::str(&vpc_id)),
            ("cidr_block", Value::str("10.14.1.0/24")),
            ("availability_zone", Value::str("us-east-1a")),
            ("map_public_ip_on_launch", Value::Bool(true)),
        ]),
    )
    .await;
    create(
        kind(&registry, "security_group"),
        &Address::new("security_group", "tagged"),
        &attrs(&[("vpc_id", Value::str(&vpc_id))]),
    )
    .await;
    create(
        kind(&registry, "internet_gateway"),
        &Address::new("internet_gateway", "tagged"),
        &attrs(&[("vpc_id", Value::str(&vpc_id))]),
    )
    .await;
    create(
        kind(&registry, "route_table"),
        &Address::new("route_table", "tagged"),
        &attrs(&[("vpc_id", Value::str(&vpc_id))]),
    )
    .await;

    let requests = proxy.requests();
    let ops: Vec<&str> = requests.iter().map(|(op, _)| op.as_str()).collect();
    assert!(
        !ops.contains(&"ec2:CreateTags"),
        "no tagging after create: {ops:?}"
    );
    for create_op in [
        "ec2:CreateVpc",
        "ec2:CreateSubnet",
        "ec2:CreateSecurityGroup",
        "ec2:CreateInternetGateway",
        "ec2:CreateRouteTable",
    ] {
        let (_, request) = requests
            .iter()
            .find(|(op, _)| op == create_op)
            .unwrap_or_else(|| panic!("{create_op} not called: {ops:?}"));
        let body = String::from_utf8_lossy(&request.body);
        assert!(
            body.contains("TagSpecification.1.Tag.") && body.contains("strata%3Aaddress"),
            "{create_op} carries the tags: {body}"
        );
    }
}
