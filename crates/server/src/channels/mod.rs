//! Sales channels, the server's side: connectors built from the stored connections
//! (`switchyard-channels` speaks each channel's wire format), what the channels tell us
//! turned into placements, cancellations and refunds (`intake`), polling for orders
//! (`poll`), and what we tell them: fulfilments and cancellations through the delivery
//! machinery (`push`), stock levels through stock sync (`stock`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchyard_channels::http::{Http, Patience};
use switchyard_channels::{Connection, Connector};
use switchyard_core::connector::ConnectionDraft;
use switchyard_core::id::ChannelId;
use switchyard_store::connection::StoredConnection;

use switchyard_core::validation::Invalid;

use crate::error::ApiError;

pub mod intake;
pub mod poll;
pub mod push;
pub mod stock;

/// A connector built, with the settings it was built from.
type Built = (ConnectionDraft, Arc<dyn Connector>);

/// Builds connectors for stored connections, all sharing one HTTP client, and keeps
/// each until its connection changes (a connector holds its access token).
#[derive(Clone)]
pub struct Connectors {
    http: Http,
    built: Arc<Mutex<HashMap<ChannelId, Built>>>,
}

impl Default for Connectors {
    fn default() -> Self {
        Connectors::new(Patience::default())
    }
}

impl Connectors {
    /// Connectors whose requests are as patient as `patience` (tests wait less).
    pub fn new(patience: Patience) -> Connectors {
        // Building a client only fails without a TLS backend, which is compiled in.
        let http = Http::new(patience).unwrap_or_else(|e| panic!("{e}"));
        Connectors {
            http,
            built: Arc::default(),
        }
    }

    /// The connector for `stored`, or a 422 for a kind that has none.
    pub fn build(&self, stored: &StoredConnection) -> Result<Arc<dyn Connector>, ApiError> {
        let mut built = self.built.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((settings, connector)) = built.get(&stored.channel_id)
            && *settings == stored.settings
        {
            return Ok(connector.clone());
        }
        let connection = Connection {
            channel: stored.channel.clone(),
            kind: stored.kind,
            settings: stored.settings.clone(),
        };
        let connector: Arc<dyn Connector> = switchyard_channels::connector(connection, self.http.clone())
            .map(Arc::from)
            .ok_or_else(|| {
                ApiError::validation(vec![
                    Invalid::new(
                        "no_connector",
                        format!("{} channels have no connector", stored.kind.as_str()),
                    )
                    .at("/kind"),
                ])
            })?;
        built.insert(stored.channel_id.clone(), (stored.settings.clone(), connector.clone()));
        Ok(connector)
    }
}
