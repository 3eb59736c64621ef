//! EFS's refusal to delete a file system that still has mount targets.

use super::*;

#[tokio::test]
async fn file_system_with_mount_targets_is_refused_in_use() {
    let moto = moto();
    let Network { subnets, .. } = network(&moto).await;
    let (fs, target) = mounted_file_system(&moto, "strict", &subnets[0], &[]).await;
    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_efs::Client = through(&proxy);
    let (code, message) = refused(strict.delete_file_system().file_system_id(&fs).send().await);
    assert_eq!(code, "FileSystemInUse");
    assert!(message.contains(&target), "{message}");
    strict
        .delete_mount_target()
        .mount_target_id(&target)
        .send()
        .await
        .expect("delete mount target");
    strict
        .delete_file_system()
        .file_system_id(&fs)
        .send()
        .await
        .expect("an unmounted file system is deleted");
    let refused_calls: Vec<_> = proxy
        .record()
        .into_iter()
        .filter(|c| c.refused().is_some())
        .map(|c| (c.operation, c.status))
        .collect();
    assert_eq!(
        refused_calls,
        [("efs:DeleteFileSystem".to_string(), Some(409))]
    );
}
