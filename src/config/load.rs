//! Loading a deployment: find the files, parse them, merge the tier over the stack, check.

use super::diagnostic::{codes, did_you_mean, ConfigError, ConfigErrors};
use super::given::{self, OutsideVars};
use super::locate;
use super::model::{Deployment, StackInfo, TierInfo};
use super::node;
use super::raw::{self, RawStack, RawTier, Walker};
use super::resolve::{self, Context, DEFAULT_TIER_NAME};
use super::source::{FileId, Origin, Sources};
use super::template::TemplateFiles;
use crate::provider::Registry;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the command line chose.
#[derive(Debug, Clone, Default)]
pub struct LoadRequest {
    /// `--tier NAME|PATH`.
    pub tier: Option<String>,
    /// `--stack NAME|PATH` (used alone, without a tier).
    pub stack: Option<String>,
    /// `--name NAME`; default `<stack>-<tier>` (or `<stack>` without a tier).
    pub name: Option<String>,
    /// Where `stacks/` and `tiers/` are looked up by name.
    pub project_dir: PathBuf,
    /// Read the files from this recorded configuration (path as once opened → text) instead
    /// of the disk: how `strata rollback` loads a configuration applied earlier.
    pub snapshot: Option<BTreeMap<PathBuf, String>>,
    /// Variable values given by `--var`, `--var-file` and `STRATA_VAR_*`.
    pub outside: OutsideVars,
    /// SSM SecureString parameters fetched for `{ ssm = "/path" }` variables, by name.
    pub ssm_values: BTreeMap<String, String>,
}

impl LoadRequest {
    /// The text of an input file, from the snapshot when there is one.
    fn read(&self, path: &Path) -> std::io::Result<String> {
        match &self.snapshot {
            Some(files) => files.get(path).cloned().ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "not part of the recorded configuration",
                )
            }),
            None => super::limits::read_bounded(path, super::limits::MAX_FILE_BYTES),
        }
    }

    /// Whether an input file exists (in the snapshot when there is one).
    fn exists(&self, path: &Path) -> bool {
        match &self.snapshot {
            Some(files) => files.contains_key(path),
            None => path.is_file(),
        }
    }
}

/// Load and check a deployment. Every problem found is reported, each with its location.
pub fn load(req: &LoadRequest, registry: &Registry) -> Result<Deployment, ConfigErrors> {
    let mut sources = Sources::default();
    let mut errors = Vec::new();
    let result = load_inner(req, registry, &mut sources, &mut errors);
    match result {
        Some(d) if errors.is_empty() => Ok(d),
        _ => Err(ConfigErrors {
            errors: errors
                .into_iter()
                .map(|e| e.with_sources(&sources))
                .collect(),
        }),
    }
}

fn load_inner(
    req: &LoadRequest,
    registry: &Registry,
    sources: &mut Sources,
    errors: &mut Vec<ConfigError>,
) -> Option<Deployment> {
    let (tier, stack_path) = match (&req.tier, &req.stack) {
        (Some(tier_arg), _) => {
            let path = locate::tier_path(&req.project_dir, tier_arg);
            let file = read_file(
                req,
                &path,
                "tier",
                &req.project_dir.join("tiers"),
                sources,
                errors,
            )?;
            let root = parse(file, sources, errors)?;
            let tier = raw::read_tier(&root, &mut Walker { file, errors });
            let stack_field = tier.stack.clone()?;
            let candidates = locate::stack_candidates(&req.project_dir, &path, &stack_field.value);
            let Some(found) = candidates.iter().find(|p| req.exists(p)).cloned() else {
                errors.push(unknown_stack(
                    &stack_field.value,
                    stack_field.origin.clone(),
                    &candidates,
                ));
                return None;
            };
            (Some((tier, path)), found)
        }
        (None, Some(stack_arg)) => (None, locate::stack_path(&req.project_dir, stack_arg)),
        (None, None) => {
            errors.push(
                ConfigError::new(codes::FILE_UNREADABLE, "no deployment chosen").help(
                    "pass `--tier NAME` (tiers/NAME.toml) or `--stack NAME` (stacks/NAME.toml)",
                ),
            );
            return None;
        }
    };
    let stack_file = read_file(
        req,
        &stack_path,
        "stack",
        &req.project_dir.join("stacks"),
        sources,
        errors,
    )?;
    let stack_root = parse(stack_file, sources, errors)?;
    let stack = raw::read_stack(
        &stack_root,
        &mut Walker {
            file: stack_file,
            errors,
        },
    );
    if !errors.is_empty() {
        return None;
    }
    build(req, registry, sources, errors, stack, stack_path, tier)
}

