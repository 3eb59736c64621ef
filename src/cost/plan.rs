//! The cost of a plan: what the deployment costs a month before it (as recorded) and after it
//! (as planned), the delta, and the budget check — shown at the end of every plan and checked
//! by `apply` before anything changes.

use super::catalog::Catalog;
use super::estimate::{
    estimate, Estimate, EstimateError, Priced, Pricing, Totals, DEFAULT_SPOT_RATIO,
};
use crate::address::Address;
use crate::config::expr::RefTarget;
use crate::config::Deployment;
use crate::plan::model::{Action, Plan};
use crate::provider::{Attrs, CostCategory, Registry};
use crate::state::{Provenance, State};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The cost part of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanCost {
    /// Why there are no figures (region unknown, or not in the catalog); the rest is empty then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// Region priced.
    pub region: String,
    /// Date of the catalog's prices.
    pub catalog_date: String,
    /// Monthly cost of what is recorded now.
    pub before: Totals,
    /// Monthly cost once the plan is applied.
    pub after: Totals,
    /// The planned estimate in full.
    pub estimate: Option<Estimate>,
    /// The `[budget]` and how the plan stands against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetCheck>,
}

/// The planned cost against `[budget] monthly_usd`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BudgetCheck {
    /// The ceiling.
    pub monthly_usd: f64,
    /// The figure checked: the planned monthly cost at most (spot-or-on-demand hosts at
    /// on-demand).
    pub planned_usd: f64,
    /// Whether the plan ends over the ceiling and raises the cost: `apply` then stops.
    pub refused: bool,
}

impl BudgetCheck {
    /// How far over the ceiling the plan ends (zero when within).
    pub fn overrun_usd(&self) -> f64 {
        (self.planned_usd - self.monthly_usd).max(0.0)
    }
}

impl PlanCost {
    /// Monthly delta, expected figures.
    pub fn delta_usd(&self) -> f64 {
        self.after.expected_usd - self.before.expected_usd
    }

    /// The after figures by category (empty when unavailable).
    pub fn by_category(&self) -> Vec<(CostCategory, Totals)> {
        self.estimate
            .as_ref()
            .map(Estimate::by_category)
            .unwrap_or_default()
    }

    fn unavailable(region: Option<&str>, why: String) -> PlanCost {
        PlanCost {
            unavailable: Some(why),
            region: region.unwrap_or_default().to_string(),
            catalog_date: Catalog::shipped().date.clone(),
            before: Totals::default(),
            after: Totals::default(),
            estimate: None,
            budget: None,
        }
    }
}

/// The pricing inputs of a deployment in `region`.
pub fn pricing<'a>(deployment: &Deployment, region: &'a str) -> Pricing<'a> {
    Pricing {
        catalog: Catalog::shipped(),
        region,
        spot_ratio: deployment
            .usage
            .spot_price_ratio
            .unwrap_or(DEFAULT_SPOT_RATIO),
        spot_ratio_given: deployment.usage.spot_price_ratio.is_some(),
    }
}

