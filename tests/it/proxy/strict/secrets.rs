//! A secret scheduled for deletion keeps its name until its recovery window ends.

use super::*;

#[tokio::test]
async fn a_name_scheduled_for_deletion_cannot_be_created_again() {
    let moto = moto();
    let sm: aws_sdk_secretsmanager::Client = moto.client();
    sm.create_secret()
        .name("db-password")
        .secret_string("one")
        .send()
        .await
        .expect("create");
    sm.delete_secret()
        .secret_id("db-password")
        .recovery_window_in_days(7)
        .send()
        .await
        .expect("schedule deletion");

    // moto answers as for a live secret; AWS says why.
    let plain = Proxy::start(moto.port);
    let (code, _) = refused(
        through::<aws_sdk_secretsmanager::Client>(&plain)
            .create_secret()
            .name("db-password")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceExistsException");
    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_secretsmanager::Client = through(&proxy);
    let (code, message) = refused(strict.create_secret().name("db-password").send().await);
    assert_eq!(code, "InvalidRequestException");
    assert!(message.contains("scheduled for deletion"), "{message}");
    let err = strict
        .create_secret()
        .name("db-password")
        .send()
        .await
        .expect_err("refused");
    assert_eq!(
        classify("secretsmanager:CreateSecret", err).class,
        ErrorClass::InvalidInput
    );

    // Another name is fine; once deleted for good, so is this one.
    strict
        .create_secret()
        .name("db-password-2")
        .send()
        .await
        .expect("another name");
    strict
        .delete_secret()
        .secret_id("db-password")
        .force_delete_without_recovery(true)
        .send()
        .await
        .expect("delete at once");
    strict
        .create_secret()
        .name("db-password")
        .send()
        .await
        .expect("the name is free again");
}
