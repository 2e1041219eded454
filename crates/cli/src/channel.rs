//! `switchyard channel`: check a channel's connection, import its listing map, compare
//! its stock with what we offer, push every figure again.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use switchyard_channels::Connector;
use switchyard_server::channels::Connectors;
use switchyard_server::channels::stock::{compare, connector};
use switchyard_store::Store;

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Check a channel's connection: the channel answers and takes its credentials.
    /// Exits 1 when it does not.
    Test {
        /// The channel's code.
        key: String,
    },
    /// Work out every listed SKU's figure and push each to the channel again, changed
    /// or not (a running server or worker makes the pushes).
    Resync { key: String },
    /// The listing map: which of the channel's listings sells which SKU.
    #[command(subcommand)]
    Listings(ListingsCommand),
    /// Compare what the channel shows of each listed SKU with what we offer it. Exits 1
    /// when any differs.
    Drift {
        key: String,
        /// List the SKUs that agree too.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListingsCommand {
    /// Map every listing the channel has whose SKU is a product here (buffers set here
    /// are kept); list the SKUs that are not.
    Import { key: String },
}

async fn connect(store: &Store, key: &str) -> anyhow::Result<Arc<dyn Connector>> {
    connector(store, &Connectors::default(), key)
        .await
        .map_err(anyhow::Error::msg)
}

pub async fn run(store: &Store, command: ChannelCommand) -> anyhow::Result<ExitCode> {
    match command {
        ChannelCommand::Test { key } => {
            let connector = connect(store, &key).await?;
            match connector.check().await {
                Ok(reached) => {
                    println!("{key}: {reached}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{key}: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        ChannelCommand::Resync { key } => {
            let due = store.resync(&key).await?;
            println!("{key}: {due} push(es) due now");
            Ok(ExitCode::SUCCESS)
        }
        ChannelCommand::Listings(ListingsCommand::Import { key }) => {
            let connector = connect(store, &key).await?;
            let report = compare::import_listings(store, connector.as_ref(), &key).await?;
            println!(
                "{key}: {} listing(s) mapped, {} already mapped",
                report.imported, report.unchanged
            );
            if !report.unknown_skus.is_empty() {
                println!("not products here: {}", report.unknown_skus.join(", "));
            }
            Ok(ExitCode::SUCCESS)
        }
        ChannelCommand::Drift { key, all } => {
            let connector = connect(store, &key).await?;
            let lines = compare::drift(store, connector.as_ref(), &key).await?;
            let shown = |n: Option<i64>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
            println!("sku\tours\ttheirs\tdifference");
            for line in lines.iter().filter(|l| all || l.differs()) {
                println!(
                    "{}\t{}\t{}\t{}",
                    line.sku,
                    shown(line.ours),
                    shown(line.theirs),
                    shown(line.difference)
                );
            }
            let differing = lines.iter().filter(|l| l.differs()).count();
            println!("{differing} of {} listing(s) differ", lines.len());
            Ok(if differing > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
