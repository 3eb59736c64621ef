//! `strata cost --spot`: live spot prices of the deployment's spot hosts across the zones that
//! offer their type (and other regions with `--regions`), the zone chosen, and the saving
//! against the catalog's on-demand price.

use crate::aws::ec2::Ec2Market;
use crate::aws::{Aws, AwsSettings};
use crate::cli::args::CostArgs;
use crate::cli::error::CliError;
use crate::cli::exit::ExitStatus;
use crate::cli::table::Table;
use crate::cli::ui::Ui;
use crate::cli::{live, secrets, target};
use crate::cost::spot::{
    analyse_hosts, resolve_requirements, spot_hosts, HostSpot, Resolved, SpotError, HOURS_PER_MONTH,
};
use crate::cost::Catalog;
use crate::provider::CallStats;
use std::sync::Arc;

/// Run `strata cost --spot`.
pub fn run(ui: &Ui, args: &CostArgs) -> ExitStatus {
    let registry = crate::aws::registry();
    let mut deployment = match secrets::load_resolved(ui, &args.target, &args.aws, &registry) {
        Ok(d) => d,
        Err(status) => return status,
    };
    let hosts = match spot_hosts(&deployment) {
        Ok(h) => h,
        Err(e) => return fail(ui, &e),
    };
    if hosts.is_empty() {
        if ui.json() {
            ui.print(&json_report(&deployment.name, None, &[], &[]));
        } else {
            ui.print(&format!(
                "Deployment {} has no spot hosts (no instance with market = \"spot\" or \"spot-or-on-demand\"): nothing to price.",
                deployment.name
            ));
        }
        return ExitStatus::Ok;
    }
    let settings = AwsSettings {
        profile: args.aws.profile.clone(),
        region: live::configured_region(&args.aws, &deployment),
        ..AwsSettings::from_environment()
    };
    let aws = Arc::new(Aws::new(settings, CallStats::default()));
    let market = Ec2Market::new(aws.clone());
    let runtime = match live::runtime() {
        Ok(rt) => rt,
        Err(status) => return status,
    };
    let analysed = runtime.block_on(async {
        let home = aws.region().await?;
        let resolved = resolve_requirements(&mut deployment, &market, &home).await?;
        let hosts = spot_hosts(&deployment)?;
        let spots =
            analyse_hosts(&hosts, &market, &home, &args.regions, Catalog::shipped()).await?;
        Ok::<_, SpotError>((home, resolved, spots))
    });
    let (home, resolved, spots) = match analysed {
        Ok(a) => a,
        Err(e) => return fail(ui, &e),
    };
    let calls: u64 = aws.stats().snapshot().values().sum();
    ui.detail(&format!("spot analysis: {calls} AWS call(s)"));
    if ui.json() {
        ui.print(&json_report(
            &deployment.name,
            Some(&home),
            &resolved,
            &spots,
        ));
    } else {
        ui.print(&text_report(ui, &deployment.name, &resolved, &spots));
    }
    ExitStatus::Ok
}

pub(super) fn fail(ui: &Ui, e: &SpotError) -> ExitStatus {
    target::fail(ui, &CliError::new(e.code(), e.to_string(), e.help()))
}

fn json_report(
    deployment: &str,
    region: Option<&str>,
    resolved: &[Resolved],
    spots: &[HostSpot],
) -> String {
    let report = serde_json::json!({
        "deployment": deployment,
        "region": region,
        "hours_per_month": HOURS_PER_MONTH,
        "resolved": resolved,
        "hosts": spots,
    });
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn usd(v: f64) -> String {
    format!("${v:.4}")
}

fn usd_month(v: f64) -> String {
    format!("${v:.2}")
}

fn text_report(ui: &Ui, deployment: &str, resolved: &[Resolved], spots: &[HostSpot]) -> String {
    let mut out = format!("Spot prices for {deployment} (monthly = {HOURS_PER_MONTH} h)\n");
    for r in resolved {
        let c = &r.cheapest;
        out.push_str(&format!(
            "\n{}: {} meets {} at {}/h ({:?} price, {} type(s) considered)",
            r.address,
            c.choice.instance_type,
            r.requirements.describe(),
            usd(c.choice.usd_hour),
            c.basis,
            c.considered
        ));
        if let Some(next) = &c.runner_up {
            out.push_str(&format!(
                "; runner-up {} at {}/h",
                next.instance_type,
                usd(next.usd_hour)
            ));
        }
        out.push('\n');
    }
    for host in spots {
        out.push('\n');
        out.push_str(&host_text(ui, host));
    }
    out
}

fn host_text(ui: &Ui, host: &HostSpot) -> String {
    let mut out = format!(
        "{} ({}, market {}",
        ui.paint("1", &host.address),
        host.instance_type,
        host.market
    );
    if let Some(zone) = &host.pinned_zone {
        out.push_str(&format!(", zone pinned by its subnet: {zone}"));
    }
    out.push_str(")\n");
    for region in &host.regions {
        let od = region
            .on_demand_hour
            .map_or_else(|| "not in the catalog".to_string(), usd);
        out.push_str(&format!("  {} (on-demand {od}/h)\n", region.region));
        let mut table = Table::new(&["zone", "spot/h", "monthly", "saving", ""]);
        let chosen = host
            .chosen
            .as_ref()
            .filter(|c| c.region == region.region)
            .map(|c| c.zone.as_str());
        for z in &region.zones {
            let saving = crate::cost::spot::saving(z.usd_hour, region.on_demand_hour).map_or_else(
                || "—".to_string(),
                |s| format!("{:.0}% ({}/month)", s.percent, usd_month(s.usd_month)),
            );
            let mut marks = Vec::new();
            if region.cheapest.as_ref().is_some_and(|c| c.zone == z.zone) {
                marks.push("cheapest");
            }
            if host.pinned_zone.as_deref() == Some(z.zone.as_str()) {
                marks.push("pinned");
            }
            if chosen == Some(z.zone.as_str()) {
                marks.push("chosen");
            }
            table.row(vec![
                z.zone.clone(),
                usd(z.usd_hour),
                usd_month(z.usd_hour * HOURS_PER_MONTH),
                saving,
                marks.join(", "),
            ]);
        }
        for zone in &region.unpriced {
            table.row(vec![zone.clone(), "no price".into()]);
        }
        out.push_str(&table.render("    ", |_, cell| cell.to_string()));
        if region.zones.is_empty() && region.unpriced.is_empty() {
            out.push_str(&format!("    no zone offers {}\n", region.instance_type));
        }
    }
    match &host.chosen {
        Some(c) => {
            let saving = c.saving.as_ref().map_or_else(String::new, |s| {
                format!(
                    ", saving {:.0}% or {}/month against on-demand",
                    s.percent,
                    usd_month(s.usd_month)
                )
            });
            out.push_str(&format!(
                "  chosen: {} at {}/h ({}/month){saving}\n",
                c.zone,
                usd(c.usd_hour),
                usd_month(c.usd_month)
            ));
            if let Some(extra) = c.cheapest_would_save_month.filter(|x| *x > 0.0) {
                out.push_str(&format!(
                    "  the cheapest zone would save {}/month more; the pinned zone is kept\n",
                    usd_month(extra)
                ));
            }
        }
        None => out.push_str(&format!(
            "  no zone chosen: {}\n",
            host.note.as_deref().unwrap_or("no spot price")
        )),
    }
    if host.regions.len() > 1 {
        if let Some(r) = &host.cheapest_region {
            out.push_str(&format!("  cheapest region: {r}\n"));
        }
    }
    out
}
