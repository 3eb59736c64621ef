//! The fault-injecting proxy, against moto through the real SDK: calls pass through unchanged,
//! latency is added, throttling and named failures surface as correctly classified provider
//! errors in every wire protocol, the retry policy rides out 30% throttling, and the record
//! lists every call in order. `strict` tests strict mode, rule by rule.

mod strict;

use crate::support::kinds::own_tags;
use crate::support::moto::moto;
use crate::support::proxy::{detect, FaultKind, Protocol, Proxy, Request, ThrottleStyle, Times};
use crate::support::sdk::{sdk_config, REGION};
use aws_config::retry::RetryConfig;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use strata::aws::errors::classify;
use strata::provider::retry::RetryPolicy;
use strata::provider::{Attrs, CreateRequest, ErrorClass, ProviderError};
use strata::{Address, Value};

fn vpc_attrs(cidr: &str) -> Attrs {
    Attrs::from([("cidr_block".to_string(), Value::str(cidr))])
}

fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
    Request {
        method: method.to_string(),
        target: target.to_string(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

fn auth(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

#[test]
fn operations_are_named_from_each_protocol() {
    let form = (
        "Content-Type",
        "application/x-www-form-urlencoded; charset=utf-8",
    );
    let ec2 = auth("ec2");
    let op = detect(&request(
        "POST",
        "/",
        &[("Authorization", &ec2), form],
        "Action=DeleteVpc&Version=2016-11-15&VpcId=vpc-1",
    ));
    assert_eq!(op.full_name(), "ec2:DeleteVpc");
    assert_eq!(op.protocol, Protocol::Ec2Query);

    let elb = auth("elasticloadbalancing");
    let op = detect(&request(
        "POST",
        "/",
        &[("Authorization", &elb), form],
        "Version=2015-12-01&Action=CreateLoadBalancer&Name=x",
    ));
    assert_eq!(op.full_name(), "elbv2:CreateLoadBalancer");
    assert_eq!(op.protocol, Protocol::Query);

    let ssm = auth("ssm");
    let op = detect(&request(
        "POST",
        "/",
        &[
            ("Authorization", &ssm),
            ("X-Amz-Target", "AmazonSSM.GetParameter"),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        "{}",
    ));
    assert_eq!(op.full_name(), "ssm:GetParameter");
    assert!(matches!(op.protocol, Protocol::Json { .. }));

    let cf = auth("cloudfront");
    let named = |method: &str, target: &str| {
        detect(&request(method, target, &[("Authorization", &cf)], "")).full_name()
    };
    assert_eq!(
        named("POST", "/2020-05-31/distribution?WithTags"),
        "cloudfront:CreateDistributionWithTags"
    );
    assert_eq!(
        named("PUT", "/2020-05-31/distribution/E2ABC/config"),
        "cloudfront:UpdateDistribution"
    );
    assert_eq!(
        named("DELETE", "/2020-05-31/distribution/E2ABC"),
        "cloudfront:DeleteDistribution"
    );
    assert_eq!(
        named("POST", "/2020-05-31/tagging?Operation=Untag&Resource=arn"),
        "cloudfront:UntagResource"
    );
    // Not in the route table: method and path, stable across runs for fixed paths.
    assert_eq!(
        named("GET", "/2020-05-31/origin-access-control"),
        "cloudfront:GET /2020-05-31/origin-access-control"
    );

    let efs = auth("elasticfilesystem");
    let op = detect(&request(
        "DELETE",
        "/2015-02-01/mount-targets/fsmt-123",
        &[("Authorization", &efs)],
        "",
    ));
    assert_eq!(op.full_name(), "efs:DeleteMountTarget");
    assert_eq!(op.protocol, Protocol::RestJson);
}

/// A fake upstream that answers every request with a chunked body, then closes.
fn chunked_upstream() -> (u16, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handle = std::thread::spawn(move || {
        let mut served = 0;
        for stream in listener.incoming().take(2) {
            let mut stream = stream.expect("accept");
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("read");
                if line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().expect("length");
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("body");
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n",
                )
                .expect("answer");
            served += 1;
        }
        served
    });
    (port, handle)
}

#[test]
fn chunked_answers_are_reframed_on_a_kept_alive_connection() {
    let (upstream, served) = chunked_upstream();
    let proxy = Proxy::start(upstream);
    let mut client = TcpStream::connect(("127.0.0.1", proxy.port())).expect("connect");
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    for _ in 0..2 {
        client
            .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            .expect("send");
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("read");
            if line.trim().is_empty() {
                break;
            }
            head.push(line.trim().to_ascii_lowercase());
        }
        assert_eq!(head[0], "http/1.1 200 ok");
        assert!(head.contains(&"content-length: 12".to_string()), "{head:?}");
        assert!(
            head.contains(&"connection: keep-alive".to_string()),
            "{head:?}"
        );
        assert!(!head.iter().any(|h| h.starts_with("transfer-encoding")));
        let mut body = [0; 12];
        reader.read_exact(&mut body).expect("body");
        assert_eq!(&body, b"hello, world");
    }
    assert_eq!(served.join().expect("upstream"), 2);
    assert_eq!(proxy.operations(), ["unknown:POST /", "unknown:POST /"]);
}

#[tokio::test]
async fn calls_pass_through_unchanged() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let vpc = registry.get("vpc").expect("vpc kind");
    let address = Address::new("vpc", "main");
    let created = vpc
        .create(&CreateRequest {
            address: &address,
            deployment: "proxy-test",
            attrs: &vpc_attrs("10.9.0.0/16"),
            tags: &own_tags("proxy-test", "vpc.main"),
            token: "tok",
        })
        .await
        .expect("create through the proxy");
    let read = vpc
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].attrs["cidr_block"], Value::str("10.9.0.0/16"));
    assert_eq!(read[0].tags, own_tags("proxy-test", "vpc.main"));

    // Behind the proxy's back: moto has it.
    let direct = moto
        .ec2()
        .describe_vpcs()
        .vpc_ids(&created.id)
        .send()
        .await
        .expect("direct describe");
    assert_eq!(direct.vpcs().len(), 1);

    let record = proxy.record();
    assert_eq!(record[0].operation, "ec2:CreateVpc");
    assert_eq!(
        record.last().map(|c| c.operation.as_str()),
        Some("ec2:DescribeVpcs")
    );
    assert!(record.iter().all(|c| !c.faulted() && c.status == Some(200)));
}

