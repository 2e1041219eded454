//! `switchyard forecast refresh`: makes the stored demand forecasts now, as the
//! server's sweep does nightly (`POST /api/v1/forecasts/refresh`). The file-based
//! subcommands (`backtest`, `run`) live in `forecast`.

use clap::Subcommand;
use switchyard_store::Store;

use crate::forecast::ForecastCommand;

#[derive(Debug, Subcommand)]
pub enum ForecastCli {
    /// Make every stored forecast now from the report roll-ups (per SKU and per SKU ×
    /// location; kits through their components).
    Refresh,
    #[command(flatten)]
    File(ForecastCommand),
}

pub async fn refresh(store: &Store) -> anyhow::Result<()> {
    store.refresh_reports().await?;
    match store.refresh_forecasts().await? {
        Some(done) => println!("forecast {} SKU(s): {} forecast(s) stored", done.skus, done.forecasts),
        None => anyhow::bail!("another refresh of the forecasts is running; try again when it ends"),
    }
    Ok(())
}
