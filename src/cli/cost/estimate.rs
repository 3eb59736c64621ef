//! `strata cost --tier T` (one deployment by resource and category), `--compare-tiers` (every
//! tier of a stack side by side) and `--catalog` (where the prices come from).

use crate::cli::args::{CostArgs, TargetArgs};
use crate::cli::diagnostics::pretty;
use crate::cli::exit::ExitStatus;
use crate::cli::table::Table;
use crate::cli::ui::Ui;
use crate::cli::{inventory, target};
use crate::config::Deployment;
use crate::cost::estimate::{Estimate, Totals};
use crate::cost::plan::{plan_cost, PlanCost};
use crate::cost::Catalog;
use crate::plan::diff;
use crate::plan::render::cost::{sentences, usd};
use crate::provider::{CostCategory, Registry, HOURS_PER_MONTH};
use serde_json::json;

/// Run `strata cost --tier T`.
pub fn run(ui: &Ui, args: &CostArgs) -> ExitStatus {
    let registry = crate::aws::registry();
    let deployment = match target::load(ui, &args.target, &registry) {
        Ok(d) => d,
        Err(status) => return status,
    };
    let backend = inventory::backend(ui, &args.state);
    let state = match backend.load(&deployment.name) {
        Ok(s) => s,
        Err(e) => return target::fail(ui, &e),
    };
    let cost = match priced(ui, &deployment, state.as_ref(), &registry, args) {
        Ok(c) => c,
        Err(status) => return status,
    };
    if ui.json() {
        ui.print(&pretty(&json!({
            "deployment": deployment.name,
            "stack": deployment.stack.name,
            "tier": deployment.tier.as_ref().map(|t| &t.name),
            "hours_per_month": HOURS_PER_MONTH,
            "cost": cost,
            "by_category": by_category_json(&cost),
            "catalog": { "source": Catalog::shipped().source, "date": Catalog::shipped().date },
        })));
        return ExitStatus::Ok;
    }
    ui.print(&report(&deployment, &cost));
    ExitStatus::Ok
}

/// The plan of `deployment` against `state`, offline, priced.
fn priced(
    ui: &Ui,
    deployment: &Deployment,
    state: Option<&crate::state::State>,
    registry: &Registry,
    args: &CostArgs,
) -> Result<PlanCost, ExitStatus> {
    let plan = diff::plan(deployment, state, registry, false).map_err(|e| target::fail(ui, &e))?;
    let region = super::region(&args.aws, deployment);
    Ok(plan_cost(&plan, deployment, registry, region.as_deref()))
}