#[tokio::test]
async fn latency_is_added_to_every_call() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let aws = proxy.aws(&moto);
    let ec2 = aws.ec2().await.expect("client");
    ec2.describe_vpcs().send().await.expect("warm-up");
    let latency = Duration::from_millis(150);
    proxy.set_latency(latency);
    let calls = 4;
    let started = Instant::now();
    for _ in 0..calls {
        ec2.describe_vpcs().send().await.expect("describe");
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= latency * calls,
        "{calls} calls took {elapsed:?}, less than {calls} × {latency:?}"
    );
    assert_eq!(proxy.record().len(), 1 + calls as usize);
}

#[tokio::test]
async fn throttled_ec2_call_is_classified_throttling() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let vpc = registry.get("vpc").expect("vpc kind");
    proxy.throttle(1.0, 7);
    let err = vpc
        .read(&["vpc-0123456789abcdef0".to_string()])
        .await
        .expect_err("throttled");
    assert_eq!(err.class, ErrorClass::Throttling, "{err}");
    assert_eq!(err.code.as_deref(), Some("RequestLimitExceeded"));
    assert_eq!(err.operation, "ec2:DescribeVpcs");
    let record = proxy.record();
    assert_eq!(record.len(), 1);
    assert!(record[0].throttled());
    assert_eq!(record[0].status, Some(503));

    proxy.stop_throttling();
    vpc.read(&["vpc-0123456789abcdef0".to_string()])
        .await
        .expect("unthrottled read succeeds");
}

#[tokio::test]
async fn retry_policy_rides_out_thirty_percent_throttling() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let vpc = registry.get("vpc").expect("vpc kind");
    let policy = RetryPolicy {
        max_attempts: 12,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    let ids = vec!["vpc-0123456789abcdef0".to_string()];
    proxy.throttle(0.3, 42);
    let mut retries = 0;
    for _ in 0..20 {
        policy
            .run(
                || vpc.read(&ids),
                |e: &ProviderError, _| {
                    assert_eq!(e.class, ErrorClass::Throttling);
                    retries += 1;
                },
            )
            .await
            .expect("read despite throttling");
    }
    let record = proxy.record();
    let throttled = record.iter().filter(|c| c.throttled()).count();
    let answered = record.iter().filter(|c| !c.faulted()).count();
    assert!(throttled > 0, "a 30% share over 20+ calls throttled none");
    assert_eq!(throttled, retries, "every throttled call was retried once");
    assert_eq!(
        answered, 20,
        "each read ended in exactly one forwarded call"
    );
}

