//! `GET /api/v1/reports/channel-performance`: orders, units, money and rates per bucket
//! of days, channel and currency, with totals and the previous period (core
//! `report::channel_performance`).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::money::{Currency, Money};
use switchyard_core::report::{self, Bucket, ChannelFigures, ChannelPerformance, ChannelSource};
use switchyard_core::validation::Invalid;
use utoipa::IntoParams;

use super::chart::{self, Series};
use super::{ReportParams, Table, respond};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Allowed, ApiQuery, perm};

/// The channel performance report's own parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BucketParams {
    /// How days are grouped: `day` (default), `week` (ISO, from Monday) or `month`.
    #[param(example = "week")]
    pub bucket: Option<String>,
}

/// Channel performance
///
/// Per bucket of days, channel and currency: orders placed, units, gross, discount, net
/// and refunded money (minor units of the row's currency; never added across
/// currencies), average order value (net / orders), discount share (discount / gross),
/// cancellation rate (orders cancelled whole / orders) and return rate (orders with a
/// return / orders). Totals per channel and per currency, for this period and the
/// previous one of equal length, with each figure's absolute and relative change.
///
/// With `sku`, the figures are the SKU's lines: orders with the SKU, its units,
/// `revenue` (its lines after discounts), `cancelled_units` and `returned_units`; the
/// order-level figures are null, and `carrier` cannot be combined with it (422).
///
/// CSV: one row per bucket × channel × currency, money as decimal major units
/// (`12.50`). SVG: net revenue per bucket, a line per channel and one for the previous
/// period's total (orders instead of money when the period has several currencies).
#[utoipa::path(get, path = "/api/v1/reports/channel-performance", tag = "reports",
    params(ReportParams, BucketParams),
    responses(
        (status = 200, description = "The report", content(
            (ChannelPerformance = "application/json"),
            (String = "text/csv", example = "bucket,channel,currency,orders,units,gross,discount,net,refunded,average_order_value,discount_share,cancellation_rate,return_rate,revenue,cancelled_units,returned_units\n2026-11-02,web,GBP,3,5,90.00,0.00,72.00,0.00,24.00,0,0.3333,0,,,\n"),
            (String = "image/svg+xml"),
        )),
        (status = 422, description = "A bad parameter, named", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn channel_performance(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
    ApiQuery(extra): ApiQuery<BucketParams>,
) -> ApiResult<Response> {
    let value = compute(&s, &params, &extra).await?;
    respond(params.format(), value, table, chart)
}

/// The report the filters ask for: 422 naming each bad parameter.
pub async fn compute(s: &AppState, params: &ReportParams, extra: &BucketParams) -> ApiResult<ChannelPerformance> {
    let bucket = extra
        .bucket
        .as_deref()
        .map(Bucket::parse)
        .transpose()
        .map_err(|e: Invalid| ApiError::validation(vec![e.at("bucket")]));
    let scope = params.scope(s).await;
    let (bucket, scope) = match (bucket, scope) {
        (Ok(b), Ok(s)) => (b.unwrap_or(Bucket::Day), s),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    if scope.product_id.is_some() && scope.carrier.is_some() {
        return Err(ApiError::validation(vec![
            Invalid::new(
                "not_with_sku",
                "the SKU roll-up has no carrier: use `carrier` or `sku`, not both",
            )
            .at("carrier"),
        ]));
    }
    let filter = &scope.filter;
    let previous = filter.previous();
    let current_days = s.store.channel_days(&scope, filter.from, filter.to).await?;
    let previous_days = s.store.channel_days(&scope, previous.from, previous.to).await?;
    let source = if scope.product_id.is_some() {
        ChannelSource::Sku
    } else {
        ChannelSource::Orders
    };
    Ok(report::channel_performance(
        filter,
        bucket,
        source,
        &current_days,
        &previous_days,
    ))
}

/// Money in decimal major units of `currency` (minor units when the code is unknown).
pub fn money(amount: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(currency) => Money { amount, currency }.decimal(),
        Err(_) => amount.to_string(),
    }
}

const MONEY: [&str; 6] = ["gross", "discount", "net", "refunded", "average_order_value", "revenue"];

/// Whether the figure `name` of `ChannelFigures::metrics` is money (minor units).
pub fn is_money(name: &str) -> bool {
    MONEY.contains(&name)
}

fn cells(figures: &ChannelFigures, currency: &str) -> Vec<String> {
    figures
        .metrics()
        .into_iter()
        .map(|(name, value)| match value {
            None => String::new(),
            #[allow(clippy::cast_possible_truncation)]
            Some(v) if is_money(name) => money(v as i64, currency),
            Some(v) => v.to_string(),
        })
        .collect()
}

pub fn table(r: &ChannelPerformance) -> Table {
    let mut header = vec!["bucket", "channel", "currency"];
    header.extend(ChannelFigures::default().metrics().map(|(name, _)| name));
    Table {
        name: format!("channel-performance-{}-{}", r.from, r.to),
        header,
        rows: r
            .rows
            .iter()
            .map(|row| {
                let mut cols = vec![row.start.to_string(), row.channel.clone(), row.currency.clone()];
                cols.extend(cells(&row.figures, &row.currency));
                cols
            })
            .collect(),
    }
}

/// Net revenue (or orders, when several currencies or a SKU) per bucket: a line per
/// channel and the previous period's total, bucket by bucket.
pub fn chart(r: &ChannelPerformance) -> Result<String, chart::ChartError> {
    let currencies: std::collections::BTreeSet<&str> = r
        .rows
        .iter()
        .chain(&r.previous_rows)
        .map(|row| row.currency.as_str())
        .collect();
    let by_money = currencies.len() <= 1 && r.source == ChannelSource::Orders;
    let currency = currencies.first().copied().unwrap_or_default();
    let currency_code = Currency::parse(currency).ok();
    #[allow(clippy::cast_precision_loss)]
    let value = |f: &ChannelFigures| {
        let net = f.net.unwrap_or(0);
        if by_money {
            currency_code.map_or(net as f64, |c| c.major_units(net))
        } else {
            f.orders as f64
        }
    };
    let labels: Vec<String> = r.buckets.iter().map(ToString::to_string).collect();
    let channels: std::collections::BTreeSet<&str> = r.rows.iter().map(|row| row.channel.as_str()).collect();
    let mut series: Vec<Series> = channels
        .iter()
        .map(|channel| Series {
            name: (*channel).to_owned(),
            values: r
                .buckets
                .iter()
                .map(|start| {
                    let sum: f64 = r
                        .rows
                        .iter()
                        .filter(|row| row.channel == *channel && row.start == *start)
                        .map(|row| value(&row.figures))
                        .sum();
                    Some(sum)
                })
                .collect(),
        })
        .collect();
    let previous_buckets = report::bucket_starts(r.previous_from, r.previous_to, bucket_of(&r.bucket));
    series.push(Series {
        name: "previous period (all channels)".to_owned(),
        values: previous_buckets
            .iter()
            .take(r.buckets.len())
            .map(|start| {
                Some(
                    r.previous_rows
                        .iter()
                        .filter(|row| row.start == *start)
                        .map(|row| value(&row.figures))
                        .sum(),
                )
            })
            .collect(),
    });
    let (title, y) = if by_money {
        (
            format!("Net revenue per {} ({currency})", r.bucket),
            currency.to_owned(),
        )
    } else {
        (format!("Orders per {}", r.bucket), "orders".to_owned())
    };
    chart::line_chart(&title, &y, &labels, &series)
}

fn bucket_of(name: &str) -> Bucket {
    Bucket::parse(name).unwrap_or(Bucket::Day)
}
