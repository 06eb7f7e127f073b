//! The local AWS stack for the demo and the integration tests: moto's server on a loopback
//! port (started by `infra/local/*.sh`), reached through the normal SDK with an endpoint
//! override. Each test provisions its own table and schedule group, so tests never see each
//! other's state; e-mails are told apart by their unique addresses.
//!
//! moto keeps what SES sent in `GET /moto-api/data.json`. It never fires schedules and never
//! expires TTL items, so tests check what the code wrote, not what moto would do next.

pub mod bench;
pub mod events;
pub mod local_api;

use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use portal::App;
use portal::adapters::AwsClients;
use portal::config::Config;
use portal::ports::Clock;

/// The variable that carries moto's address, set by the scripts that start it.
pub const ENDPOINT_VARIABLE: &str = "PORTAL_LOCAL_ENDPOINT";
/// The variable that carries the address of an S3 server that verifies presigned URLs
/// (s3s-fs), when one runs; otherwise moto's S3 is used.
pub const S3_ENDPOINT_VARIABLE: &str = "PORTAL_LOCAL_S3_ENDPOINT";

/// A connection to the running local stack.
#[derive(Debug, Clone)]
pub struct LocalStack {
    pub endpoint: String,
    pub clients: AwsClients,
}

/// The names of one isolated set of resources.
#[derive(Debug, Clone)]
pub struct Names {
    pub table: String,
    pub bucket: String,
    pub schedule_group: String,
    pub mail_domain: String,
    pub support_inbox: String,
    pub sales_contact: String,
}

impl Names {
    /// Fresh names for one test.
    pub fn unique() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let short = &id[..12];
        Self {
            table: format!("portal-{short}"),
            bucket: format!("portal-attachments-{short}"),
            schedule_group: format!("portal-sla-{short}"),
            mail_domain: format!("portal-{short}.example"),
            support_inbox: format!("desk@support-{short}.example"),
            sales_contact: format!("sales@portal-{short}.example"),
        }
    }

    /// The fixed names of the local API's resources.
    pub fn local() -> Self {
        Self {
            table: "portal-local".to_owned(),
            bucket: "portal-local-attachments".to_owned(),
            schedule_group: "portal-local-sla".to_owned(),
            mail_domain: "portal.local.example".to_owned(),
            support_inbox: "desk@support.local.example".to_owned(),
            sales_contact: "sales@portal.local.example".to_owned(),
        }
    }

    /// The sender address.
    pub fn mail_from(&self) -> String {
        format!("support@{}", self.mail_domain)
    }
}

