//! `ecs_task_definition`: one revision of an ECS task definition.
//!
//! A revision is immutable: every attribute but the tags forces a new one (a new revision of
//! the same family is registered, and the old one deregistered and deleted). Replacement is
//! always create-before-destroy: the new revision is registered first and the old one is
//! deregistered last, so a service never points at a deregistered revision (and AWS never
//! reuses a revision number, so the new id differs). The id is the
//! revision's ARN (`…:task-definition/FAMILY:REVISION`).
//!
//! Reads: ECS has no batch describe for task definitions — `DescribeTaskDefinition` takes one
//! ARN — so a read makes one call per id. Finding by tags asks the Resource Groups Tagging
//! API for the tagged revisions (one call per page) and describes only those, which is
//! cheaper than listing every family's revisions (`ListTaskDefinitions`) and describing all.

use super::{int_in, tagged_arns};
use crate::address::Address;
use crate::aws::attrs::{put_int, put_str, put_str_list, str_list, str_of, table, table_list};
use crate::aws::errors::classify;
use crate::aws::shapes::{block, block_list, flag, int, string_list, text, texts};
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::aws::{names, Aws};
use crate::provider::{
    AttrSchema, AttrType, Attrs, BlockField, CreateRequest, ErrorClass, Invalid, KindSchema,
    LiveResource, ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, CpuArchitecture, HealthCheck, KeyValuePair,
    LogConfiguration, LogDriver, NetworkMode, OsFamily, PortMapping, RuntimePlatform, Secret,
    TaskDefinition, TaskDefinitionField, TaskDefinitionStatus, TransportProtocol,
};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// An ECS task definition revision (`RegisterTaskDefinition`).
pub struct EcsTaskDefinition {
    aws: Arc<Aws>,
}

impl EcsTaskDefinition {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        EcsTaskDefinition { aws }
    }
}

fn map_of_strings(name: &'static str) -> BlockField {
    BlockField::new(name, AttrType::Map(Box::new(AttrType::String)))
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "ecs_task_definition",
        "An ECS task definition revision: the containers of a task, their image, resources, ports and logs",
    )
    .taggable()
    .create_before_destroy()
    .attr(
        AttrSchema::string("family")
            .optional_computed()
            .replace()
            .doc("Family the revision belongs to (at most 255 characters); derived from the deployment and resource names when unset"),
    )
    .attr(
        AttrSchema::string("cpu")
            .replace()
            .doc("CPU units of the task as a string: 256, 512, 1024, 2048, 4096, 8192 or 16384 on Fargate"),
    )
    .attr(
        AttrSchema::string("memory")
            .replace()
            .doc("Memory of the task in MiB as a string (e.g. \"512\"); Fargate allows only some values per cpu"),
    )
    .attr(
        AttrSchema::string("network_mode")
            .replace()
            .doc("awsvpc (default, required on Fargate), bridge, host or none"),
    )
    .attr(
        string_list("requires_compatibilities")
            .unordered()
            .replace()
            .doc("Launch types the task must be valid for, e.g. [\"FARGATE\"]"),
    )
    .attr(
        AttrSchema::string("execution_role_arn")
            .refers_to(&["iam_role"])
            .replace()
            .doc("ARN of the role ECS uses to pull the image and write logs"),
    )
    .attr(
        AttrSchema::string("task_role_arn")
            .refers_to(&["iam_role"])
            .replace()
            .doc("ARN of the role the task's containers assume"),
    )
    .attr(
        block(
            "runtime_platform",
            vec![text("operating_system_family"), text("cpu_architecture")],
        )
        .replace()
        .doc("Platform: operating_system_family (e.g. LINUX), cpu_architecture (X86_64 or ARM64)"),
    )
    .attr(
        block_list(
            "container_definitions",
            vec![
                text("name").required(),
                text("image").required(),
                int("cpu"),
                int("memory"),
                int("memory_reservation"),
                flag("essential"),
                texts("command"),
                texts("entry_point"),
                map_of_strings("environment"),
                map_of_strings("secrets"),
                BlockField::new(
                    "port_mappings",
                    AttrType::List(Box::new(AttrType::Block(vec![
                        int("container_port").required(),
                        int("host_port"),
                        text("protocol"),
                    ]))),
                ),
                BlockField::new(
                    "log_configuration",
                    AttrType::Block(vec![
                        text("log_driver").required(),
                        map_of_strings("options"),
                    ]),
                ),
                BlockField::new(
                    "health_check",
                    AttrType::Block(vec![
                        texts("command").required(),
                        int("interval"),
                        int("timeout"),
                        int("retries"),
                        int("start_period"),
                    ]),
                ),
            ],
        )
        .required()
        .replace()
        .doc(
            "Containers: name, image, cpu, memory, memory_reservation, essential, command, entry_point, \
             environment (name = value), secrets (name = ARN of a secretsmanager_secret or SSM parameter), \
             port_mappings (container_port, host_port, protocol), log_configuration (log_driver, options), \
             health_check (command, interval, timeout, retries, start_period)",
        ),
    )
    .attr(
        AttrSchema::computed("arn", AttrType::String)
            .doc("ARN of this revision (also its id)"),
    )
    .attr(AttrSchema::computed("revision", AttrType::Int).doc("Revision number within the family"))
});