fn by_category_json(cost: &PlanCost) -> serde_json::Value {
    cost.by_category()
        .into_iter()
        .map(|(c, t)| (c.name().to_string(), json!(t)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The text report of one deployment's estimate.
fn report(deployment: &Deployment, cost: &PlanCost) -> String {
    let mut out = format!(
        "Deployment {}: stack {}{}\n",
        deployment.name,
        deployment.stack.name,
        deployment
            .tier
            .as_ref()
            .map_or(String::new(), |t| format!(", tier {}", t.name))
    );
    let Some(est) = &cost.estimate else {
        out.push_str(&sentences(cost, None).join("\n"));
        out.push('\n');
        return out;
    };
    out.push_str(&format!(
        "{} prices of {}; a month is {HOURS_PER_MONTH} hours.\n\n",
        est.region, est.catalog_date
    ));
    out.push_str(&lines_table(est));
    out.push('\n');
    out.push_str(&category_table(est));
    out.push('\n');
    let tier = deployment.tier.as_ref().map(|t| t.name.as_str());
    for s in sentences(cost, tier).iter().skip(1) {
        if !s.contains("usage quantit") {
            out.push_str(s);
            out.push('\n');
        }
    }
    if !est.assumptions.is_empty() {
        out.push_str("\nAssumed (set in the tier's [usage] table):\n");
        let mut t = Table::new(&["RESOURCE", "KEY", "QUANTITY", "FROM"]);
        for a in &est.assumptions {
            t.row(vec![
                a.address.clone(),
                a.key.clone(),
                format!("{} {}", number(a.quantity), a.unit),
                if a.default { "default" } else { "[usage]" }.to_string(),
            ]);
        }
        out.push_str(&t.render("  ", |_, c| c.to_string()));
    }
    out
}

fn lines_table(est: &Estimate) -> String {
    let spot = est.has_spot();
    let mut headers = vec!["RESOURCE", "ITEM", "QUANTITY", "PRICE", "ON-DEMAND/MO"];
    if spot {
        headers.push("SPOT/MO");
    }
    let mut t = Table::new(&headers);
    for l in &est.lines {
        let mut row = vec![
            l.address.clone(),
            l.what.clone(),
            format!("{} {}", number(l.quantity), l.unit),
            format!("${}/{}", number(l.unit_usd), l.unit),
            usd(l.on_demand_usd),
        ];
        if spot {
            row.push(l.spot_usd.map_or(String::new(), usd));
        }
        t.row(row);
    }
    for u in &est.unpriced {
        t.row(vec![
            u.address.clone(),
            u.what.clone(),
            String::new(),
            format!("not in the catalog ({})", u.price_key),
            usd(0.0),
        ]);
    }
    t.render("", |_, c| c.to_string())
}

fn category_table(est: &Estimate) -> String {
    let mut t = Table::new(&["CATEGORY", "EXPECTED/MO", "AT MOST/MO", "ON-DEMAND/MO"]);
    let row = |name: &str, x: &Totals| {
        vec![
            name.to_string(),
            usd(x.expected_usd),
            usd(x.ceiling_usd),
            usd(x.on_demand_usd),
        ]
    };
    for (c, x) in est.by_category() {
        t.row(row(c.name(), &x));
    }
    let total = est.totals();
    t.row(row("total", &total));
    let hourly = total.hourly();
    t.row(vec![
        "per hour".into(),
        format!("${:.4}", hourly.expected_usd),
        format!("${:.4}", hourly.ceiling_usd),
        format!("${:.4}", hourly.on_demand_usd),
    ]);
    t.render("", |_, c| c.to_string())
}

/// A quantity or unit price without trailing zeros: `730`, `0.0832`, `1.5`.
fn number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Run `strata cost --compare-tiers`.
pub fn compare_tiers(ui: &Ui, args: &CostArgs) -> ExitStatus {
    let registry = crate::aws::registry();
    let wanted_stack = match (&args.target.stack, &args.target.tier) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(_)) => match target::load(ui, &args.target, &registry) {
            Ok(d) => Some(d.stack.name),
            Err(status) => return status,
        },
        (None, None) => None,
    };
    let tiers_dir = ui.project_dir.join("tiers");
    let names = crate::config::locate::names_in(&tiers_dir);
    let mut loaded: Vec<(Deployment, PlanCost)> = Vec::new();
    for name in names {
        let tier_args = TargetArgs {
            tier: Some(name.clone()),
            stack: None,
            ..args.target.clone()
        };
        let deployment = match target::load(ui, &tier_args, &registry) {
            Ok(d) => d,
            Err(status) => return status,
        };
        if wanted_stack.as_ref().is_some_and(|s| {
            *s != deployment.stack.name && !s.ends_with(&format!("{}.toml", deployment.stack.name))
        }) {
            continue;
        }
        // A new deployment of each tier: what it would cost, not what one has recorded.
        let cost = match priced(ui, &deployment, None, &registry, args) {
            Ok(c) => c,
            Err(status) => return status,
        };
        loaded.push((deployment, cost));
    }
    if loaded.is_empty() {
        ui.note(&format!(
            "No tier in {} uses {}.",
            tiers_dir.display(),
            wanted_stack.as_deref().unwrap_or("any stack")
        ));
        return ExitStatus::Error;
    }
    if ui.json() {
        let tiers: Vec<_> = loaded
            .iter()
            .map(|(d, c)| {
                json!({
                    "tier": d.tier.as_ref().map(|t| &t.name),
                    "stack": d.stack.name,
                    "deployment": d.name,
                    "region": c.region,
                    "unavailable": c.unavailable,
                    "monthly": c.after,
                    "by_category": by_category_json(c),
                    "budget_usd": d.budget.as_ref().map(|b| b.monthly_usd),
                    "within_budget": c.budget.map(|b| b.planned_usd <= b.monthly_usd),
                })
            })
            .collect();
        ui.print(&pretty(
            &json!({ "hours_per_month": HOURS_PER_MONTH, "tiers": tiers }),
        ));
        return ExitStatus::Ok;
    }
    let mut stacks: Vec<&str> = loaded.iter().map(|(d, _)| d.stack.name.as_str()).collect();
    stacks.dedup();
    let mut out = String::new();
    for stack in stacks {
        let group: Vec<&(Deployment, PlanCost)> = loaded
            .iter()
            .filter(|(d, _)| d.stack.name == stack)
            .collect();
        let tier_names: Vec<String> = group
            .iter()
            .map(|(d, _)| d.tier.as_ref().map_or(d.name.clone(), |t| t.name.clone()))
            .collect();
        let mut headers = vec!["MONTHLY".to_string()];
        headers.extend(tier_names);
        let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mut t = Table::new(&header_refs);
        let cell = |c: &PlanCost, f: &dyn Fn(&PlanCost) -> f64| {
            if c.unavailable.is_some() {
                "—".to_string()
            } else {
                usd(f(c))
            }
        };
        t.row(
            std::iter::once("region".to_string())
                .chain(group.iter().map(|(_, c)| c.region.clone()))
                .collect(),
        );
        for cat in CostCategory::ALL {
            t.row(
                std::iter::once(cat.name().to_string())
                    .chain(group.iter().map(|(_, c)| {
                        cell(c, &|c| {
                            c.by_category()
                                .into_iter()
                                .find(|(x, _)| *x == cat)
                                .map_or(0.0, |(_, t)| t.expected_usd)
                        })
                    }))
                    .collect(),
            );
        }
        type Figure = fn(&PlanCost) -> f64;
        let totals: [(&str, Figure); 3] = [
            ("total expected", |c| c.after.expected_usd),
            ("at most", |c| c.after.ceiling_usd),
            ("all on-demand", |c| c.after.on_demand_usd),
        ];
        for (name, f) in totals {
            t.row(
                std::iter::once(name.to_string())
                    .chain(group.iter().map(|(_, c)| cell(c, &f)))
                    .collect(),
            );
        }
        t.row(
            std::iter::once("budget".to_string())
                .chain(group.iter().map(|(d, c)| match (&d.budget, c.budget) {
                    (Some(b), Some(check)) => format!(
                        "{} ({})",
                        usd(b.monthly_usd),
                        if check.planned_usd <= b.monthly_usd {
                            "fits"
                        } else {
                            "over"
                        }
                    ),
                    (Some(b), None) => usd(b.monthly_usd),
                    _ => "—".to_string(),
                }))
                .collect(),
        );
        out.push_str(&format!("Stack {stack}:\n"));
        out.push_str(&t.render("  ", |_, c| c.to_string()));
        out.push('\n');
    }
    out.push_str(&format!(
        "Expected: spot hosts at spot (an assumed share of on-demand unless [usage] spot_price_ratio says); at most: spot-or-on-demand hosts at on-demand. Prices of {}; a month is {HOURS_PER_MONTH} hours.\n",
        Catalog::shipped().date
    ));
    ui.print(&out);
    ExitStatus::Ok
}

/// Run `strata cost --catalog`.
pub fn print_catalog(ui: &Ui) -> ExitStatus {
    let c = Catalog::shipped();
    let counts: Vec<(String, usize)> = c
        .regions
        .iter()
        .map(|(r, p)| (r.clone(), p.len()))
        .collect();
    if ui.json() {
        ui.print(&pretty(&json!({
            "source": c.source,
            "date": c.date,
            "currency": c.currency,
            "regions": counts.iter().map(|(r, n)| (r.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
        })));
        return ExitStatus::Ok;
    }
    let mut out = format!(
        "Price catalog of {} ({})\nSource: {}\n\n",
        c.date, c.currency, c.source
    );
    let mut t = Table::new(&["REGION", "PRICES"]);
    for (r, n) in counts {
        t.row(vec![r, n.to_string()]);
    }
    out.push_str(&t.render("", |_, c| c.to_string()));
    ui.print(&out);
    ExitStatus::Ok
}
