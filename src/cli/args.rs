//! Command-line arguments (clap derive). The spellings here are a contract: scripts and other
//! issues rely on them.

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

const AFTER_HELP: &str = "\
Exit codes:
  0   success (with --detailed-exitcode: no changes)
  1   error (diagnostics printed); for health: a service is not healthy
  2   with --detailed-exitcode: success, and the plan has changes
  3   the saved plan is stale (show-plan --check, apply --plan)
  4   apply/destroy needs confirmation: not on a terminal and no --yes
  5   apply refused: the planned monthly cost is over the [budget] (--accept-over-budget)
  64  bad command line
  130 interrupted (Ctrl-C); run the command again to finish

Environment:
  NO_COLOR            disables colour, whatever --color says
  STRATA_PROJECT_DIR  default for --project-dir
  STRATA_STATE_DIR    default for --state-dir";

/// strata: declarative plan/apply for AWS, from TOML stacks and tiers.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about, long_about = None, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More detail (-v, -vv).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Print errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Colour: auto (only on a terminal), always, never. NO_COLOR always wins.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Output format: text, markdown (plan and show-plan only) or json.
    #[arg(long, short = 'o', value_enum, global = true)]
    pub output: Option<OutputFormat>,
    /// Folder holding stacks/, tiers/ and state/.
    #[arg(long, global = true, env = "STRATA_PROJECT_DIR", default_value = ".")]
    pub project_dir: PathBuf,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour only when printing to a terminal.
    Auto,
    /// Always colour (unless NO_COLOR is set).
    Always,
    /// Never colour.
    Never,
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Text,
    /// Markdown for pull-request comments.
    Markdown,
    /// JSON for tools.
    Json,
}

/// Which deployment a command is about.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Tier: a name (tiers/NAME.toml) or a path to a tier file. Its `stack` key picks the stack.
    #[arg(long, short = 't', conflicts_with = "stack", global = true)]
    pub tier: Option<String>,
    /// Stack used alone, without a tier: a name (stacks/NAME.toml) or a path.
    #[arg(long, short = 's', global = true)]
    pub stack: Option<String>,
    /// Deployment name; it tags every resource [default: <stack>-<tier>].
    #[arg(long, global = true)]
    pub name: Option<String>,
    /// Set a variable the stack declares: `--var NAME=VALUE`, repeatable. Wins over
    /// `--var-file`, `STRATA_VAR_<NAME>`, the tier and the stack's default. A value for a
    /// non-string variable is read as TOML (`--var count=3`, `--var 'zones=["a","b"]'`).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var, global = true)]
    pub vars: Vec<(String, String)>,
    /// Read variables from a TOML file of `NAME = value` lines, repeatable (a later file wins).
    /// Like `--var`, its values are kept in the state's history by digest only.
    #[arg(long = "var-file", value_name = "FILE", global = true)]
    pub var_files: Vec<PathBuf>,
}

/// `NAME=VALUE` of `--var`.
fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, got `{s}`")),
    }
}

/// Where state lives and how to wait for its lock.
#[derive(Debug, Clone, Args)]
pub struct StateArgs {
    /// State folder [default: <project-dir>/state].
    #[arg(long, env = "STRATA_STATE_DIR", global = true)]
    pub state_dir: Option<PathBuf>,
    /// How long to wait for another strata holding the state lock (e.g. 30s, 2m). Only
    /// commands that write the state take the lock: apply, destroy, rollback, refresh and
    /// `state restore`; elsewhere the flag has no effect.
    #[arg(long, default_value = "0s", value_parser = parse_duration, global = true)]
    pub lock_timeout: Duration,
}