/// Memory sizes (MiB) Fargate allows for each task cpu value.
fn fargate_memory(cpu: i64) -> Option<Vec<i64>> {
    let steps = |lo: i64, hi: i64, step: i64| (lo..=hi).step_by(step as usize).collect();
    Some(match cpu {
        256 => vec![512, 1024, 2048],
        512 => steps(1024, 4096, 1024),
        1024 => steps(2048, 8192, 1024),
        2048 => steps(4096, 16384, 1024),
        4096 => steps(8192, 30720, 1024),
        8192 => steps(16384, 61440, 4096),
        16384 => steps(32768, 122880, 8192),
        _ => return None,
    })
}

#[async_trait]
impl ResourceKind for EcsTaskDefinition {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let arns = match selector {
            Selector::Ids(ids) => ids.to_vec(),
            Selector::Tags(tags) => tagged_arns(&self.aws, "ecs:task-definition", tags).await?,
        };
        let mut out = Vec::new();
        // No batch describe exists for task definitions: one call per revision.
        for arn in &arns {
            if let Some(live) = self.describe_one(arn).await? {
                out.push(live);
            }
        }
        out.retain(|l| selector.matches(l));
        Ok(out)
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut out = Vec::new();
        let fargate = str_list(attrs, "requires_compatibilities")
            .iter()
            .any(|c| c == "FARGATE");
        let number = |name: &'static str, out: &mut Vec<Invalid>| -> Option<i64> {
            let v = str_of(attrs, name)?;
            match v.trim().parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    out.push(Invalid::at(
                        name,
                        format!(
                            "`{name}` must be a whole number as a string (e.g. \"512\"), not {v:?}"
                        ),
                    ));
                    None
                }
            }
        };
        let cpu = number("cpu", &mut out);
        let memory = number("memory", &mut out);
        if fargate {
            if let Some(mode) = str_of(attrs, "network_mode") {
                if mode != "awsvpc" {
                    out.push(Invalid::at(
                        "network_mode",
                        format!("Fargate tasks use network_mode \"awsvpc\", not {mode:?}"),
                    ));
                }
            }
            match (cpu, memory) {
                (Some(c), Some(m)) => match fargate_memory(c) {
                    None => out.push(Invalid::at(
                        "cpu",
                        format!(
                            "Fargate takes cpu 256, 512, 1024, 2048, 4096, 8192 or 16384, not {c}"
                        ),
                    )),
                    Some(allowed) if !allowed.contains(&m) => out.push(Invalid::at(
                        "memory",
                        format!(
                            "Fargate with cpu {c} takes memory {} to {} MiB ({} values), not {m}",
                            allowed[0],
                            allowed[allowed.len() - 1],
                            allowed.len()
                        ),
                    )),
                    Some(_) => {}
                },
                (None, _) if !attrs.contains_key("cpu") => out.push(Invalid::at(
                    "cpu",
                    "Fargate tasks must set the task's `cpu`",
                )),
                (_, None) if !attrs.contains_key("memory") => out.push(Invalid::at(
                    "memory",
                    "Fargate tasks must set the task's `memory`",
                )),
                _ => {}
            }
        }
        let containers = table_list(attrs, "container_definitions");
        let mut names = std::collections::BTreeSet::new();
        for c in &containers {
            if let Some(n) = c.get("name").and_then(Value::as_str) {
                if !names.insert(n) {
                    out.push(Invalid::at(
                        "container_definitions",
                        format!("container name `{n}` appears twice"),
                    ));
                }
            }
            let awsvpc = str_of(attrs, "network_mode").is_none_or(|m| m == "awsvpc");
            if let Some(Value::List(ports)) = c.get("port_mappings") {
                for p in ports {
                    let Value::Map(p) = p else { continue };
                    if let (Some(Value::Int(cp)), Some(Value::Int(hp))) =
                        (p.get("container_port"), p.get("host_port"))
                    {
                        if awsvpc && cp != hp {
                            out.push(Invalid::at(
                                "container_definitions",
                                format!("with network_mode awsvpc, host_port must equal container_port ({cp}), not {hp}"),
                            ));
                        }
                    }
                }
            }
            if memory.is_none()
                && !attrs.contains_key("memory")
                && !c.contains_key("memory")
                && !c.contains_key("memory_reservation")
            {
                out.push(Invalid::at(
                    "container_definitions",
                    "without a task `memory`, every container sets `memory` or `memory_reservation`",
                ));
            }
        }
        out
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ecs:RegisterTaskDefinition";
        let at = |e: ProviderError| e.at(req.address);
        let ecs = self.aws.ecs().await?;
        let attrs = req.attrs;
        let family = match str_of(attrs, "family") {
            Some(f) => f.to_string(),
            None => names::derived(req.deployment, req.address, 255),
        };
        let mut containers = Vec::new();
        for c in table_list(attrs, "container_definitions") {
            containers.push(container_of(c, OP).map_err(at)?);
        }
        let mut call = ecs
            .register_task_definition()
            .family(&family)
            .set_container_definitions(Some(containers))
            .network_mode(NetworkMode::from(
                str_of(attrs, "network_mode").unwrap_or("awsvpc"),
            ))
            .set_cpu(str_of(attrs, "cpu").map(str::to_string))
            .set_memory(str_of(attrs, "memory").map(str::to_string))
            .set_execution_role_arn(str_of(attrs, "execution_role_arn").map(str::to_string))
            .set_task_role_arn(str_of(attrs, "task_role_arn").map(str::to_string))
            .set_tags(Some(tag_list(req.tags)));
        for c in str_list(attrs, "requires_compatibilities") {
            call = call.requires_compatibilities(Compatibility::from(c.as_str()));
        }
        if let Some(p) = table(attrs, "runtime_platform") {
            let s = |k: &str| p.get(k).and_then(Value::as_str);
            call = call.runtime_platform(
                RuntimePlatform::builder()
                    .set_operating_system_family(s("operating_system_family").map(OsFamily::from))
                    .set_cpu_architecture(s("cpu_architecture").map(CpuArchitecture::from))
                    .build(),
            );
        }
        let got = call.send().await.map_err(|e| at(classify(OP, e)))?;
        let td = got.task_definition().ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::Other,
                OP,
                "no task definition in the response",
            ))
        })?;
        let mut live = live_of(td, got.tags()).ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::Other,
                OP,
                "no task definition ARN in the response",
            ))
        })?;
        live.tags = req.tags.clone();
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let at = |e: ProviderError| e.at(req.address);
        if let Some(other) = req.changed.iter().find(|c| c.as_str() != "tags") {
            return Err(at(ProviderError::new(
                ErrorClass::Unsupported,
                "ecs:RegisterTaskDefinition",
                format!("`{other}` of a task definition revision cannot change: a new revision replaces it"),
            )));
        }
        let current = self.read_one(req.id, req.address).await?;
        let (set, removed) = tag_changes(&current.tags, req.tags);
        super::sync_tags(&self.aws, req.id, set, removed)
            .await
            .map_err(at)?;
        let mut live = current;
        live.tags = req.tags.clone();
        Ok(live)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        // A revision already deregistered (or deleted) is gone as far as strata goes.
        if self.describe_one(id).await?.is_none() {
            return Ok(());
        }
        let ecs = self.aws.ecs().await?;
        match ecs
            .deregister_task_definition()
            .task_definition(id)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let err = classify("ecs:DeregisterTaskDefinition", e);
                if !is_missing(&err) {
                    return Err(err);
                }
            }
        }
        // Deregistered revisions stay listed as INACTIVE forever; DeleteTaskDefinitions removes
        // them. Its per-revision failures (already deleting) are not errors.
        ecs.delete_task_definitions()
            .task_definitions(id)
            .send()
            .await
            .map_err(|e| classify("ecs:DeleteTaskDefinitions", e))?;
        Ok(())
    }
}

