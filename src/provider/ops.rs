//! The operations every resource kind offers: batched read, lookup by tags, create, update,
//! delete and a readiness wait.

use super::error::ProviderError;
use super::schema::KindSchema;
use crate::address::Address;
use crate::value::Value;
use async_trait::async_trait;
use std::collections::BTreeMap;

/// Attribute name → value, as configuration, state and the provider exchange them.
pub type Attrs = BTreeMap<String, Value>;

/// A resource as the provider reads it from the account.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveResource {
    /// Provider id (`vpc-0abc`, an ARN for ELB and IAM kinds…).
    pub id: String,
    /// The attributes the kind can read back in its batched call. Attributes it cannot read
    /// back (write-only ones such as a key pair's public key) are absent; the engine keeps the
    /// recorded value for those.
    pub attrs: Attrs,
    /// The resource's tags, including `strata:*` ones (empty for untaggable kinds).
    pub tags: BTreeMap<String, String>,
}

/// What `create` needs.
#[derive(Debug, Clone)]
pub struct CreateRequest<'a> {
    /// `kind.name`, for messages and tags.
    pub address: &'a Address,
    /// Deployment name, for derived names and tags.
    pub deployment: &'a str,
    /// Desired attributes, fully known and in clear (the engine resolved every reference).
    pub attrs: &'a Attrs,
    /// Every tag to put on the resource in the create call itself where the API allows it:
    /// stack/tier tags, the resource's own, `strata:deployment`, `strata:address` and
    /// `strata:lineage`.
    pub tags: &'a BTreeMap<String, String>,
    /// Idempotency token, derived from the state's lineage, the address and the intent: the
    /// same across retries, and reused by a run finishing an interrupted create (RunInstances
    /// `ClientToken`, EFS `CreationToken`, CloudFront `CallerReference`).
    pub token: &'a str,
}

/// Whom a resource is created for: the deployment and the address its derived names come from.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    /// Deployment name.
    pub deployment: &'a str,
    /// `kind.name`.
    pub address: &'a Address,
}

impl<'a> CreateRequest<'a> {
    /// The deployment and address of this create.
    pub fn owner(&self) -> Owner<'a> {
        Owner {
            deployment: self.deployment,
            address: self.address,
        }
    }
}

/// What `update` needs.
#[derive(Debug, Clone)]
pub struct UpdateRequest<'a> {
    /// `kind.name`.
    pub address: &'a Address,
    /// Provider id.
    pub id: &'a str,
    /// Attributes as recorded (or read) before the update.
    pub before: &'a Attrs,
    /// Desired attributes, fully known and in clear.
    pub after: &'a Attrs,
    /// Names of the attributes that differ (all update in place).
    pub changed: &'a [String],
    /// Desired tags (the full set, as for create).
    pub tags: &'a BTreeMap<String, String>,
}

/// A rule of a kind that a configuration breaks, found by [`ResourceKind::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The attribute the rule is about, to point at; `None` for the resource as a whole.
    pub attr: Option<&'static str>,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl Invalid {
    /// A broken rule about `attr`.
    pub fn at(attr: &'static str, message: impl Into<String>) -> Self {
        Invalid {
            attr: Some(attr),
            message: message.into(),
        }
    }
}

/// Which resources a [`ResourceKind::describe`] call asks for.
#[derive(Debug, Clone, Copy)]
pub enum Selector<'a> {
    /// These provider ids; ids that no longer exist are simply absent from the answer.
    Ids(&'a [String]),
    /// Every resource carrying all of these tags.
    Tags(&'a BTreeMap<String, String>),
}

impl Selector<'_> {
    /// Whether `live` is one of the resources selected (for APIs that cannot filter on the
    /// server side, which list and then keep what matches).
    pub fn matches(&self, live: &LiveResource) -> bool {
        match self {
            Selector::Ids(ids) => ids.contains(&live.id),
            Selector::Tags(tags) => tags.iter().all(|(k, v)| live.tags.get(k) == Some(v)),
        }
    }
}

/// A resource kind as the engine sees it.
///
/// The operations are async and bounded by the caller's concurrency. They never retry on
/// their own: the caller decides from [`ProviderError::class`] (see [`super::retry`]).
#[async_trait]
pub trait ResourceKind: Send + Sync {
    /// The kind's attribute schema: types, computed, sensitive and replace-forcing attributes.
    fn schema(&self) -> &KindSchema;

    /// The kind's one read: the selected resources, in as few calls as the API allows (one
    /// call per page, ids or filters in the request). [`ResourceKind::read`] and
    /// [`ResourceKind::find_tagged`] are this with ids and with tags.
    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError>;

    /// Read the resources with these ids; ids that no longer exist are simply absent.
    async fn read(&self, ids: &[String]) -> Result<Vec<LiveResource>, ProviderError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.describe(Selector::Ids(ids)).await
    }

    /// Find resources carrying all of these tags.
    async fn find_tagged(
        &self,
        tags: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        self.describe(Selector::Tags(tags)).await
    }

    /// Create the resource, tagged in the same call where the API allows it.
    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError>;

    /// Change the attributes listed in `req.changed` in place.
    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError>;

    /// Delete the resource. Deleting one that is already gone succeeds.
    async fn delete(&self, id: &str, recorded: &Attrs) -> Result<(), ProviderError>;

    /// For kinds whose resources cannot carry tags: what identifies the resource that `attrs`
    /// would create (a volume attachment's volume, instance and device; a mount target's file
    /// system and subnet), recorded in the create intent so that a retried or killed create is
    /// found again instead of made twice. A name the kind derives when none is set comes from
    /// `owner`, as the create would derive it. `None` (the default) for kinds found by their
    /// tags.
    fn identity(&self, _attrs: &Attrs, _owner: Owner<'_>) -> Option<BTreeMap<String, String>> {
        None
    }

    /// Find the resources with this identity (see [`ResourceKind::identity`]) in as few calls
    /// as the API allows. Kinds without an identity keep the default, which finds nothing.
    async fn find_by_identity(
        &self,
        _identity: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        Ok(Vec::new())
    }

    /// Cross-attribute rules the schema cannot say (exactly one of two keys, a key required
    /// by another's value), checked by `validate` with every value known while loading;
    /// values only apply can tell are `Value::Unknown` and satisfy every rule.
    fn validate(&self, _attrs: &Attrs) -> Vec<Invalid> {
        Vec::new()
    }

    /// What a resource with these attributes is billed for, priced by the cost estimator
    /// from the catalog. `related` gives the attributes of a resource one of these attributes
    /// names (an ECS service's task definition), when the estimator knows it. Values only
    /// apply can tell are `Value::Unknown`: leave out what they decide. Free kinds keep the
    /// default.
    fn meters(
        &self,
        _attrs: &Attrs,
        _usage: &super::meter::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<Attrs>,
    ) -> Vec<super::meter::Meter> {
        Vec::new()
    }

    /// Wait until the resource is usable (instance running, load balancer active…). Kinds that
    /// are usable as soon as they exist keep the default.
    async fn wait_ready(&self, _id: &str) -> Result<(), ProviderError> {
        Ok(())
    }
}