/// How to reach AWS.
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// AWS profile from the shared config files [default: AWS_PROFILE, else `default`].
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// AWS region [default: the tier's or stack's `region`, else AWS_REGION or the profile's].
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// How many resource kinds to read from AWS at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64), global = true)]
    pub read_concurrency: u16,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check stack and tier files; exit 0 when valid, 1 with diagnostics.
    Validate(ValidateArgs),
    /// Print the resource dependency graph (Mermaid for Markdown and pull requests, or DOT).
    Graph(GraphArgs),
    /// Show what apply would change: configuration vs recorded state.
    Plan(PlanArgs),
    /// Render a plan saved with `strata plan --out FILE`.
    ShowPlan(ShowPlanArgs),
    /// Read the live account and write what it says into the recorded state.
    Refresh(RefreshArgs),
    /// Make the account match the configuration: plan, confirm, then create, update and delete.
    Apply(ApplyArgs),
    /// Delete everything strata created for a deployment (reused resources are kept).
    Destroy(DestroyArgs),
    /// Return the deployment to the configuration applied before, as recorded in its state.
    ///
    /// After a failed or interrupted run: the last configuration applied successfully. After a
    /// successful run: the last successful one that differs from it. `--to N` picks another
    /// (see `--list`). Works from state alone, even while the files on disk are broken.
    Rollback(RollbackArgs),
    /// Inspect and repair recorded state.
    State(StateCommandArgs),
    /// List every deployment in the state folder with its status, region, age and cost.
    List(ListArgs),
    /// Show one deployment: status, resources, outputs, endpoints, SSH command, recent runs.
    Show(ShowArgs),
    /// Print the JSON Schema of stack or tier files (for editor completion), or the Markdown
    /// reference of every resource kind.
    Schema(SchemaArgs),
    /// Check each service's `[health.*]` endpoint; exit 0 when all pass, 1 otherwise.
    Health(HealthArgs),
    /// Estimate what a deployment costs a month (from the price catalog compiled in), compare
    /// tiers, analyse spot prices, read what it actually cost, or rebuild the catalog.
    Cost(CostArgs),
}

/// `strata validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `strata graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Graph language.
    #[arg(long, short = 'f', value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

/// `strata graph --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
}

/// `strata plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location (plan only reads the state: it takes no lock).
    #[command(flatten)]
    pub state: StateDirArgs,
    /// AWS connection.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Read the live account before planning: batched, one call per resource kind and page
    /// (`--refresh=false` plans from recorded state only, without AWS calls).
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    pub refresh: bool,
    /// Show only what changed outside strata (drift); plan no configuration changes.
    #[arg(long, conflicts_with = "out")]
    pub refresh_only: bool,
    /// Print the AWS calls made, per operation (always included in `--output json`).
    #[arg(long)]
    pub stats: bool,
    /// Save the plan to FILE for `strata show-plan` (and, later, `strata apply --plan`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

/// `--on-failure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnFailureArg {
    /// On a first deployment, delete everything this run created.
    Rollback,
    /// Leave the partial deployment in place; state records exactly what exists.
    Keep,
}

/// `strata apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location and locking.
    #[command(flatten)]
    pub state: StateArgs,
    /// AWS connection.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Apply without asking (needed when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Apply even when the plan ends over the `[budget]` and raises the cost (without it, such
    /// an apply stops before any change: exit 5, or a question on a terminal).
    #[arg(long)]
    pub accept_over_budget: bool,
    /// Apply a plan saved with `strata plan --out FILE` (refused if it has gone stale).
    /// Not with `--adopt-foreign`: adopting changes the state the plan was made against.
    #[arg(long, value_name = "FILE", conflicts_with = "adopt_foreign")]
    pub plan: Option<PathBuf>,
    /// Parallelism, failure policy, retries.
    #[command(flatten)]
    pub run: RunArgs,
    /// After a successful apply, check every service's health endpoint (see `strata health`)
    /// until all pass or `--health-deadline` runs out; exit 1 if one stays unhealthy (nothing
    /// is rolled back).
    #[arg(long)]
    pub wait_healthy: bool,
    /// How long `--wait-healthy` waits in total: a new host needs minutes to pull images.
    #[arg(long, default_value = "15m", value_parser = parse_duration, value_name = "DURATION")]
    pub health_deadline: Duration,
}

