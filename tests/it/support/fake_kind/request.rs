//! What an operation's closure is handed ([`Request`]) and what the in-memory account does
//! with it by default ([`Proceed`]).

use super::cloud::Cloud;
use std::collections::BTreeMap;
use strata::provider::{Attrs, ErrorClass, LiveResource, ProviderError};
use strata::Address;

/// One call handed to an operation's closure.
pub struct Request<A> {
    /// 1-based number of this call among the calls of its operation.
    pub n: usize,
    /// The resource address, as the [`super::CallLog`] records it for this call.
    pub address: Option<String>,
    /// The call's arguments, owned.
    pub args: A,
    /// The fake account, for closures that do the default work and more (or less).
    pub cloud: Cloud,
}

/// Arguments of `read`.
pub struct ReadArgs {
    /// Ids asked for.
    pub ids: Vec<String>,
}

/// Arguments of `find_tagged`.
pub struct FindArgs {
    /// Tags every answer must carry.
    pub tags: BTreeMap<String, String>,
}

/// Arguments of `find_by_identity`.
pub struct IdentityArgs {
    /// The identity looked for: attribute name → value.
    pub identity: BTreeMap<String, String>,
}

/// Arguments of `create`.
pub struct CreateArgs {
    /// The resource address.
    pub address: Address,
    /// Deployment name.
    pub deployment: String,
    /// Desired attributes, in clear.
    pub attrs: Attrs,
    /// Every tag.
    pub tags: BTreeMap<String, String>,
    /// Idempotency token.
    pub token: String,
}

/// Arguments of `update`.
pub struct UpdateArgs {
    /// The resource address.
    pub address: Address,
    /// Provider id.
    pub id: String,
    /// Attributes before.
    pub before: Attrs,
    /// Desired attributes.
    pub after: Attrs,
    /// Attributes that change.
    pub changed: Vec<String>,
    /// Every tag.
    pub tags: BTreeMap<String, String>,
}

/// Arguments of `delete`.
pub struct DeleteArgs {
    /// Provider id.
    pub id: String,
    /// Attributes as recorded.
    pub recorded: Attrs,
}

/// Arguments of `wait_ready`.
pub struct WaitArgs {
    /// Provider id.
    pub id: String,
}

/// The default behaviour of an operation: what the in-memory account does.
pub trait Proceed {
    /// What the operation answers.
    type Output: Send + 'static;
    /// The API operation name used in errors, e.g. `fake:Create`.
    const OPERATION: &'static str;
    /// Do what a working account would.
    fn proceed(&self) -> Result<Self::Output, ProviderError>;
}

impl Proceed for Request<ReadArgs> {
    type Output = Vec<LiveResource>;
    const OPERATION: &'static str = "fake:Read";
    fn proceed(&self) -> Result<Self::Output, ProviderError> {
        Ok(self.cloud.read(&self.args.ids))
    }
}

impl Proceed for Request<FindArgs> {
    type Output = Vec<LiveResource>;
    const OPERATION: &'static str = "fake:FindTagged";
    fn proceed(&self) -> Result<Self::Output, ProviderError> {
        Ok(self.cloud.find_tagged(&self.args.tags))
    }
}

impl Proceed for Request<IdentityArgs> {
    type Output = Vec<LiveResource>;
    const OPERATION: &'static str = "fake:FindByIdentity";
    fn proceed(&self) -> Result<Self::Output, ProviderError> {
        Ok(self.cloud.find_by_attrs(&self.args.identity))
    }
}

impl Proceed for Request<CreateArgs> {
    type Output = LiveResource;
    const OPERATION: &'static str = "fake:Create";
    fn proceed(&self) -> Result<Self::Output, ProviderError> {
        Ok(self.cloud.create(&self.args.attrs, &self.args.tags))
    }
}

impl Proceed for Request<UpdateArgs> {
    type Output = LiveResource;
    const OPERATION: &'static str = "fake:Update";
    fn proceed(&self) -> Result<Self::Output, ProviderError> {
        let a = &self.args;
        self.cloud.update(&a.id, &a.after, &a.changed, &a.tags)
    }
}

impl Proceed for Request<DeleteArgs> {
    type Output = ();
    const OPERATION: &'static str = "fake:Delete";
    fn proceed(&self) -> Result<Self::Output, ProviderError> {
        self.cloud.delete(&self.args.id);
        Ok(())
    }
}

impl Proceed for Request<WaitArgs> {
    type Output = ();
    const OPERATION: &'static str = "fake:WaitReady";
    fn proceed(&self) -> Result<Self::Output, ProviderError> {
        Ok(())
    }
}

/// A provider error of `class` from `operation`, coded with the class name.
pub fn error(class: ErrorClass, operation: &str) -> ProviderError {
    ProviderError::new(
        class,
        operation,
        format!("scripted {} failure", class.name()),
    )
    .with_code(class.name())
}