/// Whether an ECS error says the task definition does not exist (ECS answers a generic
/// `ClientException` for it).
fn is_missing(err: &ProviderError) -> bool {
    err.code.as_deref() == Some("ClientException")
        && (err.message.contains("Unable to describe task definition")
            || err.message.contains("does not exist")
            || err.message.contains("Revision is missing"))
}

impl EcsTaskDefinition {
    /// One revision, with its tags; `None` when it does not exist or is deregistered.
    async fn describe_one(&self, arn: &str) -> Result<Option<LiveResource>, ProviderError> {
        const OP: &str = "ecs:DescribeTaskDefinition";
        let ecs = self.aws.ecs().await?;
        let got = match ecs
            .describe_task_definition()
            .task_definition(arn)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
        {
            Ok(got) => got,
            Err(e) => {
                let err = classify(OP, e);
                return if is_missing(&err) { Ok(None) } else { Err(err) };
            }
        };
        let Some(td) = got.task_definition() else {
            return Ok(None);
        };
        if td
            .status()
            .is_some_and(|s| *s != TaskDefinitionStatus::Active)
        {
            return Ok(None);
        }
        Ok(live_of(td, got.tags()))
    }

    async fn read_one(&self, id: &str, address: &Address) -> Result<LiveResource, ProviderError> {
        self.describe_one(id).await?.ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "ecs:DescribeTaskDefinition",
                format!("task definition {id} is not visible"),
            )
            .at(address)
        })
    }
}

