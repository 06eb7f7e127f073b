//! What a function holds for its whole life: the configuration, the store, the adapters, the
//! clock and the templates. Built once per cold start.

use std::sync::Arc;

use crate::adapters::AwsClients;
use crate::adapters::s3::ObjectStore;
use crate::adapters::scheduler::EventBridgeScheduler;
use crate::adapters::ses::SesMailer;
use crate::config::{Config, ConfigError};
use crate::mail::Templates;
use crate::ports::{Clock, DeadlineScheduler, Mailer, SystemClock};
use crate::store::TicketStore;

/// The shared state of every handler.
pub struct App {
    pub config: Config,
    pub store: TicketStore,
    pub objects: ObjectStore,
    pub mailer: Arc<dyn Mailer>,
    pub scheduler: Arc<dyn DeadlineScheduler>,
    pub clock: Arc<dyn Clock>,
    pub templates: Templates,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The real thing: configuration from the environment, AWS adapters, the system clock.
    /// A bad setting stops the start.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = Config::from_env()?;
        let clients = AwsClients::from_env().await;
        Ok(Self::new(config, &clients, Arc::new(SystemClock)))
    }

    /// Wires the AWS adapters from ready clients, with the given clock.
    pub fn new(config: Config, clients: &AwsClients, clock: Arc<dyn Clock>) -> Self {
        Self {
            store: TicketStore::new(clients.dynamodb.clone(), config.table_name.clone()),
            objects: ObjectStore::new(clients.s3.clone(), config.attachments_bucket.clone()),
            mailer: Arc::new(SesMailer::new(clients.ses.clone())),
            scheduler: Arc::new(EventBridgeScheduler::new(clients.scheduler.clone())),
            clock,
            templates: Templates::load(),
            config,
        }
    }
}