/// The cost of `plan` for `deployment` in `region` (`None`: not known).
pub fn plan_cost(
    plan: &Plan,
    deployment: &Deployment,
    registry: &Registry,
    region: Option<&str>,
) -> PlanCost {
    let Some(region) = region else {
        return PlanCost::unavailable(None, EstimateError::NoRegion.to_string());
    };
    let pricing = pricing(deployment, region);
    let usage: BTreeMap<&Address, BTreeMap<String, f64>> = plan
        .resource_changes
        .iter()
        .map(|c| (&c.address, deployment.usage.for_resource(&c.address)))
        .collect();
    let owned = |c: &&crate::plan::model::ResourceChange| {
        !matches!(c.provenance, Some(Provenance::Reused)) && c.action != Action::Read
    };
    let befores: Vec<(&Address, &Attrs)> = plan
        .resource_changes
        .iter()
        .filter(owned)
        .filter_map(|c| c.before.as_ref().map(|b| (&c.address, b)))
        .collect();
    let afters: Vec<(&Address, &Attrs)> = plan
        .resource_changes
        .iter()
        .filter(owned)
        .filter(|c| c.action != Action::Delete)
        .filter_map(|c| c.after.as_ref().map(|a| (&c.address, a)))
        .collect();
    let before_related = by_value(&befores);
    let after_related = |address: &Address, attr: &str| -> Option<Attrs> {
        by_reference(deployment, address, attr, &afters).or_else(|| {
            let value = afters
                .iter()
                .find(|(a, _)| *a == address)
                .and_then(|(_, attrs)| attrs.get(attr))?;
            before_related_value(&befores, value)
        })
    };
    let run = |list: &[(&Address, &Attrs)], related: &dyn Fn(&Address, &str) -> Option<Attrs>| {
        estimate(
            &pricing,
            registry,
            list.iter().map(|(a, attrs)| Priced {
                address: a,
                attrs,
                usage: usage.get(a),
            }),
            related,
        )
    };
    let before = match run(&befores, &before_related) {
        Ok(e) => e,
        Err(e) => return PlanCost::unavailable(Some(region), e.to_string()),
    };
    let after = match run(&afters, &after_related) {
        Ok(e) => e,
        Err(e) => return PlanCost::unavailable(Some(region), e.to_string()),
    };
    let (before_totals, after_totals) = (before.totals(), after.totals());
    let budget = deployment.budget.as_ref().map(|b| BudgetCheck {
        monthly_usd: b.monthly_usd,
        planned_usd: after_totals.ceiling_usd,
        refused: after_totals.ceiling_usd > b.monthly_usd + CENT
            && after_totals.ceiling_usd > before_totals.ceiling_usd + CENT,
    });
    PlanCost {
        unavailable: None,
        region: region.to_string(),
        catalog_date: after.catalog_date.clone(),
        before: before_totals,
        after: after_totals,
        estimate: Some(after),
        budget,
    }
}

/// Half a cent: figures closer than this are equal (sums of floats).
const CENT: f64 = 0.005;

/// What `state` costs a month in `region`, by its recorded attributes and the default usage
/// (the tier's `[usage]` is not recorded): for `list` and `show`.
pub fn state_cost(
    state: &State,
    registry: &Registry,
    region: &str,
) -> Result<Estimate, EstimateError> {
    let pricing = Pricing {
        catalog: Catalog::shipped(),
        region,
        spot_ratio: DEFAULT_SPOT_RATIO,
        spot_ratio_given: false,
    };
    let recorded: Vec<(&Address, &Attrs)> = state
        .resources
        .values()
        .filter(|r| r.provenance != Provenance::Reused)
        .map(|r| (&r.address, &r.attributes))
        .collect();
    let related = by_value(&recorded);
    estimate(
        &pricing,
        registry,
        recorded.iter().map(|(a, attrs)| Priced {
            address: a,
            attrs,
            usage: None,
        }),
        &related,
    )
}

/// Related resources found by value: the resource whose `id` or `arn` is the attribute's value.
fn by_value<'a>(
    resources: &'a [(&'a Address, &'a Attrs)],
) -> impl Fn(&Address, &str) -> Option<Attrs> + 'a {
    move |address: &Address, attr: &str| {
        let value = resources
            .iter()
            .find(|(a, _)| *a == address)
            .and_then(|(_, attrs)| attrs.get(attr))?;
        before_related_value(resources, value)
    }
}

fn before_related_value(resources: &[(&Address, &Attrs)], value: &Value) -> Option<Attrs> {
    let wanted = value.as_str()?;
    resources
        .iter()
        .find(|(_, attrs)| {
            ["id", "arn"]
                .iter()
                .any(|k| attrs.get(*k).and_then(Value::as_str) == Some(wanted))
        })
        .map(|(_, attrs)| (*attrs).clone())
}

/// Related resources found by the configuration's reference: `subnet_id = "${subnet.a.id}"`
/// names `subnet.a`, whose planned attributes are returned.
fn by_reference(
    deployment: &Deployment,
    address: &Address,
    attr: &str,
    planned: &[(&Address, &Attrs)],
) -> Option<Attrs> {
    let expr = deployment.resources.get(address)?.attrs.get(attr)?;
    let mut target = None;
    expr.visit_refs(&mut |r| {
        if target.is_none() {
            if let RefTarget::Resource { address, .. } = &r.target {
                target = Some(address.clone());
            }
        }
    });
    let target = target?;
    planned
        .iter()
        .find(|(a, _)| **a == target)
        .map(|(_, attrs)| (*attrs).clone())
}