fn build(
    req: &LoadRequest,
    registry: &Registry,
    sources: &mut Sources,
    errors: &mut Vec<ConfigError>,
    stack: RawStack,
    stack_path: PathBuf,
    tier: Option<(RawTier, PathBuf)>,
) -> Option<Deployment> {
    let stack_name = stack.name.clone()?.value;
    let tier_name = tier
        .as_ref()
        .and_then(|(t, _)| t.name.as_ref())
        .map(|f| f.value.clone());
    let name = match &req.name {
        Some(n) => {
            if !valid_deployment_name(n) {
                errors.push(
                    ConfigError::new(codes::INVALID_VALUE, format!("`{n}` is not a valid deployment name"))
                        .help("use lowercase letters, digits and `-`, starting with a letter (it becomes a tag value and a file name)"),
                );
                return None;
            }
            n.clone()
        }
        None => match &tier_name {
            Some(t) => format!("{stack_name}-{t}"),
            None => stack_name.clone(),
        },
    };
    let region = tier
        .as_ref()
        .and_then(|(t, _)| t.region.as_ref())
        .or(stack.region.as_ref())
        .map(|f| f.value.clone());
    let ctx = Context {
        deployment: name.clone(),
        stack: stack_name.clone(),
        tier: tier_name
            .clone()
            .unwrap_or_else(|| DEFAULT_TIER_NAME.to_string()),
        region: region.clone(),
    };
    let mut templates = TemplateReader {
        req,
        sources,
        dir: stack_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    let given = given::collect(&req.outside, &stack, templates.sources, errors);
    let outside = resolve::Outside {
        values: &given,
        ssm_values: &req.ssm_values,
    };
    let mut resolved = resolve::resolve(
        &stack,
        tier.as_ref().map(|(t, _)| t),
        &outside,
        &ctx,
        registry,
        &mut templates,
        errors,
    );
    super::budget_alerts::add(
        resolved.budget.as_ref(),
        &name,
        &mut resolved.resources,
        errors,
    );
    if !errors.is_empty() {
        return None;
    }
    let scope = resolve::StaticScope {
        vars: &resolved.vars,
        ctx: &ctx,
    };
    errors.extend(super::attr_sizes::check(
        &resolved.resources,
        registry,
        &scope,
    ));
    errors.extend(super::cycles::check(&resolved.resources));
    if !errors.is_empty() {
        return None;
    }
    Some(Deployment {
        name,
        stack: StackInfo {
            name: stack_name,
            description: stack.description.clone(),
            path: stack_path,
        },
        tier: tier.map(|(t, path)| TierInfo {
            name: tier_name.unwrap_or_default(),
            description: t.description,
            path,
        }),
        region,
        vars: resolved.vars,
        tags: resolved.tags,
        budget: resolved.budget,
        usage: resolved.usage,
        resources: resolved.resources,
        disabled: resolved.disabled,
        outputs: resolved.outputs,
        health: resolved.health,
        sources: std::mem::take(sources),
        ssm_needed: resolved.ssm_needed,
        sensitive_literals: resolved.sensitive_literals,
    })
}

/// Reads `template("...")` files beside the stack, through the request (so a rollback reads
/// them from its snapshot) and into the sources (so saved plans and snapshots include them).
struct TemplateReader<'a> {
    req: &'a LoadRequest,
    sources: &'a mut Sources,
    dir: PathBuf,
}