/// How a run that changes the account behaves (`apply`, `rollback`).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Resources worked on at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
    /// What to do when a resource fails for good.
    #[arg(long, value_enum, default_value_t = OnFailureArg::Rollback)]
    pub on_failure: OnFailureArg,
    /// Attempts per AWS call for throttling, transient and eventual-consistency errors.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Resources tagged with this deployment's name but another state's lineage (or none,
    /// with an id this state does not record) stop the run before it changes anything. With
    /// this flag they are taken as this state's: each one whose `strata:address` is a managed
    /// resource of the configuration, not yet recorded, is recorded as imported and then
    /// converged (its tags, lineage included, become this state's); the rest are left alone.
    #[arg(long)]
    pub adopt_foreign: bool,
}

/// `strata rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location and locking.
    #[command(flatten)]
    pub state: StateArgs,
    /// AWS connection.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// List the configurations recorded in state (newest last) and change nothing.
    #[arg(long)]
    pub list: bool,
    /// Return to entry N of `--list` (1 = oldest) instead of the automatic choice.
    #[arg(long, value_name = "N")]
    pub to: Option<usize>,
    /// Roll back without asking (needed when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Parallelism, failure policy, retries.
    #[command(flatten)]
    pub run: RunArgs,
}

/// `strata destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location and locking.
    #[command(flatten)]
    pub state: StateArgs,
    /// AWS connection.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Destroy without asking for the deployment name (needed when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Also delete resources tagged with this deployment and this state's lineage that the
    /// state does not know.
    #[arg(long)]
    pub include_orphans: bool,
    /// Resources tagged with this deployment's name but another state's lineage (or none,
    /// with an id this state does not record) stop destroy before it deletes anything. With
    /// this flag they are taken as this state's orphans: listed, and deleted with
    /// `--include-orphans`.
    #[arg(long)]
    pub adopt_foreign: bool,
    /// Resources worked on at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallelism: u16,
}

/// `strata refresh`.
#[derive(Debug, Args)]
pub struct RefreshArgs {
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location and locking.
    #[command(flatten)]
    pub state: StateArgs,
    /// AWS connection.
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Print the AWS calls made, per operation.
    #[arg(long)]
    pub stats: bool,
}

/// `strata show-plan`.
#[derive(Debug, Args)]
pub struct ShowPlanArgs {
    /// The saved plan file.
    pub file: PathBuf,
    /// Exit 3 when the plan is stale (it is always checked; without --check a stale plan is
    /// shown with a warning).
    #[arg(long)]
    pub check: bool,
    /// The deployment the plan must be for (default: the one recorded in the plan); another
    /// one is an error.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location.
    #[command(flatten)]
    pub state: StateDirArgs,
}

/// `strata state`.
#[derive(Debug, Args)]
pub struct StateCommandArgs {
    /// The state subcommand.
    #[command(subcommand)]
    pub command: StateCommand,
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location and locking.
    #[command(flatten)]
    pub state: StateArgs,
}

/// `strata state ...`.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List recorded resources: address, kind, id, provenance.
    List,
    /// Show one recorded resource with its attributes (sensitive values stay hidden).
    Show {
        /// Resource address, e.g. vpc.main.
        address: String,
    },
    /// Print the whole state document as JSON, without its secret key (the key that digests of
    /// sensitive values are keyed with: with it, a weak secret could be guessed from them).
    Export {
        /// Include the state's secret key (for a full copy to restore elsewhere; keep it private).
        #[arg(long)]
        include_secret_key: bool,
    },
    /// Check the state's checksum, format version and lock, and warn about state files others
    /// than their owner may read (strata writes them 0600, folders 0700).
    Verify,
    /// List kept backups, newest first.
    Backups,
    /// Make a backup the current state (the current one is kept as a backup).
    Restore {
        /// Backup name, as listed by `strata state backups`.
        backup: String,
    },
    /// Remove a lock left by a strata process that no longer runs (refused while its holder
    /// still runs: the kernel holds its OS lock until it ends).
    Unlock,
    /// Remove one resource from the state without touching AWS: strata stops tracking it
    /// (never deletes it), and a configuration that still declares it plans to create it anew.
    Forget {
        /// Resource address, e.g. vpc.main.
        address: String,
    },
}

