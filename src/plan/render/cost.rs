//! The cost lines every plan ends with: the monthly cost before and after, the delta, the
//! spot and on-demand figures beside it, and the budget.

use crate::cost::plan::PlanCost;
use crate::plan::model::Plan;

/// `$1,234.56`.
pub fn usd(amount: f64) -> String {
    let cents = (amount.abs() * 100.0).round() as u64;
    let (whole, frac) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if amount < 0.0 && cents > 0 { "-" } else { "" };
    format!("{sign}${grouped}.{frac:02}")
}

/// `+$12.00`, `-$3.50`, `±$0.00`.
pub fn signed_usd(amount: f64) -> String {
    if (amount * 100.0).round() == 0.0 {
        "±$0.00".to_string()
    } else if amount > 0.0 {
        format!("+{}", usd(amount))
    } else {
        usd(amount)
    }
}

/// The sentences of the cost summary, without markup: the first is the headline.
pub fn sentences(cost: &PlanCost, tier: Option<&str>) -> Vec<String> {
    if let Some(why) = &cost.unavailable {
        return vec![format!("Cost: not estimated: {why}.")];
    }
    let mut out = vec![format!(
        "Cost: {} → {} a month ({}), {} prices of {}.",
        usd(cost.before.expected_usd),
        usd(cost.after.expected_usd),
        signed_usd(cost.delta_usd()),
        cost.region,
        cost.catalog_date
    )];
    let Some(est) = &cost.estimate else {
        return out;
    };
    if est.has_spot() {
        let ratio = est
            .assumptions
            .iter()
            .find(|a| a.key == "spot_price_ratio")
            .map_or(String::new(), |a| {
                format!(
                    "{}% of on-demand{}",
                    (a.quantity * 100.0).round(),
                    if a.default { ", assumed" } else { "" }
                )
            });
        let mut s = format!("Spot hours at {ratio}");
        if (cost.after.ceiling_usd - cost.after.expected_usd).abs() >= 0.005 {
            s.push_str(&format!(
                "; up to {} if spot capacity runs out",
                usd(cost.after.ceiling_usd)
            ));
        }
        s.push_str(&format!(
            "; {} all on-demand.",
            usd(cost.after.on_demand_usd)
        ));
        out.push(s);
    }
    if let Some(b) = &cost.budget {
        out.push(if b.refused {
            format!(
                "Budget: {} a month; the plan ends at {}, over by {}: apply stops unless confirmed or given --accept-over-budget.",
                usd(b.monthly_usd),
                usd(b.planned_usd),
                usd(b.overrun_usd())
            )
        } else if b.planned_usd > b.monthly_usd {
            format!(
                "Budget: {} a month; already over by {} (this plan does not raise the cost).",
                usd(b.monthly_usd),
                usd(b.overrun_usd())
            )
        } else {
            format!(
                "Budget: {} a month, within ({} left).",
                usd(b.monthly_usd),
                usd(b.monthly_usd - b.planned_usd)
            )
        });
    }
    let assumed = est
        .assumptions
        .iter()
        .filter(|a| a.default && a.key != "spot_price_ratio")
        .count();
    if assumed > 0 {
        let how = match tier {
            Some(t) => format!("`strata cost --tier {t}`"),
            None => "`strata cost`".to_string(),
        };
        out.push(format!(
            "{assumed} usage quantit{} assumed at {} default{} ({how} lists them; set them in `[usage]`).",
            if assumed == 1 { "y" } else { "ies" },
            if assumed == 1 { "its" } else { "their" },
            if assumed == 1 { "" } else { "s" },
        ));
    }
    if !est.unpriced.is_empty() {
        let keys: Vec<String> = est
            .unpriced
            .iter()
            .map(|u| format!("{} ({})", u.address, u.price_key))
            .collect();
        out.push(format!(
            "Not in the price catalog, counted as $0: {}.",
            keys.join(", ")
        ));
    }
    out
}

/// The cost block of a text plan (empty for a plan without cost).
pub fn text(plan: &Plan) -> String {
    let Some(cost) = &plan.cost else {
        return String::new();
    };
    let mut out = String::new();
    for (i, s) in sentences(cost, plan.tier.as_deref()).iter().enumerate() {
        out.push_str(if i == 0 { "" } else { "  " });
        out.push_str(s);
        out.push('\n');
    }
    out
}

/// The cost section of a Markdown plan (empty for a plan without cost).
pub fn markdown(plan: &Plan) -> String {
    let Some(cost) = &plan.cost else {
        return String::new();
    };
    let lines = sentences(cost, plan.tier.as_deref());
    let mut out = String::from("\n#### Cost\n\n");
    if cost.unavailable.is_some() {
        out.push_str(&lines.join(" "));
        out.push('\n');
        return out;
    }
    out.push_str("| Monthly | Before | After | Delta |\n|---|---:|---:|---:|\n");
    out.push_str(&format!(
        "| Expected | {} | {} | **{}** |\n",
        usd(cost.before.expected_usd),
        usd(cost.after.expected_usd),
        signed_usd(cost.delta_usd())
    ));
    if (cost.after.on_demand_usd - cost.after.expected_usd).abs() >= 0.005
        || (cost.before.on_demand_usd - cost.before.expected_usd).abs() >= 0.005
    {
        out.push_str(&format!(
            "| All on-demand | {} | {} | {} |\n",
            usd(cost.before.on_demand_usd),
            usd(cost.after.on_demand_usd),
            signed_usd(cost.after.on_demand_usd - cost.before.on_demand_usd)
        ));
    }
    out.push('\n');
    // The headline is the table; the rest reads as notes.
    for s in lines.iter().skip(1) {
        out.push_str(&format!("- {s}\n"));
    }
    out.push_str(&format!(
        "- {} prices of {}; a month is 730 hours.\n",
        cost.region, cost.catalog_date
    ));
    out
}