#[tokio::test]
async fn named_operation_fails_n_times_then_succeeds() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let vpc = registry.get("vpc").expect("vpc kind");
    let address = Address::new("vpc", "retried");
    let attrs = vpc_attrs("10.11.0.0/16");
    let wanted = own_tags("proxy-test", "vpc.retried");
    let request = CreateRequest {
        address: &address,
        deployment: "proxy-test",
        attrs: &attrs,
        tags: &wanted,
        token: "tok",
    };
    let create = || vpc.create(&request);
    proxy.fail("ec2:CreateVpc", 2, "InternalError", 500);
    for _ in 0..2 {
        let err = create().await.expect_err("injected failure");
        assert_eq!(err.class, ErrorClass::Transient, "{err}");
        assert_eq!(err.code.as_deref(), Some("InternalError"));
        assert_eq!(err.operation, "ec2:CreateVpc");
    }
    let created = create().await.expect("third attempt succeeds");
    assert!(created.id.starts_with("vpc-"));

    let creates: Vec<_> = proxy
        .record()
        .into_iter()
        .filter(|c| c.operation == "ec2:CreateVpc")
        .collect();
    assert_eq!(creates.len(), 3);
    assert!(creates[..2]
        .iter()
        .all(|c| c.fault.as_ref().is_some_and(|f| {
            f.kind == FaultKind::Failed
                && f.status == 500
                && f.code.as_deref() == Some("InternalError")
        })));
    assert!(!creates[2].faulted());
    assert_eq!(creates[2].status, Some(200));

    // A permanent refusal stays until cleared.
    proxy.fail("ec2:Delete*", Times::Always, "DependencyViolation", 400);
    for _ in 0..3 {
        let err = vpc
            .delete(&created.id, &Attrs::new())
            .await
            .expect_err("refused");
        assert_eq!(err.class, ErrorClass::DependencyViolation, "{err}");
    }
    proxy.clear_faults();
    vpc.delete(&created.id, &Attrs::new())
        .await
        .expect("delete once the rule is gone");
}

#[tokio::test]
async fn throttle_op_throttles_the_next_n_calls_of_one_operation() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    // The shared SDK configuration keeps the SDK's standard retries, which would hide the fault.
    let config = sdk_config(&proxy.endpoint(), REGION)
        .into_builder()
        .retry_config(RetryConfig::disabled())
        .build();
    let ec2 = aws_sdk_ec2::Client::new(&config);
    proxy.throttle_op("ec2:CreateVpc", 1);
    let create = || ec2.create_vpc().cidr_block("10.12.0.0/16").send();
    let err = classify("ec2:CreateVpc", create().await.expect_err("throttled once"));
    assert_eq!(err.class, ErrorClass::Throttling, "{err}");
    assert_eq!(err.code.as_deref(), Some("RequestLimitExceeded"));
    let created = create().await.expect("the second call is forwarded");
    ec2.delete_vpc()
        .vpc_id(created.vpc().and_then(|v| v.vpc_id()).expect("vpc id"))
        .send()
        .await
        .expect("other operations are not throttled");
    let creates: Vec<_> = proxy
        .record()
        .into_iter()
        .filter(|c| c.operation == "ec2:CreateVpc")
        .collect();
    assert_eq!(creates.len(), 2);
    assert!(creates[0].throttled(), "{:?}", creates[0]);
    assert_eq!(creates[0].status, Some(503));
    assert!(!creates[1].faulted());

    // A prefix, in another service's framing: IAM's query `Throttling` (HTTP 400).
    proxy.throttle_op("iam:List*", 2);
    let iam = aws_sdk_iam::Client::new(&config);
    for _ in 0..2 {
        let err = iam.list_roles().send().await.expect_err("throttled");
        let err = classify("iam:ListRoles", err);
        assert_eq!(err.class, ErrorClass::Throttling, "{err}");
        assert_eq!(err.code.as_deref(), Some("Throttling"));
    }
    iam.list_roles().send().await.expect("the rule is spent");
    let lists: Vec<_> = proxy
        .record()
        .into_iter()
        .filter(|c| c.operation == "iam:ListRoles")
        .map(|c| (c.throttled(), c.status))
        .collect();
    assert_eq!(
        lists,
        [(true, Some(400)), (true, Some(400)), (false, Some(200))]
    );
}