/// One `container_definitions` table as the SDK's container definition.
fn container_of(
    c: &BTreeMap<String, Value>,
    op: &str,
) -> Result<ContainerDefinition, ProviderError> {
    const B: &str = "container_definitions";
    let s = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
    let list = |k: &str| -> Option<Vec<String>> {
        match c.get(k) {
            Some(Value::List(items)) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            ),
            _ => None,
        }
    };
    let strings = |v: Option<&Value>| -> Vec<(String, String)> {
        match v {
            Some(Value::Map(m)) => m
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut d = ContainerDefinition::builder()
        .set_name(s("name"))
        .set_image(s("image"))
        .set_cpu(int_in(c, "cpu", B, op)?)
        .set_memory(int_in(c, "memory", B, op)?)
        .set_memory_reservation(int_in(c, "memory_reservation", B, op)?)
        .set_essential(c.get("essential").and_then(Value::as_bool))
        .set_command(list("command"))
        .set_entry_point(list("entry_point"));
    for (k, v) in strings(c.get("environment")) {
        d = d.environment(KeyValuePair::builder().name(k).value(v).build());
    }
    for (k, v) in strings(c.get("secrets")) {
        let secret = Secret::builder()
            .name(k)
            .value_from(v)
            .build()
            .map_err(|e| ProviderError::invalid(op, format!("`{B}.secrets`: {e}")))?;
        d = d.secrets(secret);
    }
    if let Some(Value::List(ports)) = c.get("port_mappings") {
        for p in ports {
            let Value::Map(p) = p else { continue };
            let protocol = p.get("protocol").and_then(Value::as_str);
            d = d.port_mappings(
                PortMapping::builder()
                    .set_container_port(int_in(p, "container_port", "port_mappings", op)?)
                    .set_host_port(int_in(p, "host_port", "port_mappings", op)?)
                    .set_protocol(protocol.map(TransportProtocol::from))
                    .build(),
            );
        }
    }
    if let Some(Value::Map(l)) = c.get("log_configuration") {
        let driver = l.get("log_driver").and_then(Value::as_str).unwrap_or("");
        let mut b = LogConfiguration::builder().log_driver(LogDriver::from(driver));
        for (k, v) in strings(l.get("options")) {
            b = b.options(k, v);
        }
        d = d
            .log_configuration(b.build().map_err(|e| {
                ProviderError::invalid(op, format!("`{B}.log_configuration`: {e}"))
            })?);
    }
    if let Some(Value::Map(h)) = c.get("health_check") {
        let command = match h.get("command") {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let check = HealthCheck::builder()
            .set_command(Some(command))
            .set_interval(int_in(h, "interval", "health_check", op)?)
            .set_timeout(int_in(h, "timeout", "health_check", op)?)
            .set_retries(int_in(h, "retries", "health_check", op)?)
            .set_start_period(int_in(h, "start_period", "health_check", op)?)
            .build()
            .map_err(|e| ProviderError::invalid(op, format!("`{B}.health_check`: {e}")))?;
        d = d.health_check(check);
    }
    Ok(d.build())
}

/// A container definition as the `container_definitions` table.
fn container_value(c: &ContainerDefinition) -> Value {
    let mut m = Attrs::new();
    put_str(&mut m, "name", c.name());
    put_str(&mut m, "image", c.image());
    put_int(&mut m, "cpu", Some(i64::from(c.cpu())));
    put_int(&mut m, "memory", c.memory().map(i64::from));
    put_int(
        &mut m,
        "memory_reservation",
        c.memory_reservation().map(i64::from),
    );
    if let Some(e) = c.essential() {
        m.insert("essential".into(), Value::Bool(e));
    }
    if !c.command().is_empty() {
        put_str_list(&mut m, "command", c.command().to_vec(), false);
    }
    if !c.entry_point().is_empty() {
        put_str_list(&mut m, "entry_point", c.entry_point().to_vec(), false);
    }
    let env: BTreeMap<String, Value> = c
        .environment()
        .iter()
        .filter_map(|kv| Some((kv.name()?.to_string(), Value::str(kv.value().unwrap_or("")))))
        .collect();
    if !env.is_empty() {
        m.insert("environment".into(), Value::Map(env));
    }
    let secrets: BTreeMap<String, Value> = c
        .secrets()
        .iter()
        .map(|s| (s.name().to_string(), Value::str(s.value_from())))
        .collect();
    if !secrets.is_empty() {
        m.insert("secrets".into(), Value::Map(secrets));
    }
    if !c.port_mappings().is_empty() {
        let ports = c
            .port_mappings()
            .iter()
            .map(|p| {
                let mut pm = Attrs::new();
                put_int(&mut pm, "container_port", p.container_port().map(i64::from));
                put_int(&mut pm, "host_port", p.host_port().map(i64::from));
                put_str(&mut pm, "protocol", p.protocol().map(|p| p.as_str()));
                Value::Map(pm)
            })
            .collect();
        m.insert("port_mappings".into(), Value::List(ports));
    }
    if let Some(l) = c.log_configuration() {
        let mut lm = Attrs::new();
        put_str(&mut lm, "log_driver", Some(l.log_driver().as_str()));
        if let Some(opts) = l.options() {
            let opts: BTreeMap<String, Value> = opts
                .iter()
                .map(|(k, v)| (k.clone(), Value::str(v)))
                .collect();
            lm.insert("options".into(), Value::Map(opts));
        }
        m.insert("log_configuration".into(), Value::Map(lm));
    }
    if let Some(h) = c.health_check() {
        let mut hm = Attrs::new();
        put_str_list(&mut hm, "command", h.command().to_vec(), false);
        put_int(&mut hm, "interval", h.interval().map(i64::from));
        put_int(&mut hm, "timeout", h.timeout().map(i64::from));
        put_int(&mut hm, "retries", h.retries().map(i64::from));
        put_int(&mut hm, "start_period", h.start_period().map(i64::from));
        m.insert("health_check".into(), Value::Map(hm));
    }
    Value::Map(m)
}

/// A revision as the provider reports it.
fn live_of(td: &TaskDefinition, tags: &[aws_sdk_ecs::types::Tag]) -> Option<LiveResource> {
    let arn = td.task_definition_arn()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "arn", Some(arn));
    put_str(&mut attrs, "family", td.family());
    put_int(&mut attrs, "revision", Some(i64::from(td.revision())));
    put_str(&mut attrs, "cpu", td.cpu());
    put_str(&mut attrs, "memory", td.memory());
    put_str(
        &mut attrs,
        "network_mode",
        td.network_mode().map(|m| m.as_str()),
    );
    put_str_list(
        &mut attrs,
        "requires_compatibilities",
        td.requires_compatibilities()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        true,
    );
    put_str(&mut attrs, "execution_role_arn", td.execution_role_arn());
    put_str(&mut attrs, "task_role_arn", td.task_role_arn());
    if let Some(p) = td.runtime_platform() {
        let mut pm = Attrs::new();
        put_str(
            &mut pm,
            "operating_system_family",
            p.operating_system_family().map(|o| o.as_str()),
        );
        put_str(
            &mut pm,
            "cpu_architecture",
            p.cpu_architecture().map(|c| c.as_str()),
        );
        attrs.insert("runtime_platform".into(), Value::Map(pm));
    }
    attrs.insert(
        "container_definitions".into(),
        Value::List(
            td.container_definitions()
                .iter()
                .map(container_value)
                .collect(),
        ),
    );
    Some(LiveResource {
        id: arn.to_string(),
        attrs,
        tags: tag_map(tags),
    })
}