/// `strata health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location.
    #[command(flatten)]
    pub state: StateArgs,
    /// Timeouts and retries.
    #[command(flatten)]
    pub checks: HealthCheckArgs,
}

/// How hard health checks try (shared by `strata health` and `strata apply --wait-healthy`).
#[derive(Debug, Clone, Args)]
pub struct HealthCheckArgs {
    /// Time allowed for each request (e.g. 5s, 500ms; a bare number is seconds).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Attempts after the first for a service that is not healthy yet.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// Pause between attempts (e.g. 2s, 10s).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Stop every check after this long in total [default: when the retries are spent].
    #[arg(long, value_parser = parse_duration)]
    pub deadline: Option<Duration>,
    /// Services checked at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// Where state lives, for commands that only read it (no lock is taken).
#[derive(Debug, Clone, Args)]
pub struct StateDirArgs {
    /// State folder [default: <project-dir>/state].
    #[arg(long, env = "STRATA_STATE_DIR", global = true)]
    pub state_dir: Option<PathBuf>,
}

/// `strata list`.
#[derive(Debug, Args)]
#[command(after_help = "\
Statuses (the first rule that matches wins):
  deploying   a strata process holds the lock, or a killed run left journal intents
  unreadable  the state file is damaged or from a newer strata (see `strata state verify`)
  failed      the last run failed or was interrupted, or was rolled back leaving nothing
  running     resources are recorded and the last run succeeded
  destroyed   nothing is recorded: archived by `strata destroy`, or an empty state

Reads only the state folder: no AWS call, no stack or tier file needed.")]
pub struct ListArgs {
    /// Only deployments with this status; repeat for several (--status failed --status deploying).
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Vec<StatusArg>,
    /// Only deployments in this AWS region (as recorded in state, or named by its resources' ARNs).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Only deployments of this tier (the tier name recorded in state, e.g. dev).
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// Order of the rows; ties go by name.
    #[arg(long, value_enum, default_value_t = ListSort::Name)]
    pub sort: ListSort,
    /// State location.
    #[command(flatten)]
    pub state: StateDirArgs,
}

/// `strata list --status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    /// A run holds the lock, or a killed run left journal intents.
    Deploying,
    /// Resources are recorded and the last run succeeded.
    Running,
    /// The last run failed, was interrupted, or rolled back leaving nothing.
    Failed,
    /// Destroyed (archived) or empty.
    Destroyed,
    /// The state file cannot be read.
    Unreadable,
}

/// `strata list --sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListSort {
    /// By deployment name.
    Name,
    /// Oldest first (earliest known time); unknown last.
    Created,
    /// Most expensive first; unknown cost last.
    Cost,
}

/// `strata show`.
#[derive(Debug, Args)]
#[command(after_help = "\
Reads only the state folder and the [tier]/[stack] header of the configuration (nothing with
--name): no AWS call. Sensitive outputs stay hidden as state holds them.")]
pub struct ShowArgs {
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location.
    #[command(flatten)]
    pub state: StateDirArgs,
}

/// `strata cost`.
#[derive(Debug, Args)]
#[command(after_help = "\
Estimates come from the price catalog compiled into strata (`strata cost --catalog` prints its
source and date) and the tier's `[usage]` table for usage-based items; the defaults of every
usage key are in docs/resource-kinds.md. A month is 730 hours.

Examples:
  strata cost --tier gpu                 the gpu tier, by resource and by category
  strata cost --compare-tiers            every tier of the stack side by side
  strata cost --tier dev --spot          live spot prices across the region's zones
  strata cost --tier dev --actual        what the deployment cost, from Cost Explorer
  strata cost refresh-catalog --from DIR rebuild the catalog from AWS Price List files")]
