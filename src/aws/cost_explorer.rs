//! Cost Explorer: the monthly unblended cost of one deployment by service
//! (GetCostAndUsage filtered on its `strata:deployment` tag), as the plain types of
//! `cost::actual`.
//!
//! Cost Explorer is served from us-east-1 only, whatever the deployment's region; the
//! session's endpoint (an emulator in tests) is kept. AWS bills every call ($0.01), so pages
//! are fetched one after the other and no call is retried.

use super::Aws;
use crate::cost::actual::{ActualError, ActualQuery, CostPeriod, ServiceCost, DEPLOYMENT_TAG};
use crate::provider::ErrorClass;
use aws_config::Region;
use aws_sdk_costexplorer::types::{
    DateInterval, Expression, Granularity, GroupDefinition, GroupDefinitionType, MatchOption,
    ResultByTime, TagValues,
};

const OP: &str = "ce:GetCostAndUsage";
const METRIC: &str = "UnblendedCost";
/// The only region Cost Explorer answers in.
const CE_REGION: &str = "us-east-1";

/// Every page of the answer to `query`, in order: one GetCostAndUsage call per page.
pub async fn cost_and_usage(
    aws: &Aws,
    query: &ActualQuery,
) -> Result<Vec<Vec<CostPeriod>>, ActualError> {
    let client = client(aws).await?;
    let period = DateInterval::builder()
        .start(&query.start)
        .end(&query.end)
        .build()
        .map_err(|e| ActualError::Call(format!("{OP}: {e}")))?;
    let filter = Expression::builder()
        .tags(
            TagValues::builder()
                .key(DEPLOYMENT_TAG)
                .values(&query.deployment)
                .match_options(MatchOption::Equals)
                .build(),
        )
        .build();
    let group = GroupDefinition::builder()
        .r#type(GroupDefinitionType::Dimension)
        .key("SERVICE")
        .build();
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let answer = client
            .get_cost_and_usage()
            .time_period(period.clone())
            .granularity(Granularity::Monthly)
            .metrics(METRIC)
            .filter(filter.clone())
            .group_by(group.clone())
            .set_next_page_token(token.take())
            .send()
            .await
            .map_err(|e| explain(super::errors::classify(OP, e)))?;
        let periods = answer
            .results_by_time()
            .iter()
            .map(period_of)
            .collect::<Result<Vec<_>, _>>()?;
        pages.push(periods);
        match answer.next_page_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    Ok(pages)
}

async fn client(aws: &Aws) -> Result<aws_sdk_costexplorer::Client, ActualError> {
    let config = aws
        .sdk_config()
        .await
        .map_err(|e| ActualError::Call(e.to_string()))?;
    let conf = aws_sdk_costexplorer::config::Builder::from(config)
        .region(Region::new(CE_REGION))
        .interceptor(super::stats::CountCalls::new(aws.stats().clone()))
        .build();
    Ok(aws_sdk_costexplorer::Client::from_conf(conf))
}

fn period_of(result: &ResultByTime) -> Result<CostPeriod, ActualError> {
    let (start, end) = result
        .time_period()
        .map(|p| (p.start().to_string(), p.end().to_string()))
        .ok_or_else(|| ActualError::BadAnswer("a result without its time period".into()))?;
    let mut services = Vec::new();
    for group in result.groups() {
        let service = group.keys().first().cloned().unwrap_or_default();
        let Some(metric) = group.metrics().and_then(|m| m.get(METRIC)) else {
            continue;
        };
        let text = metric.amount().unwrap_or("0");
        let amount = text.trim().parse::<f64>().map_err(|_| {
            ActualError::BadAnswer(format!("{service} in {start}: amount `{text}`"))
        })?;
        services.push(ServiceCost {
            service,
            amount,
            unit: metric.unit().unwrap_or("USD").to_string(),
        });
    }
    Ok(CostPeriod {
        start,
        end,
        estimated: result.estimated(),
        services,
    })
}

fn explain(e: crate::provider::ProviderError) -> ActualError {
    let message = e.message.clone();
    match e.code.as_deref() {
        Some("DataUnavailableException") => ActualError::NotEnabled(message),
        // AWS answers an account that never opened Cost Explorer with this message.
        Some("AccessDeniedException") if message.contains("not enabled") => {
            ActualError::NotEnabled(message)
        }
        _ if e.class == ErrorClass::AccessDenied => ActualError::AccessDenied(message),
        _ => ActualError::Call(e.to_string()),
    }
}
