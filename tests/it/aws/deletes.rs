//! Deletes that AWS finishes after the call returns: the kind's `delete` waits until the
//! resource (and, for a load balancer, its network interfaces) is gone, so that the deletes of
//! the subnets and security groups that follow in the same destroy are not refused. moto
//! deletes at once, so the waits are made visible by what stays behind (an interface left in
//! the subnet) or by the proxy (a describe that fails as throttled twice).

use crate::support::fixtures::network;
use crate::support::kinds::{attrs, create, kind, strs};
use crate::support::moto::moto;
use crate::support::proxy::Proxy;
use std::time::{Duration, Instant};

#[tokio::test]
async fn load_balancer_delete_waits_for_its_network_interfaces() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let lbs = kind(&registry, "load_balancer");
    let lb = create(
        lbs,
        "load_balancer.web",
        &attrs(&[("subnets", strs(&net.subnets))]),
    )
    .await;
    // The interface AWS leaves in the subnet for a while after DeleteLoadBalancer returns,
    // described as AWS describes it: "ELB app/NAME/ID".
    let (_, suffix) = lb.id.split_once(":loadbalancer/").expect("an ALB ARN");
    let ec2 = moto.ec2();
    let eni = ec2
        .create_network_interface()
        .subnet_id(&net.subnets[0])
        .description(format!("ELB {suffix}"))
        .send()
        .await
        .expect("create interface")
        .network_interface()
        .and_then(|n| n.network_interface_id())
        .expect("interface id")
        .to_string();

    let started = Instant::now();
    let deleting = {
        let id = lb.id.clone();
        let attrs = lb.attrs.clone();
        let registry = moto.registry();
        tokio::spawn(async move {
            let result = kind(&registry, "load_balancer").delete(&id, &attrs).await;
            (result, Instant::now())
        })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !deleting.is_finished(),
        "delete returned with the interface still in use"
    );
    let released = Instant::now();
    ec2.delete_network_interface()
        .network_interface_id(&eni)
        .send()
        .await
        .expect("release the interface");
    let (result, done) = deleting.await.expect("delete task");
    result.expect("delete");
    assert!(
        done >= released,
        "returned before the interface was released"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(lbs
        .read(std::slice::from_ref(&lb.id))
        .await
        .expect("read")
        .is_empty());
    // A second delete finds nothing left to wait for.
    lbs.delete(&lb.id, &lb.attrs)
        .await
        .expect("second delete is a no-op");
}

#[tokio::test]
async fn efs_file_system_delete_waits_until_it_is_gone() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let kind = kind(&registry, "efs_file_system");
    let fs = create(kind, "efs_file_system.shared", &attrs(&[])).await;
    proxy.clear_record();
    // Two polls answered "throttled": the wait counts them as "not yet" and polls again.
    proxy.fail("efs:DescribeFileSystems", 2, "ThrottlingException", 400);
    kind.delete(&fs.id, &fs.attrs).await.expect("delete");
    assert_eq!(
        proxy.operations(),
        [
            "efs:DeleteFileSystem",
            "efs:DescribeFileSystems",
            "efs:DescribeFileSystems",
            "efs:DescribeFileSystems",
        ]
    );
    assert!(kind
        .read(std::slice::from_ref(&fs.id))
        .await
        .expect("read")
        .is_empty());
}
