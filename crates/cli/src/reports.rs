//! `switchyard reports`: the report roll-ups from the command line — rebuild them
//! from the orders (after an upgrade, or to cut the days in another time zone) and
//! show the time zone they are cut in.

use anyhow::bail;
use clap::Subcommand;
use switchyard_core::routing::promise;
use switchyard_store::Store;

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Recompute every daily roll-up from the orders.
    Rebuild {
        /// The seller's time zone (IANA, e.g. Europe/London) to cut the days in from
        /// now on; unchanged when left out.
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Print the time zone the roll-ups are cut in.
    TimeZone,
}

pub async fn run(store: &Store, command: ReportsCommand) -> anyhow::Result<()> {
    match command {
        ReportsCommand::Rebuild { time_zone } => {
            let days = match time_zone {
                Some(name) => {
                    if promise::time_zone(&name).is_none() {
                        bail!("unknown time zone {name:?}: use an IANA name such as Europe/London");
                    }
                    store.set_report_time_zone(&name).await?
                }
                None => store.rebuild_reports().await?,
            };
            println!(
                "rebuilt the report roll-ups of {days} day(s) in {}",
                store.report_time_zone_name().await?
            );
        }
        ReportsCommand::TimeZone => println!("{}", store.report_time_zone_name().await?),
    }
    Ok(())
}