impl LocalStack {
    /// Connects to the stack named by `PORTAL_LOCAL_ENDPOINT`.
    pub async fn connect() -> Self {
        let endpoint = std::env::var(ENDPOINT_VARIABLE).unwrap_or_else(|_| {
            panic!(
                "{ENDPOINT_VARIABLE} is not set: run the tests through tests/run.sh, which starts the local AWS stack"
            )
        });
        assert!(
            endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("http://localhost:"),
            "{ENDPOINT_VARIABLE} must point at a loopback address, not {endpoint}"
        );
        let sdk: SdkConfig = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "local-stack",
            ))
            .load()
            .await;
        let mut clients = AwsClients::from_sdk_config(&sdk);
        if let Ok(s3_endpoint) = std::env::var(S3_ENDPOINT_VARIABLE) {
            let s3 = aws_sdk_s3::config::Builder::from(&sdk)
                .endpoint_url(s3_endpoint)
                .force_path_style(true)
                .build();
            clients.s3 = aws_sdk_s3::Client::from_conf(s3);
        }
        Self { clients, endpoint }
    }

    /// Whether S3 is a server that verifies presigned URLs (s3s-fs) rather than moto's.
    pub fn s3_verifies_signatures() -> bool {
        std::env::var_os(S3_ENDPOINT_VARIABLE).is_some()
    }

    /// Creates the table (with the indexes and TTL of `infra/template.yaml`), the schedule
    /// group and, when `verify_sender` is set, the SES identity of the sender.
    pub async fn provision(&self, names: &Names, verify_sender: bool) {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute definition")
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .expect("key schema")
        };
        let index = |name: &str, hash: &str, range: &str| {
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(hash, KeyType::Hash))
                .key_schema(key(range, KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .expect("index")
        };
        self.clients
            .dynamodb
            .create_table()
            .table_name(&names.table)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(
                [
                    "pk",
                    "sk",
                    "account_pk",
                    "all_pk",
                    "open_pk",
                    "created_key",
                    "due_kind",
                    "due_at",
                    "device_pk",
                    "device_key",
                ]
                .into_iter()
                .map(attr)
                .collect(),
            ))
            .key_schema(key("pk", KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .global_secondary_indexes(index("gsi_account", "account_pk", "created_key"))
            .global_secondary_indexes(index("gsi_all", "all_pk", "created_key"))
            .global_secondary_indexes(index("gsi_due", "due_kind", "due_at"))
            .global_secondary_indexes(index("gsi_open", "open_pk", "created_key"))
            .global_secondary_indexes(index("gsi_device", "device_pk", "device_key"))
            .send()
            .await
            .expect("create the table");
        self.clients
            .dynamodb
            .update_time_to_live()
            .table_name(&names.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name("expires_at")
                    .enabled(true)
                    .build()
                    .expect("ttl"),
            )
            .send()
            .await
            .expect("enable TTL");
        self.clients
            .scheduler
            .create_schedule_group()
            .name(&names.schedule_group)
            .send()
            .await
            .expect("create the schedule group");
        self.clients
            .s3
            .create_bucket()
            .bucket(&names.bucket)
            .send()
            .await
            .expect("create the attachments bucket");
        if verify_sender {
            self.verify_sender(names).await;
        }
    }

    /// Verifies the sender's domain in SES, so that it may send.
    pub async fn verify_sender(&self, names: &Names) {
        self.clients
            .ses
            .verify_domain_identity()
            .domain(&names.mail_domain)
            .send()
            .await
            .expect("verify the sender domain");
    }

    /// The deployment settings for these names, as the template would set them.
    pub fn config(&self, names: &Names) -> Config {
        let settings = self.settings(names);
        Config::from_lookup(|name| {
            settings
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
        .expect("local configuration")
    }

    /// The environment variables a deployed function gets for these names.
    pub fn settings(&self, names: &Names) -> Vec<(&'static str, String)> {
        vec![
            ("TABLE_NAME", names.table.clone()),
            ("ATTACHMENTS_BUCKET", names.bucket.clone()),
            ("MAIL_FROM_ADDRESS", names.mail_from()),
            ("MAIL_FROM_NAME", "Support Comptage".to_owned()),
            ("SUPPORT_INBOX", names.support_inbox.clone()),
            ("SALES_CONTACT", names.sales_contact.clone()),
            ("SCHEDULE_GROUP", names.schedule_group.clone()),
            (
                "SLA_FUNCTION_ARN",
                "arn:aws:lambda:us-east-1:123456789012:function:portal-sla-breach".to_owned(),
            ),
            (
                "SCHEDULER_DEAD_LETTER_ARN",
                "arn:aws:sqs:us-east-1:123456789012:portal-scheduler-dead-letters".to_owned(),
            ),
            (
                "AUTO_CLOSE_FUNCTION_ARN",
                "arn:aws:lambda:us-east-1:123456789012:function:portal-auto-close".to_owned(),
            ),
            (
                "SCHEDULER_ROLE_ARN",
                "arn:aws:iam::123456789012:role/portal-scheduler".to_owned(),
            ),
        ]
    }

    /// The application wired to the local stack, with the given clock.
    pub fn app(&self, names: &Names, clock: Arc<dyn Clock>) -> App {
        App::new(self.config(names), &self.clients, clock)
    }

    /// moto's whole state. moto serialises it while other tests write to it, and now and
    /// then fails doing so; a second read then succeeds.
    fn moto_state(&self) -> serde_json::Value {
        let url = format!("{}/moto-api/data.json", self.endpoint);
        let mut last_error = String::new();
        for _ in 0..10 {
            match ureq::get(&url)
                .call()
                .map(|r| r.into_json::<serde_json::Value>())
            {
                Ok(Ok(data)) => return data,
                Ok(Err(e)) => last_error = e.to_string(),
                Err(e) => last_error = e.to_string(),
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("could not read moto's state: {last_error}");
    }

    /// A schedule of a group, as EventBridge Scheduler holds it, if it exists.
    pub async fn schedule(
        &self,
        group: &str,
        name: &str,
    ) -> Option<aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput> {
        self.clients
            .scheduler
            .get_schedule()
            .group_name(group)
            .name(name)
            .send()
            .await
            .ok()
    }

    /// Every e-mail SES has accepted so far, as moto recorded it.
    pub fn sent_emails(&self) -> Vec<SentEmail> {
        let data = self.moto_state();
        data["ses"]["RawMessage"]
            .as_array()
            .map(|messages| {
                messages
                    .iter()
                    .map(|m| SentEmail {
                        source: m["source"].as_str().unwrap_or_default().to_owned(),
                        destinations: m["destinations"]
                            .as_array()
                            .map(|d| {
                                d.iter()
                                    .filter_map(|a| a.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        raw: m["raw_data"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The e-mails SES accepted for one address (as an envelope recipient).
    pub fn emails_to(&self, address: &str) -> Vec<SentEmail> {
        self.sent_emails()
            .into_iter()
            .filter(|m| m.envelope_recipients().iter().any(|r| r == address))
            .collect()
    }
}

/// An e-mail as SES received it.
#[derive(Debug, Clone)]
pub struct SentEmail {
    pub source: String,
    pub destinations: Vec<String>,
    pub raw: String,
}

impl SentEmail {
    /// The parsed MIME message.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(self.raw.as_bytes())
            .expect("SES received a parsable message")
    }

    /// The decoded subject.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The decoded plain-text part.
    pub fn text(&self) -> String {
        self.parsed().body_text(0).unwrap_or_default().into_owned()
    }

    /// The decoded HTML part.
    pub fn html(&self) -> String {
        self.parsed().body_html(0).unwrap_or_default().into_owned()
    }

    /// The bare addresses SES was asked to deliver to (moto adds the header addresses, in
    /// `Name <address>` form, to the ones given in the call).
    pub fn envelope_recipients(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .destinations
            .iter()
            .map(|d| match (d.rfind('<'), d.rfind('>')) {
                (Some(start), Some(end)) if start < end => d[start + 1..end].to_owned(),
                _ => d.clone(),
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The raw header lines (unfolded) named `name`, case-insensitively.
    pub fn header_lines(&self, name: &str) -> Vec<String> {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        let prefix = format!("{}:", name.to_ascii_lowercase());
        unfolded
            .split("\r\n")
            .filter(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(str::to_owned)
            .collect()
    }
}