pub struct CostArgs {
    /// A cost subcommand (without one: estimate the tier).
    #[command(subcommand)]
    pub command: Option<CostCommand>,
    /// Which deployment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// State location (read only: the estimate covers what the configuration declares).
    #[command(flatten)]
    pub state: StateDirArgs,
    /// AWS connection (only `--spot` and `--actual` call AWS).
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Every tier of the stack side by side (the stack from --stack, or the only one).
    #[arg(long, conflicts_with_all = ["actual", "spot"])]
    pub compare_tiers: bool,
    /// Read live spot prices (DescribeSpotPriceHistory) for spot hosts across the zones
    /// that offer their type, and show the cheapest zone and the saving against on-demand.
    #[arg(long)]
    pub spot: bool,
    /// With --spot: also compare these regions (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "REGION,...",
        requires = "spot"
    )]
    pub regions: Vec<String>,
    /// What the deployment actually cost, from Cost Explorer (GetCostAndUsage grouped by its
    /// `strata:deployment` tag).
    #[arg(long, conflicts_with = "spot")]
    pub actual: bool,
    /// With --actual: how many whole months back to read, the current one included.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=12), requires = "actual")]
    pub months: u16,
    /// Print the catalog's source, date and regions, and exit.
    #[arg(long, conflicts_with_all = ["compare_tiers", "spot", "actual"])]
    pub catalog: bool,
}

/// `strata cost <subcommand>`.
#[derive(Debug, Subcommand)]
pub enum CostCommand {
    /// Rebuild the price catalog from AWS Price List files: bulk offer files
    /// (offers/v1.0/aws/SERVICE/current/REGION/index.json) or saved GetProducts answers.
    RefreshCatalog(RefreshCatalogArgs),
}

/// `strata cost refresh-catalog`.
#[derive(Debug, Args)]
pub struct RefreshCatalogArgs {
    /// Folder of Price List files (`*.json`), read recursively.
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// Where to write the catalog [default: print it].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The date the files were taken (`YYYY-MM-DD`) [default: today].
    #[arg(long)]
    pub date: Option<String>,
}

/// `strata schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema: the JSON Schema of stack or tier files, or the kinds' Markdown reference.
    #[arg(value_enum)]
    pub kind: SchemaKind,
}

/// `strata schema stack|tier|kinds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// Stack files (stacks/*.toml).
    Stack,
    /// Tier files (tiers/*.toml).
    Tier,
    /// The Markdown reference of every resource kind (docs/resource-kinds.md).
    Kinds,
}

/// Parse `30s`, `2m`, `1h`, `500ms` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (try 30s, 2m or 1h)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "unknown unit `{unit}` in `{s}` (use ms, s, m or h)"
            ))
        }
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("`{s}` is not a duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn state_flags_go_before_or_after_the_subcommand() {
        for argv in [
            &[
                "strata",
                "state",
                "list",
                "--tier",
                "dev",
                "--state-dir",
                "x",
            ][..],
            &[
                "strata",
                "state",
                "--tier",
                "dev",
                "list",
                "--state-dir",
                "x",
            ][..],
            &[
                "strata",
                "state",
                "restore",
                "state.000001.json",
                "--name",
                "n",
            ][..],
        ] {
            let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            assert!(matches!(cli.command, Command::State(_)));
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3d").is_err());
    }

    #[test]
    fn refresh_flag_spellings() {
        let cli =
            Cli::try_parse_from(["strata", "plan", "--tier", "dev", "--refresh=false"]).unwrap();
        let Command::Plan(p) = cli.command else {
            panic!("plan")
        };
        assert!(!p.refresh);
        let cli = Cli::try_parse_from(["strata", "plan", "--tier", "dev"]).unwrap();
        let Command::Plan(p) = cli.command else {
            panic!("plan")
        };
        assert!(p.refresh);
    }
}
