//! Shared helpers for driving one resource kind directly: attribute and tag builders, and
//! create / update / delete calls that fail the test with the kind's own error.

use std::collections::BTreeMap;
use std::sync::Arc;
use strata::provider::{
    Attrs, CreateRequest, LiveResource, Owner, ProviderError, Registry, ResourceKind, UpdateRequest,
};
use strata::{Address, Value};

/// The deployment name kind tests create under.
pub const DEPLOYMENT: &str = "test-dev";

/// The owner of `address` in [`DEPLOYMENT`], for `identity`.
pub fn owner(address: &Address) -> Owner<'_> {
    Owner {
        deployment: DEPLOYMENT,
        address,
    }
}

/// Something a test names a resource by: `"vpc.main"` or an [`Address`].
pub trait ToAddress {
    /// The address.
    fn to_address(&self) -> Address;
}

impl ToAddress for str {
    fn to_address(&self) -> Address {
        self.parse()
            .unwrap_or_else(|e| panic!("`{self}` is not an address: {e}"))
    }
}

impl ToAddress for String {
    fn to_address(&self) -> Address {
        self.as_str().to_address()
    }
}

impl ToAddress for Address {
    fn to_address(&self) -> Address {
        self.clone()
    }
}

/// A kind as tests hold it: `&dyn ResourceKind` or the registry's `Arc`.
pub trait AsKind {
    /// The kind.
    fn as_kind(&self) -> &dyn ResourceKind;
}

impl<'k> AsKind for dyn ResourceKind + 'k {
    fn as_kind(&self) -> &dyn ResourceKind {
        self
    }
}

impl AsKind for Arc<dyn ResourceKind> {
    fn as_kind(&self) -> &dyn ResourceKind {
        self.as_ref()
    }
}

/// Attributes from pairs.
pub fn attrs(pairs: &[(&str, Value)]) -> Attrs {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// A nested table value from pairs.
pub fn table(pairs: &[(&str, Value)]) -> Value {
    Value::Map(attrs(pairs))
}

/// A list of strings.
pub fn strs<S: AsRef<str>>(items: &[S]) -> Value {
    Value::List(items.iter().map(|s| Value::str(s.as_ref())).collect())
}

/// A listener's default action redirecting HTTP to HTTPS (port 443, 301).
pub fn https_redirect() -> Value {
    table(&[
        ("type", Value::str("redirect")),
        (
            "redirect",
            table(&[
                ("protocol", Value::str("HTTPS")),
                ("port", Value::str("443")),
                ("status_code", Value::str("HTTP_301")),
            ]),
        ),
    ])
}

/// A target group of IP targets on HTTP port 8080 in `vpc`.
pub fn ip_target_group(vpc: &str) -> Attrs {
    attrs(&[
        ("port", Value::Int(8080)),
        ("protocol", Value::str("HTTP")),
        ("vpc_id", Value::str(vpc)),
        ("target_type", Value::str("ip")),
    ])
}

/// The tags strata puts on everything it creates for `address` in `deployment`.
pub fn own_tags(deployment: &str, address: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("strata:deployment".to_string(), deployment.to_string()),
        ("strata:address".to_string(), address.to_string()),
    ])
}

/// strata's own tags for `address` in [`DEPLOYMENT`], plus one stack tag.
pub fn strata_tags(address: &str) -> BTreeMap<String, String> {
    let mut tags = own_tags(DEPLOYMENT, address);
    tags.insert("Project".to_string(), "strata-tests".to_string());
    tags
}

/// The `strata:deployment` tag of [`DEPLOYMENT`] alone, for `find_tagged`.
pub fn deployment_tag() -> BTreeMap<String, String> {
    BTreeMap::from([("strata:deployment".to_string(), DEPLOYMENT.to_string())])
}

/// EC2 tags as a map.
pub fn tag_map(tags: &[aws_sdk_ec2::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
}

/// The kind named `name` (fails the test when it is not registered).
pub fn kind<'a>(registry: &'a Registry, name: &str) -> &'a dyn ResourceKind {
    registry
        .get(name)
        .unwrap_or_else(|| panic!("{name} kind registered"))
        .as_ref()
}

/// Create `address` with [`strata_tags`] and a token derived from the address.
pub async fn create(
    kind: &(impl AsKind + ?Sized),
    address: &(impl ToAddress + ?Sized),
    attrs: &Attrs,
) -> LiveResource {
    let address = address.to_address();
    create_tagged(kind, &address, attrs, &strata_tags(&address.to_string())).await
}

/// Create `address` with exactly these tags (fails the test on error).
pub async fn create_tagged(
    kind: &(impl AsKind + ?Sized),
    address: &(impl ToAddress + ?Sized),
    attrs: &Attrs,
    tags: &BTreeMap<String, String>,
) -> LiveResource {
    let address = address.to_address();
    try_create(kind, &address, attrs, tags)
        .await
        .unwrap_or_else(|e| panic!("create {address}: {e}"))
}

/// Create `address` with these tags, returning the kind's error.
pub async fn try_create(
    kind: &(impl AsKind + ?Sized),
    address: &(impl ToAddress + ?Sized),
    attrs: &Attrs,
    tags: &BTreeMap<String, String>,
) -> Result<LiveResource, ProviderError> {
    let address = address.to_address();
    kind.as_kind()
        .create(&CreateRequest {
            address: &address,
            deployment: DEPLOYMENT,
            attrs,
            tags,
            token: &format!("tok-{address}"),
        })
        .await
}

/// Update `changed` of `address` in place, returning the kind's error.
pub async fn update(
    kind: &(impl AsKind + ?Sized),
    address: &(impl ToAddress + ?Sized),
    id: &str,
    before: &Attrs,
    after: &Attrs,
    changed: &[&str],
    tags: &BTreeMap<String, String>,
) -> Result<LiveResource, ProviderError> {
    let address = address.to_address();
    let changed: Vec<String> = changed.iter().map(|s| s.to_string()).collect();
    kind.as_kind()
        .update(&UpdateRequest {
            address: &address,
            id,
            before,
            after,
            changed: &changed,
            tags,
        })
        .await
}

/// Delete twice (the second is a no-op) and prove the resource is gone.
pub async fn delete_twice(kind: &(impl AsKind + ?Sized), id: &str, recorded: &Attrs) {
    let kind = kind.as_kind();
    kind.delete(id, recorded).await.expect("delete");
    kind.delete(id, recorded)
        .await
        .expect("second delete is a no-op");
    assert!(
        kind.read(&[id.to_string()]).await.expect("read").is_empty(),
        "{id} still readable after delete"
    );
}
