//! IAM's `DeleteConflict` for roles and instance profiles still in use.

use super::*;

#[tokio::test]
async fn role_and_instance_profile_in_use_are_refused_with_delete_conflict() {
    let moto = moto();
    let iam = moto.iam();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name("host")
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("role");
    let policy = iam
        .create_policy()
        .policy_name("read")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
        .send()
        .await
        .expect("policy")
        .policy()
        .and_then(|p| p.arn())
        .expect("arn")
        .to_string();
    iam.attach_role_policy()
        .role_name("host")
        .policy_arn(&policy)
        .send()
        .await
        .expect("attach");
    iam.put_role_policy()
        .role_name("host")
        .policy_name("inline")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#)
        .send()
        .await
        .expect("inline policy");
    iam.create_instance_profile()
        .instance_profile_name("host")
        .send()
        .await
        .expect("profile");
    iam.add_role_to_instance_profile()
        .instance_profile_name("host")
        .role_name("host")
        .send()
        .await
        .expect("role in profile");

    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_iam::Client = through(&proxy);
    let delete_role = || strict.delete_role().role_name("host").send();
    let expect_conflict = |(code, message): (String, String), why: &str| {
        assert_eq!(code, "DeleteConflict", "{message}");
        assert!(message.contains(why), "{message}");
    };
    expect_conflict(
        refused(delete_role().await),
        "remove roles from instance profile",
    );
    expect_conflict(
        refused(
            strict
                .delete_instance_profile()
                .instance_profile_name("host")
                .send()
                .await,
        ),
        "remove roles from instance profile",
    );
    iam.remove_role_from_instance_profile()
        .instance_profile_name("host")
        .role_name("host")
        .send()
        .await
        .expect("remove role");
    strict
        .delete_instance_profile()
        .instance_profile_name("host")
        .send()
        .await
        .expect("an empty profile is deleted");
    expect_conflict(refused(delete_role().await), "detach all policies");
    iam.detach_role_policy()
        .role_name("host")
        .policy_arn(&policy)
        .send()
        .await
        .expect("detach");
    expect_conflict(refused(delete_role().await), "delete policies");
    iam.delete_role_policy()
        .role_name("host")
        .policy_name("inline")
        .send()
        .await
        .expect("delete inline");
    delete_role().await.expect("a bare role is deleted");
    let record = proxy.record();
    let statuses: Vec<_> = record
        .iter()
        .filter(|c| c.refused().is_some())
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, [Some(409); 4]);
    // moto refuses these itself too (the notes say so); strict mode answers first, the same way.
}
