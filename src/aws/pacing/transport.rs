//! Wiring the pacer into the SDK: an interceptor names the operation on each outgoing request,
//! and a wrapper around the SDK's HTTP client waits for the pacer before handing it on.
//!
//! Why the HTTP layer: interceptors are synchronous and cannot wait, the retry strategy (which
//! could ask for a delay) is not replaceable through the public client config, and pacing at
//! every call site would touch every kind. The HTTP connector is the one async step every
//! request goes through.

use super::Pacer;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::Arc;

/// The API operation of a request, carried as a request extension to the HTTP layer.
#[derive(Debug, Clone)]
struct OperationName(String);

/// Names the operation on each attempt's request (extensions do not survive the SDK's per-attempt
/// request clone, so this runs just before transmit).
#[derive(Debug)]
pub(crate) struct NameOperation;

impl Intercept for NameOperation {
    fn name(&self) -> &'static str {
        "strata::NameOperation"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            let name = OperationName(meta.name().to_string());
            context.request_mut().add_extension(name);
        }
        Ok(())
    }
}

/// The SDK's HTTP client, with every request first waiting for the pacer.
#[derive(Debug)]
pub(crate) struct PacedHttpClient {
    inner: SharedHttpClient,
    pacer: Arc<Pacer>,
}

impl PacedHttpClient {
    /// `inner`, paced by `pacer`.
    pub(crate) fn new(inner: SharedHttpClient, pacer: Arc<Pacer>) -> Self {
        PacedHttpClient { inner, pacer }
    }
}

impl HttpClient for PacedHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector {
            inner: self.inner.http_connector(settings, components),
            pacer: self.pacer.clone(),
        })
    }

    fn validate_base_client_config(
        &self,
        components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_base_client_config(components, cfg)
    }

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(components, cfg)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[derive(Debug)]
struct PacedConnector {
    inner: SharedHttpConnector,
    pacer: Arc<Pacer>,
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let pacer = self.pacer.clone();
        HttpConnectorFuture::new(async move {
            match request.extension::<OperationName>() {
                Some(op) => pacer.pace(&op.0).await,
                // Unnamed requests are not expected; count them as mutating, the safe side.
                None => pacer.pace_category(super::Category::Mutating).await,
            }
            inner.call(request).await
        })
    }
}

/// The HTTP client the SDK would use for EC2 with this config, to be wrapped.
///
/// An `SdkConfig` only carries an HTTP client when one was set explicitly; otherwise the SDK
/// picks its default inside the client at call time and offers no way to ask for it. So this
/// asks a throwaway client: an interceptor reads the resolved client from the runtime
/// components and stops the call before anything is serialized, signed or sent.
pub(crate) async fn sdk_http_client(config: &aws_config::SdkConfig) -> Option<SharedHttpClient> {
    if let Some(client) = config.http_client() {
        return Some(client);
    }
    let found = Arc::new(std::sync::Mutex::new(None));
    let probe = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(config)
            .interceptor(CaptureHttpClient(found.clone()))
            .build(),
    );
    // The call always fails: the interceptor stops it once it has looked.
    #[allow(
        clippy::let_underscore_must_use,
        reason = "the probe call is stopped by the interceptor and always fails; only what it captured matters"
    )]
    let _ = probe.describe_regions().send().await;
    let mut found = found.lock().unwrap_or_else(|e| e.into_inner());
    found.take()
}

/// Records the resolved HTTP client and aborts the call.
#[derive(Debug)]
struct CaptureHttpClient(Arc<std::sync::Mutex<Option<SharedHttpClient>>>);

impl Intercept for CaptureHttpClient {
    fn name(&self) -> &'static str {
        "strata::CaptureHttpClient"
    }

    fn modify_before_serialization(
        &self,
        _context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextMut<'_>,
        components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *slot = components.http_client();
        Err("strata: HTTP client probe, the call is stopped on purpose".into())
    }
}