#[tokio::test]
async fn query_protocol_throttling_is_classified_throttling() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let aws = proxy.aws(&moto);
    let iam = aws.iam().await.expect("iam client");
    iam.list_roles().send().await.expect("passes through");
    proxy.throttle(1.0, 1);
    let err = classify(
        "iam:ListRoles",
        iam.list_roles().send().await.expect_err("throttled"),
    );
    assert_eq!(err.class, ErrorClass::Throttling, "{err}");
    assert_eq!(err.code.as_deref(), Some("Throttling"));
    let elbv2 = aws.elbv2().await.expect("elbv2 client");
    let err = classify(
        "elbv2:DescribeLoadBalancers",
        elbv2
            .describe_load_balancers()
            .send()
            .await
            .expect_err("throttled"),
    );
    assert_eq!(err.class, ErrorClass::Throttling, "{err}");
    assert_eq!(err.code.as_deref(), Some("Throttling"));
    assert_eq!(
        proxy.operations(),
        [
            "iam:ListRoles",
            "iam:ListRoles",
            "elbv2:DescribeLoadBalancers"
        ]
    );
}

#[tokio::test]
async fn json_and_rest_throttling_is_classified_throttling() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let aws = proxy.aws(&moto);
    proxy.throttle(1.0, 3);

    let ssm = aws.ssm().await.expect("ssm client");
    let err = classify(
        "ssm:GetParameter",
        ssm.get_parameter()
            .name("/x")
            .send()
            .await
            .expect_err("throttled"),
    );
    assert_eq!(err.class, ErrorClass::Throttling, "{err}");
    assert_eq!(err.code.as_deref(), Some("ThrottlingException"));

    let efs = aws.efs().await.expect("efs client");
    let err = classify(
        "efs:DescribeFileSystems",
        efs.describe_file_systems()
            .send()
            .await
            .expect_err("throttled"),
    );
    assert_eq!(err.class, ErrorClass::Throttling, "{err}");
    assert_eq!(err.code.as_deref(), Some("ThrottlingException"));

    let cloudfront = aws.cloudfront().await.expect("cloudfront client");
    let err = classify(
        "cloudfront:ListDistributions",
        cloudfront
            .list_distributions()
            .send()
            .await
            .expect_err("throttled"),
    );
    assert_eq!(err.class, ErrorClass::Throttling, "{err}");
    assert_eq!(err.code.as_deref(), Some("Throttling"));

    // Unthrottled, the REST calls reach moto and are named from the route table.
    proxy.stop_throttling();
    efs.describe_file_systems().send().await.expect("efs");
    cloudfront
        .list_distributions()
        .send()
        .await
        .expect("cloudfront");
    assert_eq!(
        proxy.operations(),
        [
            "ssm:GetParameter",
            "efs:DescribeFileSystems",
            "cloudfront:ListDistributions",
            "efs:DescribeFileSystems",
            "cloudfront:ListDistributions",
        ]
    );
}

#[tokio::test]
async fn bare_status_throttling_is_classified() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let aws = proxy.aws(&moto);
    let ec2 = aws.ec2().await.expect("client");
    proxy.throttle_as(1.0, 5, ThrottleStyle::Http429);
    let err = classify(
        "ec2:DescribeVpcs",
        ec2.describe_vpcs().send().await.expect_err("429"),
    );
    assert_eq!(err.class, ErrorClass::Throttling, "{err}");
    proxy.throttle_as(1.0, 5, ThrottleStyle::Http503);
    let err = classify(
        "ec2:DescribeVpcs",
        ec2.describe_vpcs().send().await.expect_err("503"),
    );
    assert!(err.class.is_retryable(), "{err}");
    let statuses: Vec<_> = proxy.record().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [Some(429), Some(503)]);
}

#[tokio::test]
async fn record_lists_calls_in_order() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let aws = proxy.aws(&moto);
    let ec2 = aws.ec2().await.expect("client");
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.12.0.0/16")
        .send()
        .await
        .expect("create vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("id").to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.12.1.0/24")
        .send()
        .await
        .expect("create subnet");
    let subnet_id = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("id")
        .to_string();
    ec2.delete_subnet()
        .subnet_id(&subnet_id)
        .send()
        .await
        .expect("delete subnet");
    ec2.delete_vpc()
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("delete vpc");
    let record = proxy.record();
    let names: Vec<_> = record.iter().map(|c| c.operation.as_str()).collect();
    assert_eq!(
        names,
        [
            "ec2:CreateVpc",
            "ec2:CreateSubnet",
            "ec2:DeleteSubnet",
            "ec2:DeleteVpc"
        ]
    );
    assert!(record.windows(2).all(|w| w[0].at <= w[1].at));
    assert_eq!(
        proxy.operations_matching("ec2:Delete*"),
        ["ec2:DeleteSubnet", "ec2:DeleteVpc"]
    );
    assert_eq!(
        proxy.operations_matching("ec2:CreateVpc"),
        ["ec2:CreateVpc"]
    );
    proxy.clear_record();
    assert!(proxy.record().is_empty());
}