impl TemplateFiles for TemplateReader<'_> {
    fn open(&mut self, path: &str, origin: &Origin) -> Result<(FileId, String), ConfigError> {
        let full = locate::normalize(&self.dir.join(path));
        self.confined(path, &full, origin)?;
        if let Some((id, f)) = self.sources.iter().find(|(_, f)| f.path == full) {
            return Ok((id, f.text.clone()));
        }
        match self.req.read(&full) {
            Ok(text) => Ok((self.sources.add(&full, text.clone()), text)),
            Err(e) => Err(ConfigError::new(
                codes::FILE_UNREADABLE,
                format!("cannot read template file {}: {e}", full.display()),
            )
            .label(origin.clone(), "named here")
            .help("the path is relative to the folder of the stack file")),
        }
    }
}

/// The largest template file read: user data is far smaller (EC2 takes 16 KiB), and a bound
/// keeps `/dev/zero`-like inputs from filling memory.
const MAX_TEMPLATE_BYTES: u64 = 256 * 1024;

impl TemplateReader<'_> {
    /// A template is a regular file inside the stack's own folder, also once symlinks are
    /// resolved, and of bounded size: a plan shows what it renders, in a pull request too, so
    /// `template("../../etc/passwd")` must not read anything outside the project.
    fn confined(&self, path: &str, full: &Path, origin: &Origin) -> Result<(), ConfigError> {
        let refuse = |why: String| {
            ConfigError::new(codes::TEMPLATE_PATH, why)
                .label(origin.clone(), "named here")
                .help("keep templates inside the stack's folder (paths relative to the stack file, without `..`), as regular files under 256 KiB")
        };
        let dir = locate::normalize(&self.dir);
        if Path::new(path).is_absolute() || !full.starts_with(&dir) {
            return Err(refuse(format!(
                "template `{path}` is outside the stack's folder {}",
                dir.display()
            )));
        }
        // A recorded configuration (rollback) is read from its snapshot, not the disk.
        if self.req.snapshot.is_some() {
            return Ok(());
        }
        let (Ok(real), Ok(real_dir)) = (std::fs::canonicalize(full), std::fs::canonicalize(&dir))
        else {
            // Missing: the read below says so.
            return Ok(());
        };
        if !real.starts_with(&real_dir) {
            return Err(refuse(format!(
                "template `{path}` leads outside the stack's folder (to {})",
                real.display()
            )));
        }
        match std::fs::metadata(&real) {
            Ok(m) if !m.is_file() => {
                Err(refuse(format!("template `{path}` is not a regular file")))
            }
            Ok(m) if m.len() > MAX_TEMPLATE_BYTES => Err(refuse(format!(
                "template `{path}` is {} bytes, more than the {MAX_TEMPLATE_BYTES} allowed",
                m.len()
            ))),
            _ => Ok(()),
        }
    }
}

/// Deployment names become tag values and file names: keep them plain.
pub fn valid_deployment_name(name: &str) -> bool {
    name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn read_file(
    req: &LoadRequest,
    path: &Path,
    what: &str,
    folder: &Path,
    sources: &mut Sources,
    errors: &mut Vec<ConfigError>,
) -> Option<FileId> {
    match req.read(path) {
        Ok(text) => Some(sources.add(path, text)),
        Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
            errors.push(
                ConfigError::new(
                    codes::TOO_LARGE,
                    format!("{what} file {} is {e}", path.display()),
                )
                .help("stack and tier files may be at most 1 MiB: move long scripts into `template()` files"),
            );
            None
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            errors.push(
                ConfigError::new(
                    codes::FILE_UNREADABLE,
                    format!("cannot read {what} file {}: {e}", path.display()),
                )
                .help("stack and tier files are TOML, which is UTF-8 text: save the file as UTF-8"),
            );
            None
        }
        Err(e) => {
            let available = locate::names_in(folder);
            let wanted = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let help = match did_you_mean(&wanted, available.iter().map(String::as_str)) {
                Some(s) => format!(
                    "did you mean `{s}`? ({} has: {})",
                    folder.display(),
                    available.join(", ")
                ),
                None if available.is_empty() => {
                    format!("no {what} files found in {}", folder.display())
                }
                None => format!(
                    "available {what}s in {}: {}",
                    folder.display(),
                    available.join(", ")
                ),
            };
            errors.push(
                ConfigError::new(
                    codes::FILE_UNREADABLE,
                    format!("cannot read {what} file {}: {e}", path.display()),
                )
                .help(help),
            );
            None
        }
    }
}

fn parse(
    file: FileId,
    sources: &Sources,
    errors: &mut Vec<ConfigError>,
) -> Option<super::node::Node> {
    match node::parse(&sources.get(file).text, file) {
        Ok(n) => Some(n),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

fn unknown_stack(name: &str, origin: Origin, candidates: &[PathBuf]) -> ConfigError {
    let folder = candidates
        .first()
        .and_then(|p| p.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let available = locate::names_in(&folder);
    let looked = candidates
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let err = ConfigError::new(
        codes::UNKNOWN_STACK,
        format!("the tier names stack `{name}`, which cannot be found"),
    )
    .label(origin, format!("looked for {looked}"));
    match did_you_mean(name, available.iter().map(String::as_str)) {
        Some(s) => err.help(format!("did you mean `{s}`?")),
        None if available.is_empty() => err
            .help("write the stack's name (stacks/NAME.toml) or a path relative to this tier file"),
        None => err.help(format!("available stacks: {}", available.join(", "))),
    }
}

/// The deployment name a request resolves to, reading only the `[tier]` and `[stack]` headers,
/// so that state can be inspected even while resources in the configuration are broken.
pub fn deployment_name(req: &LoadRequest) -> Result<String, ConfigErrors> {
    if let Some(name) = &req.name {
        return Ok(name.clone());
    }
    let mut sources = Sources::default();
    let mut errors = Vec::new();
    let name = header_name(req, &mut sources, &mut errors);
    match name {
        Some(n) => Ok(n),
        None => {
            if errors.is_empty() {
                errors.push(
                    ConfigError::new(codes::MISSING_KEY, "cannot tell the deployment name")
                        .help("pass `--name NAME`"),
                );
            }
            Err(ConfigErrors {
                errors: errors
                    .into_iter()
                    .map(|e| e.with_sources(&sources))
                    .collect(),
            })
        }
    }
}

fn header_name(
    req: &LoadRequest,
    sources: &mut Sources,
    errors: &mut Vec<ConfigError>,
) -> Option<String> {
    // Diagnostics about resources are irrelevant here; only header errors are reported.
    let mut ignored = Vec::new();
    let (tier_name, stack_path) = match (&req.tier, &req.stack) {
        (Some(t), _) => {
            let path = locate::tier_path(&req.project_dir, t);
            let file = read_file(
                req,
                &path,
                "tier",
                &req.project_dir.join("tiers"),
                sources,
                errors,
            )?;
            let root = parse(file, sources, errors)?;
            let tier = raw::read_tier(
                &root,
                &mut Walker {
                    file,
                    errors: &mut ignored,
                },
            );
            let stack = tier.stack?;
            let candidates = locate::stack_candidates(&req.project_dir, &path, &stack.value);
            let Some(found) = candidates.iter().find(|p| req.exists(p)).cloned() else {
                errors.push(unknown_stack(&stack.value, stack.origin, &candidates));
                return None;
            };
            (Some(tier.name?.value), found)
        }
        (None, Some(s)) => (None, locate::stack_path(&req.project_dir, s)),
        (None, None) => {
            errors.push(
                ConfigError::new(codes::FILE_UNREADABLE, "no deployment chosen")
                    .help("pass `--tier NAME`, `--stack NAME` or `--name NAME`"),
            );
            return None;
        }
    };
    let file = read_file(
        req,
        &stack_path,
        "stack",
        &req.project_dir.join("stacks"),
        sources,
        errors,
    )?;
    let root = parse(file, sources, errors)?;
    let stack = raw::read_stack(
        &root,
        &mut Walker {
            file,
            errors: &mut ignored,
        },
    );
    let stack_name = stack.name?.value;
    Some(match tier_name {
        Some(t) => format!("{stack_name}-{t}"),
        None => stack_name,
    })
}
